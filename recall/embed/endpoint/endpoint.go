package endpoint

import (
	"bytes"
	"context"
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
)

// MaxBackoff caps a retry delay, the server's Retry-After included.
const MaxBackoff = 30 * time.Second

// Errors are the caller's sentinels, wrapped by the errors Post returns.
type Errors struct {
	// Config: the request could not be built.
	Config error
	// Unavailable: 429, 5xx, timeout or network error after the retries.
	Unavailable error
	// Request: a 4xx other than 429 (not retried).
	Request error
	// TooLarge: an answer larger than MaxAnswerBytes.
	TooLarge error
}

// Request describes the endpoint and how to call it.
type Request struct {
	// Name names the provider in errors and logs ("openai", "ollama").
	Name string
	// URL is the endpoint; it never appears in errors or logs.
	URL string
	// APIKey, when set, is sent as a bearer token.
	APIKey     string
	Timeout    time.Duration // per attempt
	MaxRetries int           // retries after the first attempt; <= 0: none
	MinBackoff time.Duration // first retry delay, doubled per retry
	// MaxAnswerBytes bounds the answer read.
	MaxAnswerBytes int
	HTTPClient     *http.Client
	// Logger receives one warning per retry with LogAttrs (never the URL,
	// the body or the key); nil discards.
	Logger   *slog.Logger
	LogMsg   string
	LogAttrs []slog.Attr
	Errors   Errors
}

// Post sends body and returns the body of the first 2xx answer.
func Post(ctx context.Context, r *Request, body []byte) ([]byte, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		raw, retryAfter, err := r.try(ctx, body)
		if err == nil {
			return raw, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", r.Name, ctx.Err())
		}
		if !errors.Is(err, r.Errors.Unavailable) {
			return nil, err
		}
		lastErr = err
		if attempt >= r.MaxRetries {
			break
		}
		wait := r.backoff(attempt, retryAfter)
		if r.Logger != nil {
			attrs := append(append([]slog.Attr{}, r.LogAttrs...), slog.Int("attempt", attempt+1),
				slog.Duration("wait", wait), slog.String("err", err.Error()))
			r.Logger.LogAttrs(ctx, slog.LevelWarn, r.LogMsg, attrs...)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s: %w", r.Name, ctx.Err())
		case <-t.C:
		}
	}
	return nil, fmt.Errorf("%w (after %d retries)", lastErr, r.MaxRetries)
}

// backoff is MinBackoff·2^attempt with jitter in [d/2, d], capped, unless
// the server said how long to wait.
func (r *Request) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter >= 0 {
		return min(retryAfter, MaxBackoff)
	}
	d := r.MinBackoff << min(attempt, 20)
	if d <= 0 || d > MaxBackoff {
		d = MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// try makes one request. A retryable failure wraps Errors.Unavailable and
// returns the Retry-After delay (-1 if none).
func (r *Request) try(ctx context.Context, body []byte) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return nil, -1, fmt.Errorf("%w: %s: build request", r.Errors.Config, r.Name)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if r.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+r.APIKey)
	}
	resp, err := r.HTTPClient.Do(req)
	if err != nil {
		return nil, -1, fmt.Errorf("%w: %s: %s", r.Errors.Unavailable, r.Name, netReason(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, int64(r.MaxAnswerBytes)+1))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, retryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("%w: %s: status %d", r.Errors.Unavailable, r.Name, resp.StatusCode)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, -1, fmt.Errorf("%w: %s: status %d", r.Errors.Request, r.Name, resp.StatusCode)
	case err != nil:
		return nil, -1, fmt.Errorf("%w: %s: read answer: %s", r.Errors.Unavailable, r.Name, netReason(err))
	case len(raw) > r.MaxAnswerBytes:
		return nil, -1, fmt.Errorf("%w: %s: answer larger than %d bytes", r.Errors.TooLarge, r.Name, r.MaxAnswerBytes)
	}
	return raw, -1, nil
}

// netReason describes a transport error without the URL (which could carry
// credentials) or anything from the request.
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
