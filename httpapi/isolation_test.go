package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tenantB is what tenant-a's keys must never reach: namespace tenant-b of
// the same organization and namespace "tenant-a" of another organization
// (same name, other owner), with a memory, a session and a key in each.
type tenantB struct {
	names, nsIDs, mems, sessions, keyIDs []string
	canary                               string
}

func (b *tenantB) all() []string {
	var out []string
	for _, l := range [][]string{b.nsIDs, b.mems, b.sessions, b.keyIDs} {
		out = append(out, l...)
	}
	return append(out, b.canary)
}

func setupTenants(t *testing.T, env *testEnv) *tenantB {
	t.Helper()
	b := &tenantB{canary: "zebra-quokka-canary"}
	seed := func(key, ns string) {
		mustOK(t, env.do("PUT", "/v1/namespaces/"+ns, key, map[string]any{}))
		nsInfo := mustOK(t, env.do("GET", "/v1/namespaces/"+ns, key, nil))
		b.nsIDs = append(b.nsIDs, nsInfo["namespace_id"].(string))
		m := mustOK(t, env.do("POST", "/v1/memory/store", key, map[string]any{"agent_id": "agent-b", "namespace": ns,
			"content": "the " + b.canary + " lives here", "tags": []string{b.canary}}))
		b.mems = append(b.mems, m["memory"].(map[string]any)["id"].(string))
		s := mustOK(t, env.do("POST", "/v1/sessions/start", key, map[string]any{"agent_id": "agent-b", "namespace": ns}))
		b.sessions = append(b.sessions, s["session"].(map[string]any)["id"].(string))
		r := env.do("POST", "/v1/namespaces/"+ns+"/keys", key, map[string]any{"name": "b-key", "scope": "write"})
		if r.status != 201 {
			t.Fatalf("namespace key: %d %s", r.status, r.body)
		}
		b.keyIDs = append(b.keyIDs, r.json(t)["key_id"].(string))
	}
	mustOK(t, env.root("PUT", "/v1/namespaces/tenant-a", map[string]any{}))
	seed(testRootKey, "tenant-b")
	org := mustOK(t, env.root("POST", "/admin/organizations", map[string]any{"name": "acme"}))["organization_id"].(string)
	acmeID, acme := env.mkKey("", map[string]any{"name": "acme-admin", "scope": "admin", "organization_id": org})
	seed(acme, "tenant-a")
	b.keyIDs = append(b.keyIDs, acmeID)
	b.names = []string{"tenant-b"}
	return b
}

func TestCrossTenantProbes(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("ENGRAM_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed=%d (rerun with ENGRAM_TEST_SEED)", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))

	clock := &fakeClock{t: time.Now()}
	f := &authzFixture{clock: clock}
	f.env = newFastEnv(t, nil)
	env := f.env
	b := setupTenants(t, env)
	dim := int(mustOK(t, env.root("GET", "/v1/capabilities", nil))["embedder"].(map[string]any)["dimension"].(float64))
	f.vec = make([]float64, dim)
	f.vec[0] = 1
	var keysA []string
	for _, scope := range []string{"read", "write", "admin"} {
		_, k := env.mkKey("", map[string]any{"name": "a-" + scope, "scope": scope, "namespaces": []string{"tenant-a"}})
		keysA = append(keysA, k)
	}
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	nsPool := append(append([]string{}, b.names...), b.nsIDs...)

	// Org-level routes may answer 2xx, but never with anything of tenant-b.
	orgLevel := map[string]bool{
		"GET /health": true, "GET /v1/health": true, "GET /health/ready": true, "GET /health/live": true,
		"GET /metrics": true, "GET /v1/capabilities": true, "GET /v1/auth/whoami": true, "GET /v1/namespaces": true,
		"GET /admin/keys": true, "GET /v1/admin/keys": true, "GET /v1/audit": true, "GET /v1/usage": true,
		"POST /v1/memory/importance": true, // ids the key may not see are skipped
		"POST /v1/memories/extract":  true, // reads only the request's text
	}
	rows := rowsByRoute(t, env.api.Routes())
	probes := 0
	for _, route := range env.api.Routes() {
		rt := rows[route]
		for range 4 {
			key := pick(keysA)
			f.mem, f.victim, f.sess = pick(b.mems), pick(b.mems), pick(b.sessions)
			ns := pick(nsPool)
			path := f.target(rt, pick(b.keyIDs))
			path = strings.NewReplacer("team-a", ns, "team-z", ns, "agent-1", "agent-b").Replace(path)
			var body any
			if rt.body != nil {
				raw, _ := json.Marshal(rt.body(f, probes))
				if s, ok := rt.body(f, probes).(string); ok {
					raw = []byte(s)
				}
				s := strings.NewReplacer("team-a", ns, "team-z", ns, "agent-1", "agent-b").Replace(string(raw))
				body = s
			}
			r := env.do(rt.method, path, key, body)
			probes++
			label := rt.method + " " + path
			name := rt.method + " " + rt.path
			if r.status < 400 && !orgLevel[name] {
				t.Errorf("%s with a tenant-a key succeeded: %d %.300s", label, r.status, r.body)
				continue
			}
			sent := path + fmt.Sprint(body)
			for _, secret := range b.all() {
				if strings.Contains(string(r.body), secret) && !strings.Contains(sent, secret) {
					t.Errorf("%s answer names tenant-b's %q: %.300s", label, secret, r.body)
				}
			}
		}
	}
	t.Logf("%d probes", probes)

	// A memory or session of tenant-b answers exactly like one that does
	// not exist.
	for _, route := range env.api.Routes() {
		rt := rows[route]
		if rt.id != "mem" && rt.id != "sess" {
			continue
		}
		real := b.mems
		if rt.id == "sess" {
			real = b.sessions
		}
		for _, id := range real {
			cut := strings.IndexByte(id, '_') + 1
			ghost := id[:cut] + strings.Repeat("0", len(id)-cut)
			for _, key := range keysA {
				var body any
				if rt.body != nil {
					body = rt.body(f, 0)
				}
				got := env.do(rt.method, strings.Replace(rt.path, ":id", id, 1), key, body)
				none := env.do(rt.method, strings.Replace(rt.path, ":id", ghost, 1), key, body)
				if got.status != none.status || string(got.body) != string(none.body) {
					t.Errorf("%s %s: tenant-b id answers %d %s, a missing id %d %s", rt.method, rt.path, got.status, got.body, none.status, none.body)
				}
				if got.status < 400 {
					t.Errorf("%s %s: tenant-b id answered %d", rt.method, rt.path, got.status)
				}
			}
		}
	}

	// X-Namespace names tenant-b: refused like a body namespace.
	for _, ns := range nsPool {
		r := env.doHeader("POST", "/v1/memory/store", keysA[1], map[string]any{"agent_id": "a", "content": "x"}, "X-Namespace", ns)
		if r.status < 400 {
			t.Errorf("X-Namespace %s: %d %s", ns, r.status, r.body)
		}
	}

	// Tenant-b is untouched.
	for i, id := range b.mems[:1] {
		m := mustOK(t, env.root("GET", "/v1/memory/get/"+id, nil))
		if m["importance"] != 0.5 || !strings.Contains(m["content"].(string), b.canary) {
			t.Errorf("tenant-b memory %d changed: %v", i, m)
		}
	}
	s := mustOK(t, env.root("GET", "/v1/sessions/"+b.sessions[0], nil))
	if s["ended_at"] != nil {
		t.Errorf("tenant-b session ended: %v", s)
	}
	k := mustOK(t, env.root("GET", "/admin/keys/"+b.keyIDs[0], nil))
	if k["active"] != true || k["name"] != "b-key" {
		t.Errorf("tenant-b key changed: %v", k)
	}
	mustOK(t, env.root("GET", "/v1/namespaces/tenant-b", nil))
}

// doHeader is do with one extra request header.
func (e *testEnv) doHeader(method, path, key string, body any, name, value string) resp {
	e.tb.Helper()
	e.header = http.Header{name: {value}}
	defer func() { e.header = nil }()
	return e.do(method, path, key, body)
}

var internalID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// internalIDs lists the internal namespace ids visible as folder names
// under <data>/text.
func internalIDs(tb testing.TB, dir string) []string {
	tb.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "text"))
	if err != nil && !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if internalID.MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestNoInternalIDsInAnswers walks every route with several keys (root, an
// in-grant read key, an out-of-grant admin key, a wrong key) and fails if
// any internal namespace id appears in an answer body or header.
func TestNoInternalIDsInAnswers(t *testing.T) {
	f := newAuthzFixture(t)
	env := f.env
	routes := env.api.Routes()
	rows := rowsByRoute(t, routes)
	ids := map[string]bool{}
	collect := func() {
		for _, id := range internalIDs(t, env.dir) {
			ids[id] = true
		}
	}
	for _, ns := range []string{"team-z", "other"} {
		mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": defaultAgent, "namespace": ns, "content": "a note"}))
	}
	collect()
	var answers []string
	keys := []string{testRootKey, f.keys["read/in-grant"], f.keys["admin/out-of-grant"], "engram_wrong_key_000000000000000000000000"}
	for _, route := range routes {
		rt := rows[route]
		for _, k := range keys {
			r := f.call(env, rt, k, true)
			collect()
			var hdr strings.Builder
			for name, vals := range r.header {
				hdr.WriteString(name + ": " + strings.Join(vals, ",") + "\n")
			}
			answers = append(answers, rt.method+" "+rt.path+"\n"+hdr.String()+string(r.body))
		}
	}
	env.close() // text indexes are written out on close at the latest
	collect()
	if len(ids) < 3 {
		t.Fatalf("found %d internal ids under %s/text; the walk would prove nothing", len(ids), env.dir)
	}
	for _, a := range answers {
		for id := range ids {
			if strings.Contains(a, id) {
				t.Errorf("internal id %s in answer:\n%.400s", id, a)
			}
		}
	}
	t.Logf("%d answers checked against %d internal ids", len(answers), len(ids))
}
