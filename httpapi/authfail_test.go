package httpapi_test

import (
	"strconv"
	"testing"

	"github.com/engramhq/engram/httpapi"
	"github.com/engramhq/engram/memory/auth"
)

// TestFailedAuthenticationsThrottleTheAddress: with a bucket of 3 failures,
// three invalid or expired keys answer 401, the fourth 429 with
// Retry-After, and from then on the address waits, even with a valid key
// and before any key is checked. Requests without any key do not count.
func TestFailedAuthenticationsThrottleTheAddress(t *testing.T) {
	env := newFastEnv(t, &httpapi.Options{AuthFailureLimit: auth.Limit{Rate: 0.01, Burst: 3}})
	for i := range 5 {
		if r := env.do("GET", "/v1/namespaces", "", nil); r.status != 401 {
			t.Fatalf("request %d without a key: status %d, want 401", i, r.status)
		}
	}
	bad := "engram_" + "0000000000000000000000000000000000000000000"
	for i := range 3 {
		if r := env.do("GET", "/v1/namespaces", bad, nil); r.status != 401 {
			t.Fatalf("bad key %d: status %d %s, want 401", i, r.status, r.body)
		}
	}
	r := env.do("GET", "/v1/namespaces", bad, nil)
	wantError(t, r, 429, "RATE_LIMIT_EXCEEDED")
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	if r := env.root("GET", "/v1/namespaces", nil); r.status != 429 {
		t.Fatalf("a valid key from the blocked address: status %d, want 429", r.status)
	}
}

// TestFailedAuthenticationsBelowTheLimitPass: failures under the bucket do
// not stop a valid key.
func TestFailedAuthenticationsBelowTheLimitPass(t *testing.T) {
	env := newFastEnv(t, &httpapi.Options{AuthFailureLimit: auth.Limit{Rate: 0.01, Burst: 3}})
	for range 2 {
		if r := env.do("GET", "/v1/namespaces", "engram_wrong", nil); r.status != 401 {
			t.Fatalf("bad key: status %d, want 401", r.status)
		}
	}
	mustOK(t, env.root("GET", "/v1/namespaces", nil))
}
