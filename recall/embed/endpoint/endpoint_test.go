package endpoint

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var (
	errConfig      = errors.New("config")
	errUnavailable = errors.New("unavailable")
	errRequest     = errors.New("request")
	errTooLarge    = errors.New("too large")
)

func request(url string) *Request {
	return &Request{Name: "test", URL: url, APIKey: "sk-secret", Timeout: time.Second, MaxRetries: 2,
		MinBackoff: time.Millisecond, MaxAnswerBytes: 64, HTTPClient: http.DefaultClient,
		Errors: Errors{Config: errConfig, Unavailable: errUnavailable, Request: errRequest, TooLarge: errTooLarge}}
}

// TestPost: retries on 429 and 5xx (Retry-After 0 honoured), never on
// other 4xx; an answer over the bound fails; errors carry the caller's
// sentinel and never the URL or the key.
func TestPost(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int // answered in turn; the last repeats
		body     string
		want     error
		calls    int32
	}{
		{"ok", []int{200}, `{"ok":1}`, nil, 1},
		{"retried-then-ok", []int{429, 503, 200}, `{}`, nil, 3},
		{"unavailable-after-retries", []int{500}, ``, errUnavailable, 3},
		{"rejected-not-retried", []int{400}, ``, errRequest, 1},
		{"too-large", []int{200}, strings.Repeat("x", 65), errTooLarge, 1},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				if r.Header.Get("Authorization") != "Bearer sk-secret" {
					t.Errorf("authorization header %q", r.Header.Get("Authorization"))
				}
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(tc.statuses[min(n, len(tc.statuses)-1)])
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			raw, err := Post(context.Background(), request(srv.URL+"/v1/x?token=t0p"), []byte(`{}`))
			if !errors.Is(err, tc.want) || (tc.want == nil && string(raw) != tc.body) {
				t.Fatalf("Post = %q, %v; want %v", raw, err, tc.want)
			}
			if calls.Load() != tc.calls {
				t.Fatalf("%d calls, want %d", calls.Load(), tc.calls)
			}
			if err != nil && (strings.Contains(err.Error(), "t0p") || strings.Contains(err.Error(), "sk-secret") || strings.Contains(err.Error(), srv.URL)) {
				t.Fatalf("error leaks the URL or key: %v", err)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	for h, want := range map[string]time.Duration{"": -1, "3": 3 * time.Second, "x": -1, "-1": -1} {
		if got := retryAfter(h); got != want {
			t.Fatalf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}
