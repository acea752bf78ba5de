package httpapi_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// mkKey creates a key with the root key (or with by, when set) and returns
// its id and secret.
func (e *testEnv) mkKey(by string, body map[string]any) (string, string) {
	e.tb.Helper()
	if by == "" {
		by = testRootKey
	}
	r := e.do("POST", "/admin/keys", by, body)
	if r.status != 201 {
		e.tb.Fatalf("create key %v: status %d, body %s", body, r.status, r.body)
	}
	m := r.json(e.tb)
	return m["key_id"].(string), m["key"].(string)
}

func TestCreateKeyWireShape(t *testing.T) {
	env := newEnv(t, nil)
	r := env.root("POST", "/v1/admin/keys", map[string]any{"name": "agent", "scope": "write",
		"namespaces": []string{"proj", "team-*"}, "expires_in_days": 30, "environment": "prod",
		"rate_limit": map[string]any{"per_second": 5, "burst": 10}})
	if r.status != 201 {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
	m := r.json(t)
	want := []string{"created_at", "expires_at", "key", "key_id", "name", "namespaces", "scope", "warning"}
	if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, want) {
		t.Fatalf("create answer fields = %v, want %v", got, want)
	}
	secret, id := m["key"].(string), m["key_id"].(string)
	if !strings.HasPrefix(id, "key_") || m["scope"] != "write" || m["expires_at"] == nil {
		t.Fatalf("create answer = %v", m)
	}
	if _, ok := m["created_at"].(float64); !ok {
		t.Fatalf("created_at not Unix seconds: %v", m["created_at"])
	}
	who := mustOK(t, env.do("GET", "/v1/auth/whoami", secret, nil))
	if who["key_id"] != id || who["scope"] != "write" {
		t.Fatalf("whoami = %v", who)
	}

	info := mustOK(t, env.root("GET", "/admin/keys/"+id, nil))
	wantInfo := []string{"active", "created_at", "environment", "expires_at", "key_id", "last_used_at", "name",
		"namespaces", "organization_id", "permissions", "rate_limit", "scope"}
	if got := slices.Sorted(maps.Keys(info)); !slices.Equal(got, wantInfo) {
		t.Fatalf("KeyInfo fields = %v, want %v", got, wantInfo)
	}
	if info["active"] != true || info["environment"] != "prod" || info["last_used_at"] == nil {
		t.Fatalf("KeyInfo = %v", info)
	}
	list := mustOK(t, env.root("GET", "/admin/keys", nil))
	body := string(env.root("GET", "/admin/keys", nil).body)
	if list["total"].(float64) < 2 || strings.Contains(body, secret) || strings.Contains(body, "digest") {
		t.Fatalf("list = %s", body)
	}
}

func TestAdminCannotExceedItself(t *testing.T) {
	env := newEnv(t, nil)
	_, admin := env.mkKey("", map[string]any{"name": "adm", "scope": "admin", "namespaces": []string{"team-*"}})
	cases := []struct {
		name string
		body map[string]any
		want int
	}{
		{"super", map[string]any{"name": "x", "scope": "super_admin", "namespaces": []string{"team-a"}}, 403},
		{"all-namespaces", map[string]any{"name": "x", "scope": "read"}, 403},
		{"other-namespace", map[string]any{"name": "x", "scope": "read", "namespaces": []string{"other"}}, 403},
		{"wider-pattern", map[string]any{"name": "x", "scope": "read", "namespaces": []string{"te*"}}, 403},
		{"narrower-pattern", map[string]any{"name": "x", "scope": "write", "namespaces": []string{"team-x*"}}, 201},
		{"name-in-grant", map[string]any{"name": "x", "scope": "admin", "namespaces": []string{"team-a"}}, 201},
	}
	for _, tc := range cases {
		t.Run("case="+tc.name, func(t *testing.T) {
			r := env.do("POST", "/admin/keys", admin, tc.body)
			if tc.want == 403 {
				wantError(t, r, 403, "INSUFFICIENT_SCOPE")
				return
			}
			if r.status != tc.want {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
		})
	}
	// The root key is beyond an admin: it cannot see, rotate or delete it.
	rootID := mustOK(t, env.root("GET", "/v1/auth/whoami", nil))["key_id"].(string)
	wantError(t, env.do("DELETE", "/admin/keys/"+rootID, admin, nil), 403, "INSUFFICIENT_SCOPE")
	wantError(t, env.do("POST", "/admin/keys/"+rootID+"/rotate", admin, nil), 403, "INSUFFICIENT_SCOPE")
	// Patching a key's grants beyond the admin's own is refused.
	id, _ := env.mkKey(admin, map[string]any{"name": "y", "scope": "read", "namespaces": []string{"team-b"}})
	wantError(t, env.do("PATCH", "/admin/keys/"+id, admin, map[string]any{"namespaces": nil}), 403, "INSUFFICIENT_SCOPE")
	got := mustOK(t, env.do("PATCH", "/admin/keys/"+id, admin, map[string]any{"namespaces": []string{"team-c"}, "name": "z"}))
	if got["name"] != "z" || got["namespaces"].([]any)[0] != "team-c" {
		t.Fatalf("patch = %v", got)
	}
}

func TestKeysOfAnotherOrganization(t *testing.T) {
	env := newEnv(t, nil)
	org := mustOK(t, env.root("POST", "/admin/organizations", map[string]any{"name": "acme"}))
	orgID := org["organization_id"].(string)
	if !strings.HasPrefix(orgID, "org_") || org["name"] != "acme" {
		t.Fatalf("org = %v", org)
	}
	wantError(t, env.root("POST", "/admin/organizations", map[string]any{"name": "acme"}), 409, "CONFLICT")
	orgs := mustOK(t, env.root("GET", "/admin/organizations", nil))
	if orgs["total"] != 2.0 {
		t.Fatalf("orgs = %v", orgs)
	}
	acmeID, acme := env.mkKey("", map[string]any{"name": "acme-admin", "scope": "admin", "organization_id": orgID})
	_, dflt := env.mkKey("", map[string]any{"name": "default-admin", "scope": "admin"})
	wantError(t, env.do("POST", "/admin/organizations", dflt, map[string]any{"name": "x"}), 403, "INSUFFICIENT_SCOPE")
	wantError(t, env.do("GET", "/admin/organizations", dflt, nil), 403, "INSUFFICIENT_SCOPE")
	for _, p := range []string{"", "/usage"} {
		wantError(t, env.do("GET", "/admin/keys/"+acmeID+p, dflt, nil), 404, "API_KEY_NOT_FOUND")
	}
	for _, p := range []string{"/rotate", "/deactivate"} {
		wantError(t, env.do("POST", "/admin/keys/"+acmeID+p, dflt, nil), 404, "API_KEY_NOT_FOUND")
	}
	wantError(t, env.do("PATCH", "/admin/keys/"+acmeID, dflt, map[string]any{"name": "x"}), 404, "API_KEY_NOT_FOUND")
	wantError(t, env.do("DELETE", "/admin/keys/"+acmeID, dflt, nil), 404, "API_KEY_NOT_FOUND")
	wantError(t, env.do("POST", "/admin/keys", dflt, map[string]any{"name": "x", "scope": "read", "organization_id": orgID}),
		403, "INSUFFICIENT_SCOPE")
	list := mustOK(t, env.do("GET", "/admin/keys", acme, nil))
	if list["total"] != 1.0 || list["keys"].([]any)[0].(map[string]any)["key_id"] != acmeID {
		t.Fatalf("acme sees %v", list)
	}
}

func TestRotateDeactivateDelete(t *testing.T) {
	env := newEnv(t, nil)
	id, old := env.mkKey("", map[string]any{"name": "r", "scope": "read"})
	wantError(t, env.root("POST", "/admin/keys/"+id+"/rotate", map[string]any{"grace_secs": 604801}), 400, "INVALID_REQUEST")
	rot := mustOK(t, env.root("POST", "/admin/keys/"+id+"/rotate", map[string]any{"grace_secs": 3600}))
	fresh := rot["new_key"].(string)
	if rot["old_key_id"] != id || rot["key_id"] == id || rot["old_key_expires_at"] == nil || rot["warning"] == "" {
		t.Fatalf("rotate = %v", rot)
	}
	mustOK(t, env.do("GET", "/v1/namespaces", old, nil))
	mustOK(t, env.do("GET", "/v1/namespaces", fresh, nil))
	wantError(t, env.root("POST", "/admin/keys/"+id+"/rotate", nil), 409, "CONFLICT")

	newID := rot["key_id"].(string)
	d := mustOK(t, env.root("POST", "/admin/keys/"+newID+"/deactivate", nil))
	if d["success"] != true {
		t.Fatalf("deactivate = %v", d)
	}
	wantError(t, env.do("GET", "/v1/namespaces", fresh, nil), 401, "INVALID_API_KEY")
	mustOK(t, env.root("DELETE", "/admin/keys/"+id, nil))
	wantError(t, env.do("GET", "/v1/namespaces", old, nil), 401, "INVALID_API_KEY")
	wantError(t, env.root("GET", "/admin/keys/"+id, nil), 404, "API_KEY_NOT_FOUND")

	u := mustOK(t, env.root("GET", "/admin/keys/"+newID+"/usage", nil))
	if u["total_requests"].(float64) < 1 || u["key_id"] != newID {
		t.Fatalf("usage = %v", u)
	}
}

func TestNamespaceKeys(t *testing.T) {
	env := newEnv(t, nil)
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "proj"}))
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "other"}))
	_, adm := env.mkKey("", map[string]any{"name": "proj-admin", "scope": "admin", "namespaces": []string{"proj"}})
	wantError(t, env.do("POST", "/v1/namespaces/proj/keys", adm, map[string]any{"name": "k", "scope": "super_admin"}), 403, "INSUFFICIENT_SCOPE")
	wantError(t, env.root("POST", "/v1/namespaces/proj/keys", map[string]any{"name": "k", "scope": "super_admin"}), 400, "INVALID_REQUEST")
	wantError(t, env.do("POST", "/v1/namespaces/other/keys", adm, map[string]any{"name": "k", "scope": "read"}), 403, "NAMESPACE_ACCESS_DENIED")
	wantError(t, env.do("POST", "/v1/namespaces/nope/keys", testRootKey, map[string]any{"name": "k", "scope": "read"}), 404, "NAMESPACE_NOT_FOUND")
	r := env.do("POST", "/v1/namespaces/proj/keys", adm, map[string]any{"name": "k", "scope": "write", "expires_in_days": 7})
	if r.status != 201 {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
	m := r.json(t)
	if m["namespace"] != "proj" || mustJSON(m["namespaces"]) != `["proj"]` {
		t.Fatalf("namespace key = %v", m)
	}
	mustOK(t, env.do("POST", "/v1/memory/store", m["key"].(string), map[string]any{"agent_id": "a", "content": "hello"}))
	list := mustOK(t, env.do("GET", "/v1/namespaces/proj/keys", adm, nil))
	if list["total"] != 1.0 {
		t.Fatalf("list = %v", list)
	}
	id := m["key_id"].(string)
	wantError(t, env.do("DELETE", "/v1/namespaces/proj/keys/"+id+"x", adm, nil), 404, "API_KEY_NOT_FOUND")
	mustOK(t, env.do("DELETE", "/v1/namespaces/proj/keys/"+id, adm, nil))
	wantError(t, env.do("GET", "/v1/namespaces", m["key"].(string), nil), 401, "INVALID_API_KEY")
}
