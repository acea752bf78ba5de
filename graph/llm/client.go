package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Providers.
const (
	ProviderOpenAI = "openai"
	ProviderOllama = "ollama"
)

// Config configures a Client. A zero field means its documented default.
type Config struct {
	// Provider is ProviderOpenAI or ProviderOllama. Required.
	Provider string
	// BaseURL is the server root, e.g. "https://api.openai.com" (or one
	// ending in /v1) or "http://127.0.0.1:11434". Required; no user info.
	BaseURL string
	// Model is the provider's model name. Required.
	Model string
	// APIKey is sent as "Authorization: Bearer <key>" when not empty. It
	// never appears in errors or logs.
	APIKey string
	// Timeout bounds each HTTP request (each attempt). Zero means 60s.
	Timeout time.Duration
	// MaxRetries is how many times a request is retried after a 429, a 5xx,
	// a timeout or a network error. Zero means 2; negative means none.
	MaxRetries int
	// MinBackoff is the first retry delay, doubled on each retry (capped at
	// 30s) with jitter; a Retry-After header takes precedence. Zero means
	// 500ms.
	MinBackoff time.Duration
	// MaxAnswerBytes bounds the answer body read. Zero means 1 MiB.
	MaxAnswerBytes int
	// MaxInputBytes bounds the text sent; longer texts are cut at a rune
	// boundary. Zero means 32 KiB.
	MaxInputBytes int
	// HTTPClient sends the requests. Nil means a client with no overall
	// timeout (Timeout applies per attempt).
	HTTPClient *http.Client
	// Logger receives retry notices (never texts, answers or keys). Nil
	// means discard.
	Logger *slog.Logger
}

const maxBackoff = 30 * time.Second

// withDefaults copies cfg, fills defaults and reports every problem at once.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error
	if cfg.Provider != ProviderOpenAI && cfg.Provider != ProviderOllama {
		errs = append(errs, errors.New("Provider must be openai or ollama"))
	}
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		errs = append(errs, errors.New("BaseURL is required"))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil:
		errs = append(errs, errors.New("BaseURL must be an absolute http or https URL without credentials"))
	}
	if strings.TrimSpace(cfg.Model) == "" || len(cfg.Model) > 256 {
		errs = append(errs, errors.New("Model is required (at most 256 bytes)"))
	}
	if cfg.Timeout < 0 || cfg.MinBackoff < 0 || cfg.MaxAnswerBytes < 0 || cfg.MaxInputBytes < 0 {
		errs = append(errs, errors.New("Timeout, MinBackoff, MaxAnswerBytes and MaxInputBytes must not be negative"))
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = 2
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxAnswerBytes == 0 {
		cfg.MaxAnswerBytes = 1 << 20
	}
	if cfg.MaxInputBytes == 0 {
		cfg.MaxInputBytes = 32 << 10
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return cfg, nil
}

// Client extracts entities and relations with a chat model. Safe for
// concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	id       string
}

// New validates cfg and returns a client; it makes no request.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, id: cfg.Provider + ":" + cfg.Model}
	switch {
	case cfg.Provider == ProviderOllama:
		c.endpoint = cfg.BaseURL + "/api/chat"
	case strings.HasSuffix(cfg.BaseURL, "/v1"):
		c.endpoint = cfg.BaseURL + "/chat/completions"
	default:
		c.endpoint = cfg.BaseURL + "/v1/chat/completions"
	}
	return c, nil
}

// ID is "<provider>:<model>".
func (c *Client) ID() string { return c.id }

// Options tunes one extraction.
type Options struct {
	// Types are the entity types the model may use; empty means graph.Types.
	Types []string
}

// Extract asks the model for the entities and relations of text and returns
// the valid ones (see the package doc for the rules).
func (c *Client) Extract(ctx context.Context, text string, opts Options) (*Result, error) {
	if strings.TrimSpace(text) == "" {
		return nil, ErrEmptyText
	}
	text = truncate(text, c.cfg.MaxInputBytes)
	types := allowedTypes(opts.Types)
	schema := Schema(types)
	var req any
	if c.cfg.Provider == ProviderOllama {
		req = ollamaRequest(c.cfg.Model, text, schema)
	} else {
		req = openAIRequest(c.cfg.Model, text, schema)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("llm: encode request: %w", err)
	}
	raw, err := c.post(ctx, body)
	if err != nil {
		return nil, err
	}
	var content string
	if c.cfg.Provider == ProviderOllama {
		content, err = decodeOllama(raw)
	} else {
		content, err = decodeOpenAI(raw)
	}
	if err != nil {
		return nil, err
	}
	return parseAnswer(content, text, types)
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// post sends body, retrying on 429, 5xx and network errors, and returns the
// body of the first 2xx answer.
func (c *Client) post(ctx context.Context, body []byte) ([]byte, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		raw, retryAfter, err := c.try(ctx, body)
		if err == nil {
			return raw, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("llm: %s: %w", c.cfg.Provider, ctx.Err())
		}
		if !errors.Is(err, ErrUnavailable) {
			return nil, err
		}
		lastErr = err
		if attempt >= c.cfg.MaxRetries {
			break
		}
		wait := c.backoff(attempt, retryAfter)
		c.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "extraction request failed, retrying",
			slog.String("op", "llm_extract"), slog.String("model", c.id), slog.Int("attempt", attempt+1),
			slog.Duration("wait", wait), slog.String("err", err.Error()))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("llm: %s: %w", c.cfg.Provider, ctx.Err())
		case <-t.C:
		}
	}
	return nil, fmt.Errorf("%w (after %d retries)", lastErr, c.cfg.MaxRetries)
}

// backoff is MinBackoff·2^attempt with jitter in [d/2, d], capped, unless
// the server said how long to wait.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter >= 0 {
		return min(retryAfter, maxBackoff)
	}
	d := c.cfg.MinBackoff << min(attempt, 20)
	if d <= 0 || d > maxBackoff {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// try makes one request. A retryable failure wraps ErrUnavailable and
// returns the Retry-After delay (-1 if none).
func (c *Client) try(ctx context.Context, body []byte) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, -1, fmt.Errorf("%w: %s: build request", ErrConfig, c.cfg.Provider)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, -1, fmt.Errorf("%w: %s: %s", ErrUnavailable, c.cfg.Provider, netReason(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, int64(c.cfg.MaxAnswerBytes)+1))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, retryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("%w: %s: status %d", ErrUnavailable, c.cfg.Provider, resp.StatusCode)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, -1, fmt.Errorf("%w: %s: status %d", ErrRequest, c.cfg.Provider, resp.StatusCode)
	case err != nil:
		return nil, -1, fmt.Errorf("%w: %s: read answer: %s", ErrUnavailable, c.cfg.Provider, netReason(err))
	case len(raw) > c.cfg.MaxAnswerBytes:
		return nil, -1, fmt.Errorf("%w: %s: answer larger than %d bytes", ErrBadResponse, c.cfg.Provider, c.cfg.MaxAnswerBytes)
	}
	return raw, -1, nil
}

// netReason describes a transport error without the URL or anything from
// the request.
func netReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timeout"
		}
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return err.Error()
}

// retryAfter parses a Retry-After header (seconds or HTTP date); -1 if
// absent or invalid.
func retryAfter(h string) time.Duration {
	if h == "" {
		return -1
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(0, time.Until(t))
	}
	return -1
}
