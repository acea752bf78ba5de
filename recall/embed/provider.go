package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/engramhq/engram/recall/embed/endpoint"
)

// Config configures a remote embedding provider (NewOpenAI, NewOllama).
// A zero field means its documented default.
type Config struct {
	// BaseURL is the server root, e.g. "https://api.openai.com" or
	// "http://127.0.0.1:11434". Required.
	BaseURL string
	// Model is the provider's model name. Required.
	Model string
	// APIKey is sent as "Authorization: Bearer <key>" when not empty. It
	// never appears in errors or logs.
	APIKey string
	// Dimension is the expected vector length. Zero means learn it from the
	// first answer; Dimension() then reports 0 until a call has succeeded.
	Dimension int
	// BatchSize is the most texts per request. Zero means 64.
	BatchSize int
	// Timeout bounds each HTTP request (each attempt). Zero means 30s.
	Timeout time.Duration
	// MaxRetries is how many times a request is retried after a 429, a 5xx
	// or a network error. Zero means 3; negative means no retries.
	MaxRetries int
	// MinBackoff is the first retry delay, doubled on each retry (capped at
	// 30s) with jitter; a Retry-After header takes precedence. Zero means
	// 250ms.
	MinBackoff time.Duration
	// HTTPClient sends the requests. Nil means a client with no overall
	// timeout (Timeout applies per request).
	HTTPClient *http.Client
	// Logger receives retry notices (never texts, vectors or keys). Nil
	// means discard.
	Logger *slog.Logger
}

// maxResponseSize bounds a provider's answer.
const maxResponseSize = 256 << 20

// withDefaults copies cfg, fills defaults and reports every problem at once.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		errs = append(errs, errors.New("BaseURL is required"))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, errors.New("BaseURL must be an absolute http or https URL"))
	}
	if strings.TrimSpace(cfg.Model) == "" {
		errs = append(errs, errors.New("Model is required"))
	}
	if cfg.Dimension < 0 {
		errs = append(errs, errors.New("Dimension must not be negative"))
	}
	if cfg.BatchSize < 0 {
		errs = append(errs, errors.New("BatchSize must not be negative"))
	}
	if cfg.Timeout < 0 || cfg.MinBackoff < 0 {
		errs = append(errs, errors.New("Timeout and MinBackoff must not be negative"))
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 64
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = 3
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 250 * time.Millisecond
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

// protocol is what differs between providers: the request body and how
// vectors are read from a 2xx answer.
type protocol struct {
	name     string // "openai", "ollama"
	endpoint string
	request  func(model string, input []string) any
	decode   func(body []byte, n int) ([][]float32, error)
}

// client is the shared HTTP machinery: batching, retries, dimension check,
// normalization.
type client struct {
	cfg   Config
	proto protocol
	id    string
	dim   atomic.Int64 // configured, or learned from the first answer
}

func newClient(cfg Config, proto protocol) *client {
	c := &client{cfg: cfg, proto: proto, id: proto.name + ":" + cfg.Model}
	c.dim.Store(int64(cfg.Dimension))
	return c
}

func (c *client) embed(ctx context.Context, texts []string) ([][]float32, error) {
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, fmt.Errorf("text %d: %w", i, ErrEmptyText)
		}
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += c.cfg.BatchSize {
		batch := texts[start:min(start+c.cfg.BatchSize, len(texts))]
		vecs, err := c.embedBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (c *client) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	body, err := json.Marshal(c.proto.request(c.cfg.Model, batch))
	if err != nil {
		return nil, fmt.Errorf("%s: encode request: %w", c.proto.name, err)
	}
	raw, err := c.post(ctx, body)
	if err != nil {
		return nil, err
	}
	vecs, err := c.proto.decode(raw, len(batch))
	if err != nil {
		return nil, err
	}
	for i, v := range vecs {
		if err := c.checkDim(len(v)); err != nil {
			return nil, fmt.Errorf("%s: vector %d: %w", c.proto.name, i, err)
		}
		if !normalize(v) {
			return nil, fmt.Errorf("%w: %s: vector %d is zero or not finite", ErrBadResponse, c.proto.name, i)
		}
	}
	return vecs, nil
}

// checkDim accepts n if it equals the known dimension, or learns it.
func (c *client) checkDim(n int) error {
	if n == 0 {
		return fmt.Errorf("%w: empty vector", ErrBadResponse)
	}
	want := c.dim.Load()
	if want == 0 && c.dim.CompareAndSwap(0, int64(n)) {
		return nil
	}
	if want = c.dim.Load(); int64(n) != want {
		return fmt.Errorf("%w: got %d, want %d", ErrDimensionMismatch, n, want)
	}
	return nil
}

// post sends body through the shared endpoint client (retries, backoff,
// bounded answer) and returns the body of the first 2xx answer.
func (c *client) post(ctx context.Context, body []byte) ([]byte, error) {
	return endpoint.Post(ctx, &endpoint.Request{
		Name: c.proto.name, URL: c.proto.endpoint, APIKey: c.cfg.APIKey,
		Timeout: c.cfg.Timeout, MaxRetries: c.cfg.MaxRetries, MinBackoff: c.cfg.MinBackoff,
		MaxAnswerBytes: maxResponseSize, HTTPClient: c.cfg.HTTPClient,
		Logger: c.cfg.Logger, LogMsg: "embedding request failed, retrying", LogAttrs: []slog.Attr{slog.String("op", c.id)},
		Errors: endpoint.Errors{Config: ErrConfig, Unavailable: ErrUnavailable, Request: ErrRequest, TooLarge: ErrBadResponse},
	}, body)
}

// normalize scales v to unit length in place; false if v is zero or has a
// non-finite component.
func normalize(v []float32) bool {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return false
	}
	f := 1 / math.Sqrt(s)
	for i := range v {
		v[i] = float32(float64(v[i]) * f)
	}
	return true
}
