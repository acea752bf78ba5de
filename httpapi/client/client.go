package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Version is the SDK version sent in the default User-Agent.
const Version = "0.1.0"

// Options configure a Client. Only BaseURL is required; every zero field
// means its documented default.
type Options struct {
	// BaseURL is the server's address, e.g. "http://127.0.0.1:3000".
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>". Empty sends none
	// (only the /health routes answer without a key).
	APIKey string
	// Namespace is sent as the X-Namespace header; empty sends none.
	Namespace string
	// Timeout bounds each attempt of a request, reading the answer
	// included. Zero means 30s. Export streams are bounded only by ctx.
	Timeout time.Duration
	// HTTPClient sends the requests. Nil means a client of its own.
	HTTPClient *http.Client
	// MaxRetries bounds the retries of one request (see the package doc).
	// Zero means 3; a negative value disables retries.
	MaxRetries int
	// UserAgent is sent as User-Agent. Empty means "engram-go/<Version>".
	UserAgent string
}

// RateLimit is the rate-limit state the server last reported in its
// X-RateLimit-* headers.
type RateLimit struct {
	// Limit is the key's burst (the bucket size).
	Limit int
	// Remaining is how many requests the bucket still holds.
	Remaining int
	// Reset is when the bucket is full again.
	Reset time.Time
}

// Client talks to one Engram server with one API key. It is safe for
// concurrent use.
type Client struct {
	base      *url.URL
	key       string
	namespace string
	timeout   time.Duration
	hc        *http.Client
	retries   int
	ua        string
	// backoff returns the wait before retry n (0-based) absent Retry-After.
	backoff func(n int) time.Duration
	rl      *rateState
}

type rateState struct {
	mu   sync.Mutex
	last RateLimit
	seen bool
}

// New checks opts and returns a client.
func New(opts Options) (*Client, error) {
	var errs []error
	u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	switch {
	case opts.BaseURL == "":
		errs = append(errs, fmt.Errorf("%w: BaseURL is required", ErrOptions))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, fmt.Errorf("%w: BaseURL %q must be an http(s) URL", ErrOptions, opts.BaseURL))
	}
	if opts.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%w: Timeout must not be negative", ErrOptions))
	}
	if strings.ContainsAny(opts.APIKey, "\r\n") || strings.ContainsAny(opts.Namespace, "\r\n") {
		errs = append(errs, fmt.Errorf("%w: APIKey and Namespace must be single-line", ErrOptions))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c := &Client{base: u, key: opts.APIKey, namespace: opts.Namespace, timeout: opts.Timeout,
		hc: opts.HTTPClient, retries: opts.MaxRetries, ua: opts.UserAgent, backoff: jitterBackoff, rl: &rateState{}}
	if c.timeout == 0 {
		c.timeout = 30 * time.Second
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	switch {
	case c.retries == 0:
		c.retries = 3
	case c.retries < 0:
		c.retries = 0
	}
	if c.ua == "" {
		c.ua = "engram-go/" + Version
	}
	return c, nil
}

// WithNamespace returns a client that shares c's connection pool and
// rate-limit state but sends ns as its namespace.
func (c *Client) WithNamespace(ns string) *Client {
	d := *c
	d.namespace = ns
	return &d
}

// Namespace returns the client's default namespace ("" when none).
func (c *Client) Namespace() string { return c.namespace }

// RateLimit returns the rate-limit state of the last answer that carried
// X-RateLimit-* headers, and whether there was one.
func (c *Client) RateLimit() (RateLimit, bool) {
	c.rl.mu.Lock()
	defer c.rl.mu.Unlock()
	return c.rl.last, c.rl.seen
}

// jitterBackoff is exponential backoff with full jitter: uniform in
// [0, min(10s, 200ms·2ⁿ)].
func jitterBackoff(n int) time.Duration {
	d := 200 * time.Millisecond << min(n, 6)
	d = min(d, 10*time.Second)
	return time.Duration(rand.Int64N(int64(d) + 1))
}

const maxRetryAfter = 60 * time.Second

// request is one API call.
type request struct {
	method string
	path   string
	query  url.Values
	body   any // JSON-encoded unless an io.Reader
	// ctype overrides the body's Content-Type.
	ctype string
	// idempotent lets 503 and network errors be retried (429 and dial
	// errors always are).
	idempotent bool
	// stream leaves the answer's body open (no per-attempt timeout).
	stream bool
}

// do sends r with retries and returns the successful answer. Unless
// r.stream, the body is fully read into the answer's data.
func (c *Client) do(ctx context.Context, r request) (*http.Response, []byte, error) {
	var payload []byte
	var reader io.Reader
	switch b := r.body.(type) {
	case nil:
	case io.Reader:
		reader = b
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			return nil, nil, fmt.Errorf("engram: encode request: %w", err)
		}
	}
	var start int64 = -1
	if s, ok := reader.(io.Seeker); ok {
		if p, err := s.Seek(0, io.SeekCurrent); err == nil {
			start = p
		}
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 && reader != nil {
			if _, err := reader.(io.Seeker).Seek(start, io.SeekStart); err != nil {
				return nil, nil, fmt.Errorf("engram: rewind request body: %w", err)
			}
		}
		var body io.Reader
		if payload != nil {
			body = bytes.NewReader(payload)
		} else if reader != nil {
			body = reader
		}
		resp, data, err := c.once(ctx, r, body)
		if err == nil {
			return resp, data, nil
		}
		canRewind := reader == nil || start >= 0
		wait, retry := c.shouldRetry(r, err, attempt)
		if !retry || !canRewind {
			return nil, nil, plain(err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, errors.Join(plain(err), ctx.Err())
		case <-t.C:
		}
	}
}

// retryAfterError carries a Retry-After with the *Error of the answer.
type retryAfterError struct {
	err   *Error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// plain drops the retry bookkeeping from an answer's error.
func plain(err error) error {
	if ra, ok := err.(*retryAfterError); ok {
		return ra.err
	}
	return err
}

func (c *Client) shouldRetry(r request, err error, attempt int) (time.Duration, bool) {
	if attempt >= c.retries {
		return 0, false
	}
	var ra *retryAfterError
	var opErr *net.OpError
	switch {
	case errors.As(err, &ra):
		st := ra.err.Status
		if st != http.StatusTooManyRequests && !(st == http.StatusServiceUnavailable && r.idempotent) {
			return 0, false
		}
		if ra.after > 0 {
			return min(ra.after, maxRetryAfter), true
		}
		return c.backoff(attempt), true
	case statusOf(err) != 0:
		return 0, false
	case errors.Is(err, context.Canceled):
		return 0, false
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return c.backoff(attempt), true
	case r.idempotent:
		return c.backoff(attempt), true
	}
	return 0, false
}

func (c *Client) once(ctx context.Context, r request, body io.Reader) (*http.Response, []byte, error) {
	u := *c.base
	u.Path = c.base.Path + r.path
	u.RawPath = ""
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	actx, cancel := ctx, context.CancelFunc(func() {})
	if !r.stream {
		actx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u.String(), body)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("engram: %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.namespace != "" {
		req.Header.Set("X-Namespace", c.namespace)
	}
	if body != nil {
		ct := r.ctype
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("engram: %s %s: %w", r.method, r.path, err)
	}
	c.noteRateLimit(resp.Header)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 && r.stream {
		resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		return resp, nil, nil
	}
	defer cancel()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	resp.Body.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("engram: %s %s: read answer: %w", r.method, r.path, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, data, nil
	}
	return nil, nil, &retryAfterError{err: decodeError(resp, data), after: retryAfter(resp.Header.Get("Retry-After"))}
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func decodeError(resp *http.Response, data []byte) *Error {
	e := &Error{}
	if json.Unmarshal(data, e) != nil || e.Code == "" {
		e = &Error{Code: "HTTP_" + strconv.Itoa(resp.StatusCode), Message: http.StatusText(resp.StatusCode)}
	}
	e.Status = resp.StatusCode
	e.RequestID = resp.Header.Get("X-Request-ID")
	return e
}

// retryAfter parses Retry-After as seconds or an HTTP date; 0 when absent.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

func (c *Client) noteRateLimit(h http.Header) {
	lim, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	rem, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil {
		return
	}
	rl := RateLimit{Limit: lim, Remaining: rem}
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		rl.Reset = time.Unix(reset, 0)
	}
	c.rl.mu.Lock()
	c.rl.last, c.rl.seen = rl, true
	c.rl.mu.Unlock()
}

// call sends r and decodes a JSON answer into a new T.
func call[T any](ctx context.Context, c *Client, r request) (*T, error) {
	_, data, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if len(bytes.TrimSpace(data)) == 0 {
		return out, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("engram: %s %s: decode answer: %w", r.method, r.path, err)
	}
	return out, nil
}

// nsPath returns "/v1/namespaces/{ns}" + rest, with ns defaulting to the
// client's namespace.
func (c *Client) nsPath(ns, rest string) (string, error) {
	if ns == "" {
		ns = c.namespace
	}
	if ns == "" {
		return "", fmt.Errorf("engram: a namespace is required (argument or Options.Namespace)")
	}
	return "/v1/namespaces/" + url.PathEscape(ns) + rest, nil
}

func get(path string, q url.Values) request {
	return request{method: http.MethodGet, path: path, query: q, idempotent: true}
}

func post(path string, body any, idempotent bool) request {
	if body == nil {
		body = struct{}{}
	}
	return request{method: http.MethodPost, path: path, body: body, idempotent: idempotent}
}

func esc(s string) string { return url.PathEscape(s) }

// query builds url.Values from pairs, skipping empty values.
func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
