package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/engramhq/engram/recall/embed/endpoint"
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

// post sends body through the shared endpoint client (retries, backoff,
// bounded answer) and returns the body of the first 2xx answer.
func (c *Client) post(ctx context.Context, body []byte) ([]byte, error) {
	return endpoint.Post(ctx, &endpoint.Request{
		Name: "llm: " + c.cfg.Provider, URL: c.endpoint, APIKey: c.cfg.APIKey,
		Timeout: c.cfg.Timeout, MaxRetries: c.cfg.MaxRetries, MinBackoff: c.cfg.MinBackoff,
		MaxAnswerBytes: c.cfg.MaxAnswerBytes, HTTPClient: c.cfg.HTTPClient,
		Logger: c.cfg.Logger, LogMsg: "extraction request failed, retrying",
		LogAttrs: []slog.Attr{slog.String("op", "llm_extract"), slog.String("model", c.id)},
		Errors:   endpoint.Errors{Config: ErrConfig, Unavailable: ErrUnavailable, Request: ErrRequest, TooLarge: ErrBadResponse},
	}, body)
}
