package httpapi_test

import (
	"strconv"
	"testing"
	"time"
)

// want429 checks a rate-limited answer: code, Retry-After and X-RateLimit-*.
func want429(tb testing.TB, r resp, limit int) {
	tb.Helper()
	wantError(tb, r, 429, "RATE_LIMIT_EXCEEDED")
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || ra < 1 {
		tb.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	if got := r.header.Get("X-RateLimit-Limit"); got != strconv.Itoa(limit) {
		tb.Fatalf("X-RateLimit-Limit = %q, want %d", got, limit)
	}
	if got := r.header.Get("X-RateLimit-Remaining"); got != "0" {
		tb.Fatalf("X-RateLimit-Remaining = %q, want 0", got)
	}
	reset, err := strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil || reset < time.Now().Unix() {
		tb.Fatalf("X-RateLimit-Reset = %q", r.header.Get("X-RateLimit-Reset"))
	}
}

func TestKeyRateLimit(t *testing.T) {
	env := newEnv(t, nil)
	id, slow := env.mkKey("", map[string]any{"name": "slow", "scope": "read",
		"rate_limit": map[string]any{"per_second": 0.01, "burst": 3}})
	for i := range 3 {
		r := env.do("GET", "/v1/namespaces", slow, nil)
		mustOK(t, r)
		if got := r.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(2-i) {
			t.Fatalf("request %d: X-RateLimit-Remaining = %q", i, got)
		}
		if r.header.Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("X-RateLimit-Limit = %q", r.header.Get("X-RateLimit-Limit"))
		}
	}
	want429(t, env.do("GET", "/v1/namespaces", slow, nil), 3)
	// Another key is not affected; the server default applies to it.
	r := env.root("GET", "/v1/namespaces", nil)
	mustOK(t, r)
	if r.header.Get("X-RateLimit-Limit") != "10000" {
		t.Fatalf("root X-RateLimit-Limit = %q", r.header.Get("X-RateLimit-Limit"))
	}
	info := mustOK(t, env.root("PATCH", "/admin/keys/"+id, map[string]any{"rate_limit": map[string]any{"per_second": 100, "burst": 50}}))
	if mustJSON(info["rate_limit"]) != `{"burst":50,"per_second":100}` {
		t.Fatalf("patched rate_limit = %v", info["rate_limit"])
	}
	u := mustOK(t, env.root("GET", "/admin/keys/"+id+"/usage", nil))
	if u["rate_limited_requests"] != 1.0 || u["total_requests"] != 4.0 || u["successful_requests"] != 3.0 {
		t.Fatalf("usage = %v", u)
	}
}

func TestNamespacePolicyRateLimit(t *testing.T) {
	env := newEnv(t, nil)
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "rl"}))
	mustOK(t, env.root("PUT", "/v1/namespaces/rl/memory_policy", map[string]any{
		"rate_limit_stores_per_minute": 2, "rate_limit_recalls_per_minute": 1}))
	store := map[string]any{"agent_id": "a", "namespace": "rl", "content": "a note"}
	mustOK(t, env.root("POST", "/v1/memory/store", store))
	mustOK(t, env.root("POST", "/v1/memory/store", store))
	want429(t, env.root("POST", "/v1/memory/store", store), 2)
	// Any key shares the namespace's bucket.
	_, w := env.mkKey("", map[string]any{"name": "w", "scope": "write", "namespaces": []string{"rl"}})
	want429(t, env.do("POST", "/v1/memories/store/batch", w, map[string]any{"agent_id": "a", "namespace": "rl",
		"memories": []map[string]any{{"content": "x"}}}), 2)
	recall := map[string]any{"agent_id": "a", "namespace": "rl", "query": "note"}
	mustOK(t, env.root("POST", "/v1/memory/recall", recall))
	want429(t, env.root("POST", "/v1/memory/search", recall), 1)
	// Other namespaces and other routes are not limited.
	mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": "free", "content": "x"}))
	mustOK(t, env.root("GET", "/v1/namespaces/rl", nil))
}
