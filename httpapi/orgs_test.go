package httpapi_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/engramhq/engram/httpapi"
	"github.com/engramhq/engram/memory/auth"
)

// slowLimit is a token bucket that does not refill during a test.
func slowLimit(burst int) map[string]any { return map[string]any{"per_second": 0.01, "burst": burst} }

// mkOrg creates organization name, with rateLimit unless nil, and returns
// its id.
func (e *testEnv) mkOrg(name string, rateLimit any) string {
	e.tb.Helper()
	body := map[string]any{"name": name}
	if rateLimit != nil {
		body["rate_limit"] = rateLimit
	}
	return mustOK(e.tb, e.root("POST", "/admin/organizations", body))["organization_id"].(string)
}

// wantAdmitted checks a passing request and the limit it was counted against.
func wantAdmitted(tb testing.TB, r resp, limit, remaining int) {
	tb.Helper()
	mustOK(tb, r)
	if got := r.header.Get("X-RateLimit-Limit"); got != strconv.Itoa(limit) {
		tb.Fatalf("X-RateLimit-Limit = %q, want %d", got, limit)
	}
	if got := r.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(remaining) {
		tb.Fatalf("X-RateLimit-Remaining = %q, want %d", got, remaining)
	}
}

func TestOrganizationRateLimit(t *testing.T) {
	env := newEnv(t, nil)
	created := mustOK(t, env.root("POST", "/admin/organizations", map[string]any{"name": "acme", "rate_limit": slowLimit(5)}))
	if mustJSON(created["rate_limit"]) != `{"burst":5,"per_second":0.01}` {
		t.Fatalf("created = %v", created)
	}
	org := created["organization_id"].(string)
	if got := mustOK(t, env.root("GET", "/admin/organizations/"+org, nil)); mustJSON(got) != mustJSON(created) {
		t.Fatalf("GET = %v, want %v", got, created)
	}
	for _, o := range mustOK(t, env.root("GET", "/admin/organizations", nil))["organizations"].([]any) {
		o := o.(map[string]any)
		if _, has := o["rate_limit"]; has != (o["name"] == "acme") {
			t.Fatalf("listed %v: rate_limit only on acme", o)
		}
	}
	mk := func(name string, rl any) string {
		body := map[string]any{"name": name, "scope": "read", "organization_id": org}
		if rl != nil {
			body["rate_limit"] = rl
		}
		_, secret := env.mkKey("", body)
		return secret
	}
	inherits, lower, higher, later := mk("inherits", nil), mk("lower", slowLimit(2)), mk("higher", slowLimit(8)), mk("later", nil)

	// The organization's limit throttles a key without its own.
	for i := range 5 {
		wantAdmitted(t, env.do("GET", "/v1/namespaces", inherits, nil), 5, 4-i)
	}
	want429(t, env.do("GET", "/v1/namespaces", inherits, nil), 5)
	// A key's own limit wins, lower or higher.
	for i := range 2 {
		wantAdmitted(t, env.do("GET", "/v1/namespaces", lower, nil), 2, 1-i)
	}
	want429(t, env.do("GET", "/v1/namespaces", lower, nil), 2)
	for i := range 6 {
		wantAdmitted(t, env.do("GET", "/v1/namespaces", higher, nil), 8, 7-i)
	}
	// Keys of other organizations keep the server default.
	wantAdmitted(t, env.root("GET", "/v1/namespaces", nil), 10000, 9999)

	// A change applies on the very next request, also to keys whose
	// verification is cached.
	wantAdmitted(t, env.do("GET", "/v1/namespaces", later, nil), 5, 4)
	patched := mustOK(t, env.root("PATCH", "/admin/organizations/"+org, map[string]any{"rate_limit": slowLimit(1)}))
	if mustJSON(patched["rate_limit"]) != `{"burst":1,"per_second":0.01}` || patched["name"] != "acme" {
		t.Fatalf("patched = %v", patched)
	}
	wantAdmitted(t, env.do("GET", "/v1/namespaces", later, nil), 1, 0)
	want429(t, env.do("GET", "/v1/namespaces", later, nil), 1)
	want429(t, env.do("GET", "/v1/namespaces", inherits, nil), 1)
	wantAdmitted(t, env.do("GET", "/v1/namespaces", higher, nil), 8, 1)

	// Removing it falls back to the server default.
	cleared := mustOK(t, env.root("PATCH", "/admin/organizations/"+org, map[string]any{"rate_limit": nil}))
	if _, has := cleared["rate_limit"]; has {
		t.Fatalf("cleared = %v", cleared)
	}
	if got := env.do("GET", "/v1/namespaces", later, nil).header.Get("X-RateLimit-Limit"); got != "10000" {
		t.Fatalf("after clearing: X-RateLimit-Limit = %q, want the server default 10000", got)
	}
}

func TestOrganizationValidation(t *testing.T) {
	env := newEnv(t, nil)
	org := env.mkOrg("acme", nil)
	env.mkOrg("taken", nil)
	def := ""
	for _, o := range mustOK(t, env.root("GET", "/admin/organizations", nil))["organizations"].([]any) {
		if o := o.(map[string]any); o["name"] == auth.DefaultOrganization {
			def = o["organization_id"].(string)
		}
	}
	bad := []struct {
		name  string
		rl    any
		field string
	}{
		{"rate=zero", map[string]any{"per_second": 0}, "rate_limit"},
		{"rate=negative", map[string]any{"per_second": -5, "burst": 10}, "rate_limit"},
		{"rate=number-negative", -1, "rate_limit"},
		{"rate=tiny", map[string]any{"per_second": 1e-9}, "rate_limit"},
		{"rate=absurd", map[string]any{"per_second": 1e12}, "rate_limit"},
		{"burst=negative", map[string]any{"per_second": 1, "burst": -1}, "rate_limit"},
		{"burst=absurd", map[string]any{"per_second": 1, "burst": 1e9}, "rate_limit"},
		{"burst=fraction", map[string]any{"per_second": 1, "burst": 1.5}, "rate_limit"},
		{"shape=string", "fast", "rate_limit"},
		{"shape=no-rate", map[string]any{"burst": 3}, "rate_limit"},
	}
	for i, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []resp{
				env.root("POST", "/admin/organizations", map[string]any{"name": fmt.Sprintf("bad-%d", i), "rate_limit": tc.rl}),
				env.root("PATCH", "/admin/organizations/"+org, map[string]any{"rate_limit": tc.rl}),
			} {
				wantError(t, r, http.StatusBadRequest, "INVALID_REQUEST")
				if d := r.json(t)["details"]; d != "field: "+tc.field {
					t.Fatalf("details = %v, want field: %s", d, tc.field)
				}
			}
		})
	}
	if n := len(mustOK(t, env.root("GET", "/admin/organizations", nil))["organizations"].([]any)); n != 3 {
		t.Fatalf("%d organizations after refused creations, want 3", n)
	}
	if _, has := mustOK(t, env.root("GET", "/admin/organizations/"+org, nil))["rate_limit"]; has {
		t.Fatal("a refused PATCH changed the rate limit")
	}

	cases := []struct {
		name, id string
		body     any
		status   int
		code     string
	}{
		{"case=name-taken", org, map[string]any{"name": "taken"}, 409, "CONFLICT"},
		{"case=name-bad", org, map[string]any{"name": "no spaces"}, 400, "INVALID_REQUEST"},
		{"case=rename-default", def, map[string]any{"name": "renamed"}, 400, "INVALID_REQUEST"},
		{"case=unknown", "org_000000000000000000000000", map[string]any{"name": "x"}, 404, "NOT_FOUND"},
		{"case=no-body", org, nil, 400, "INVALID_REQUEST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, env.root("PATCH", "/admin/organizations/"+tc.id, tc.body), tc.status, tc.code)
		})
	}
	wantError(t, env.root("GET", "/admin/organizations/org_000000000000000000000000", nil), 404, "NOT_FOUND")

	renamed := mustOK(t, env.root("PATCH", "/admin/organizations/"+org, map[string]any{"name": "acme-2", "rate_limit": 7}))
	if renamed["name"] != "acme-2" || mustJSON(renamed["rate_limit"]) != `{"burst":14,"per_second":7}` {
		t.Fatalf("renamed = %v", renamed)
	}
	// The old name is free again.
	env.mkOrg("acme", nil)
}

func TestOrganizationUpdateAudited(t *testing.T) {
	env := newEnv(t, nil)
	org := env.mkOrg("acme", nil)
	_, admin := env.mkKey("", map[string]any{"name": "a", "scope": "admin"})
	mustOK(t, env.root("PATCH", "/admin/organizations/"+org, map[string]any{"rate_limit": 3}))
	wantError(t, env.do("PATCH", "/v1/admin/organizations/"+org, admin, map[string]any{"rate_limit": 1000}), 403, "INSUFFICIENT_SCOPE")
	wantError(t, env.root("PATCH", "/admin/organizations/"+org, map[string]any{"rate_limit": 0}), 400, "INVALID_REQUEST")
	evs, _ := env.auditEvents(testRootKey, "action=organization.update")
	var got []string
	for i := len(evs) - 1; i >= 0; i-- {
		got = append(got, fmt.Sprintf("%v/%v", evs[i]["target"], evs[i]["status"]))
	}
	want := []string{org + "/200", org + "/403", org + "/400"}
	if mustJSON(got) != mustJSON(want) {
		t.Fatalf("organization.update events (oldest first) = %v, want %v", got, want)
	}
}

// TestBackupNeedsEveryNamespace: a backup holds every namespace, so a
// super_admin whose grants name some is refused; the root key is not.
func TestBackupNeedsEveryNamespace(t *testing.T) {
	env := newEnv(t, nil)
	mustOK(t, env.root("PUT", "/v1/namespaces/team-a", map[string]any{}))
	for _, grants := range [][]string{{"team-a"}, {"team-*"}, {"other"}, {}} {
		t.Run(fmt.Sprintf("grants=%v", grants), func(t *testing.T) {
			_, sa := env.mkKey("", map[string]any{"name": "sa", "scope": "super_admin", "namespaces": grants})
			r := env.doHead("GET", "/v1/admin/backup", sa, nil)
			wantError(t, r, http.StatusForbidden, "INSUFFICIENT_SCOPE")
		})
	}
	// Read whole, so that its audit event is written when this returns.
	if r := env.root("GET", "/v1/admin/backup", nil); r.status != http.StatusOK || len(r.body) == 0 {
		t.Fatalf("root backup: status %d, %d bytes", r.status, len(r.body))
	}
	evs, _ := env.auditEvents(testRootKey, "action=server.backup")
	var got []string
	for i := len(evs) - 1; i >= 0; i-- {
		got = append(got, fmt.Sprint(evs[i]["status"]))
	}
	if want := "[403 403 403 403 200]"; fmt.Sprint(got) != want {
		t.Fatalf("server.backup audit statuses = %v, want %s", got, want)
	}
}

// TestRedisOrganizationRateLimit: an organization's limit reaches the
// Redis limiter and its change applies on the next request.
func TestRedisOrganizationRateLimit(t *testing.T) {
	client := startRedis(t)
	env := newEnv(t, &httpapi.Options{Limiter: auth.NewRedisLimiter(client)})
	org := env.mkOrg("acme", slowLimit(3))
	_, secret := env.mkKey("", map[string]any{"name": "k", "scope": "read", "organization_id": org})
	for i := range 3 {
		wantAdmitted(t, env.do("GET", "/v1/namespaces", secret, nil), 3, 2-i)
	}
	want429(t, env.do("GET", "/v1/namespaces", secret, nil), 3)
	mustOK(t, env.root("PATCH", "/admin/organizations/"+org, map[string]any{"rate_limit": slowLimit(6)}))
	r := env.do("GET", "/v1/namespaces", secret, nil)
	if got := r.header.Get("X-RateLimit-Limit"); got != "6" {
		t.Fatalf("after PATCH: X-RateLimit-Limit = %q, want 6", got)
	}
}
