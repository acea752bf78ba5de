package httpapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/engramhq/engram/memory/storage"
)

// auditEvents lists /v1/audit with query q as key.
func (e *testEnv) auditEvents(key, q string) ([]map[string]any, string) {
	e.tb.Helper()
	m := mustOK(e.tb, e.do("GET", "/v1/audit?"+q, key, nil))
	var out []map[string]any
	for _, v := range m["events"].([]any) {
		out = append(out, v.(map[string]any))
	}
	next, _ := m["next_cursor"].(string)
	return out, next
}

func TestAuditListsAdminActions(t *testing.T) {
	env := newEnv(t, nil)
	r := env.root("POST", "/v1/namespaces", map[string]any{"name": "proj"})
	mustOK(t, r)
	createReq := r.header.Get("X-Request-ID")
	id, secret := env.mkKey("", map[string]any{"name": "w", "scope": "write", "namespaces": []string{"proj"}})
	mustOK(t, env.root("PATCH", "/admin/keys/"+id, map[string]any{"name": "w2"}))
	mustOK(t, env.do("POST", "/v1/memory/store", secret, map[string]any{"agent_id": "a", "content": "the secret plan is blue"}))
	// A refused mutation is audited with its status.
	wantError(t, env.do("POST", "/v1/namespaces", secret, map[string]any{"name": "proj2"}), 403, "INSUFFICIENT_SCOPE")
	rot := mustOK(t, env.root("POST", "/admin/keys/"+id+"/rotate", map[string]any{"grace_secs": 60}))
	mustOK(t, env.root("POST", "/admin/keys/"+rot["key_id"].(string)+"/deactivate", nil))
	mustOK(t, env.root("POST", "/admin/organizations", map[string]any{"name": "acme"}))
	mustOK(t, env.root("PUT", "/v1/namespaces/proj/memory_policy", map[string]any{"min_importance": 0.1}))
	mustOK(t, env.root("DELETE", "/admin/keys/"+id, nil))

	body := string(env.root("GET", "/v1/audit?limit=1000", nil).body)
	for _, bad := range []string{secret, rot["new_key"].(string), "secret plan"} {
		if strings.Contains(body, bad) {
			t.Fatalf("audit list leaks %q", bad)
		}
	}
	all, next := env.auditEvents(testRootKey, "limit=1000")
	if next != "" {
		t.Fatalf("next_cursor %q on a complete page", next)
	}
	want := []string{"namespace.create/200", "key.create/201", "key.update/200", "memory.store/200",
		"namespace.create/403", "key.rotate/200", "key.deactivate/200", "organization.create/200",
		"namespace.policy/200", "key.delete/200"}
	var got []string
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		if !strings.HasPrefix(e["action"].(string), "audit.") {
			got = append(got, fmt.Sprintf("%s/%v", e["action"], e["status"]))
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("audit actions (oldest first) =\n%v\nwant\n%v", got, want)
	}
	first := all[len(all)-1]
	if first["request_id"] != createReq || first["namespace"] != "proj" || first["target"] != "proj" ||
		!strings.HasPrefix(first["key_id"].(string), "key_") || !strings.HasPrefix(first["organization_id"].(string), "org_") {
		t.Fatalf("first event = %v (request id %s)", first, createReq)
	}
	if _, ok := first["at"].(float64); !ok {
		t.Fatalf("at is not Unix seconds: %v", first["at"])
	}

	t.Run("filter=action", func(t *testing.T) {
		evs, _ := env.auditEvents(testRootKey, "action=key.create")
		if len(evs) != 1 || evs[0]["target"] != id {
			t.Fatalf("key.create events = %v", evs)
		}
	})
	t.Run("filter=key_id", func(t *testing.T) {
		evs, _ := env.auditEvents(testRootKey, "key_id="+id)
		if len(evs) != 2 { // the store and the refused namespace.create
			t.Fatalf("events of %s = %v", id, evs)
		}
	})
	t.Run("filter=namespace", func(t *testing.T) {
		evs, _ := env.auditEvents(testRootKey, "namespace=proj")
		for _, e := range evs {
			if e["namespace"] != "proj" {
				t.Fatalf("namespace filter let through %v", e)
			}
		}
		if len(evs) != 3 {
			t.Fatalf("proj events = %d, want 3", len(evs))
		}
	})
	t.Run("filter=since-until", func(t *testing.T) {
		at := int64(first["at"].(float64))
		evs, _ := env.auditEvents(testRootKey, fmt.Sprintf("since=%d&until=%d&limit=1000", at, at+3600))
		if len(evs) < len(want) {
			t.Fatalf("since/until dropped events: %d", len(evs))
		}
		evs, _ = env.auditEvents(testRootKey, fmt.Sprintf("until=%d", at-3600))
		if len(evs) != 0 {
			t.Fatalf("until in the past: %v", evs)
		}
	})
	t.Run("paging=cursor", func(t *testing.T) {
		seen := map[string]bool{}
		pages := 0
		for cur := ""; ; pages++ {
			evs, next := env.auditEvents(testRootKey, "limit=3"+cursorParam(cur))
			for _, e := range evs {
				if seen[e["id"].(string)] {
					t.Fatalf("event %v twice", e["id"])
				}
				seen[e["id"].(string)] = true
			}
			if next == "" {
				break
			}
			if len(evs) != 3 || pages > 100 {
				t.Fatalf("page %d: %d events, next %q", pages, len(evs), next)
			}
			cur = next
		}
		if len(seen) < len(all) {
			t.Fatalf("paging saw %d events, want >= %d", len(seen), len(all))
		}
		wantError(t, env.root("GET", "/v1/audit?cursor=zz", nil), 400, "INVALID_REQUEST")
	})
	t.Run("scope=other-org", func(t *testing.T) {
		orgs := mustOK(t, env.root("GET", "/admin/organizations", nil))["organizations"].([]any)
		var acme string
		for _, o := range orgs {
			if o.(map[string]any)["name"] == "acme" {
				acme = o.(map[string]any)["organization_id"].(string)
			}
		}
		_, adm := env.mkKey("", map[string]any{"name": "acme-adm", "scope": "admin", "organization_id": acme})
		evs, _ := env.auditEvents(adm, "limit=1000")
		for _, e := range evs {
			if e["organization_id"] != acme {
				t.Fatalf("acme admin sees %v", e)
			}
		}
		wantError(t, env.do("GET", "/v1/audit/verify", adm, nil), 403, "INSUFFICIENT_SCOPE")
		_, rd := env.mkKey("", map[string]any{"name": "r", "scope": "read"})
		wantError(t, env.do("GET", "/v1/audit", rd, nil), 403, "INSUFFICIENT_SCOPE")
	})
}

func cursorParam(c string) string {
	if c == "" {
		return ""
	}
	return "&cursor=" + url.QueryEscape(c)
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	env := newEnv(t, nil)
	for i := range 5 {
		mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": fmt.Sprintf("ns%d", i)}))
	}
	v := mustOK(t, env.root("GET", "/v1/audit/verify", nil))
	if v["ok"] != true || v["events_checked"].(float64) < 5 {
		t.Fatalf("verify before tampering = %v", v)
	}
	// Change the status of event 2 directly in Badger.
	key := binary.BigEndian.AppendUint64([]byte{0, 'A', 'e'}, 2)
	err := env.store.DB().Update(context.Background(), func(txn storage.Txn) error {
		b, err := txn.Get(key)
		if err != nil {
			return err
		}
		nb := bytes.Replace(b, []byte(`"status":200`), []byte(`"status":403`), 1)
		if bytes.Equal(nb, b) {
			return fmt.Errorf("no status in %s", b)
		}
		return txn.Set(key, nb)
	})
	if err != nil {
		t.Fatal(err)
	}
	v = mustOK(t, env.root("GET", "/v1/audit/verify", nil))
	if v["ok"] != false || v["events_checked"] != 1.0 {
		t.Fatalf("verify after tampering = %v", v)
	}
}
