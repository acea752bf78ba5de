package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engramhq/engram/httpapi"
)

// The authorization matrix: every registered route × scope × grant state,
// each route's expectations explicit in authzRoutes, each credential state's
// in authzStates. A route registered without a row fails the test.

// want is an expected answer: status and, for errors, code.
type want struct {
	status int
	code   string
}

var (
	okStatus     = want{200, ""}
	denyScope    = want{403, "INSUFFICIENT_SCOPE"}
	denyNS       = want{403, "NAMESPACE_ACCESS_DENIED"}
	notFound     = want{404, "NOT_FOUND"}
	needKey      = want{401, "AUTHENTICATION_REQUIRED"}
	badKey       = want{401, "INVALID_API_KEY"}
	expiredKey   = want{401, "API_KEY_EXPIRED"}
	created      = want{201, ""}
	anyScope     = 0 // the route needs a valid key of any scope
	publicRoute  = -1
	scopeOrder   = []string{"read", "write", "admin", "super_admin"}
	defaultAgent = "agent-1"
)

// level of a scope name: read 1 … super_admin 4.
func level(scope string) int {
	for i, s := range scopeOrder {
		if s == scope {
			return i + 1
		}
	}
	return publicRoute
}

// authzRoute is one row: how to call the route and what to expect.
type authzRoute struct {
	method, path string
	// need is the lowest scope that may call the route (anyScope, or
	// publicRoute for routes without a key).
	need int
	// ok is the answer of a key of sufficient scope whose grants cover the
	// route's namespace; out the answer of one whose grants do not.
	ok, out want
	// ns replaces :ns (default team-a); id names what replaces :id.
	ns, id string
	query  string
	// body builds the request body; n is unique per call.
	body func(f *authzFixture, n int) any
	// prep runs (with the root key) before each call expected to pass
	// authentication, to give destructive routes a fresh target; what it
	// returns replaces :id when id is "key", "nskey" or "org".
	prep func(f *authzFixture, env *testEnv) string
	// streamed answers are not read past their headers (a backup).
	streamed bool
}

func memBody(extra map[string]any) func(*authzFixture, int) any {
	return func(f *authzFixture, n int) any {
		m := map[string]any{"agent_id": defaultAgent, "namespace": "team-a"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
}

func fixed(v any) func(*authzFixture, int) any { return func(*authzFixture, int) any { return v } }

func authzRoutes() []authzRoute {
	r, w, a, sa := level("read"), level("write"), level("admin"), level("super_admin")
	keyRow := func(method, suffix string, body func(*authzFixture, int) any) []authzRoute {
		var out []authzRoute
		for _, p := range []string{"/admin", "/v1/admin"} {
			out = append(out, authzRoute{method: method, path: p + "/keys/:id" + suffix, need: a, ok: okStatus,
				out: denyScope, id: "key", body: body, prep: freshKey})
		}
		return out
	}
	hooksOff := want{503, "SERVICE_UNAVAILABLE"}
	rows := []authzRoute{
		{method: "GET", path: "/health", need: publicRoute, ok: okStatus, out: okStatus},
		{method: "GET", path: "/v1/health", need: publicRoute, ok: okStatus, out: okStatus},
		{method: "GET", path: "/health/ready", need: publicRoute, ok: okStatus, out: okStatus},
		{method: "GET", path: "/health/live", need: publicRoute, ok: okStatus, out: okStatus},
		{method: "GET", path: "/metrics", need: anyScope, ok: okStatus, out: okStatus},
		{method: "GET", path: "/v1/capabilities", need: anyScope, ok: okStatus, out: okStatus},
		{method: "GET", path: "/v1/auth/whoami", need: anyScope, ok: okStatus, out: okStatus},

		// Namespaces.
		{method: "GET", path: "/v1/namespaces", need: r, ok: okStatus, out: okStatus},
		{method: "POST", path: "/v1/namespaces", need: a, ok: okStatus, out: denyNS,
			body: fixed(map[string]any{"name": "team-y"}), prep: dropY},
		{method: "PUT", path: "/v1/namespaces/:ns", need: a, ok: okStatus, out: denyNS, body: fixed(map[string]any{})},
		{method: "GET", path: "/v1/namespaces/:ns", need: r, ok: okStatus, out: denyNS},
		{method: "DELETE", path: "/v1/namespaces/:ns", need: a, ok: okStatus, out: denyNS, ns: "team-z", prep: makeZ},
		{method: "GET", path: "/v1/namespaces/:ns/memory_policy", need: r, ok: okStatus, out: denyNS},
		{method: "PUT", path: "/v1/namespaces/:ns/memory_policy", need: a, ok: okStatus, out: denyNS, body: fixed(map[string]any{"min_importance": 0})},
		{method: "PATCH", path: "/v1/namespaces/:ns/memory_policy", need: a, ok: okStatus, out: denyNS, body: fixed(map[string]any{"min_importance": 0})},
		{method: "GET", path: "/v1/namespaces/:ns/config", need: r, ok: okStatus, out: denyNS},
		{method: "PATCH", path: "/v1/namespaces/:ns/config", need: a, ok: okStatus, out: denyNS, body: fixed(map[string]any{"extract_entities": true})},
		{method: "PUT", path: "/v1/namespaces/:ns/config", need: a, ok: okStatus, out: denyNS, body: fixed(map[string]any{"extract_entities": true})},
		{method: "GET", path: "/v1/namespaces/:ns/export", need: a, ok: okStatus, out: denyNS},
		{method: "POST", path: "/v1/namespaces/:ns/rotate-key", need: a, ok: want{202, ""}, out: denyNS},
		{method: "GET", path: "/v1/namespaces/:ns/reembed", need: r, ok: okStatus, out: denyNS},
		{method: "GET", path: "/v1/namespaces/:ns/extraction", need: r, ok: okStatus, out: denyNS},
		// A backup holds every namespace: a super_admin with grants (every
		// matrix key has some) is refused; orgs_test.go covers the root key.
		{method: "GET", path: "/v1/admin/backup", need: sa, ok: denyScope, out: denyScope, streamed: true},
		{method: "POST", path: "/v1/namespaces/:ns/import", need: a, ok: okStatus, out: denyNS,
			body: fixed(`{"agent_id":"agent-1","content":"an imported note"}` + "\n")},

		// Memories.
		{method: "POST", path: "/v1/memory/store", need: w, ok: okStatus, out: denyNS,
			body: func(f *authzFixture, n int) any {
				return map[string]any{"agent_id": defaultAgent, "namespace": "team-a", "content": fmt.Sprintf("note %d about green tea", n)}
			}},
		{method: "POST", path: "/v1/memories/store/batch", need: w, ok: okStatus, out: denyNS,
			body: memBody(map[string]any{"memories": []map[string]any{{"content": "batch note"}}})},
		{method: "POST", path: "/v1/memory/recall", need: r, ok: okStatus, out: denyNS, body: memBody(map[string]any{"query": "tea"})},
		{method: "POST", path: "/v1/memory/search", need: r, ok: okStatus, out: denyNS, body: memBody(map[string]any{"query": "tea"})},
		{method: "POST", path: "/v1/memories/recall/batch", need: r, ok: okStatus, out: denyNS, body: memBody(map[string]any{"filter": map[string]any{}})},
		{method: "GET", path: "/v1/memory/get/:id", need: r, ok: okStatus, out: notFound, id: "mem"},
		{method: "GET", path: "/v1/memories/:id", need: r, ok: okStatus, out: notFound, id: "mem"},
		{method: "PUT", path: "/v1/memory/update/:id", need: w, ok: okStatus, out: notFound, id: "mem", body: fixed(map[string]any{"importance": 0.6})},
		{method: "POST", path: "/v1/memory/importance", need: w, ok: okStatus, out: okStatus, // ids out of grant are skipped
			body: func(f *authzFixture, n int) any {
				return map[string]any{"agent_id": defaultAgent, "memory_id": f.mem, "importance": 0.5}
			}},
		{method: "POST", path: "/v1/memory/forget", need: w, ok: okStatus, out: denyNS,
			body: func(f *authzFixture, n int) any {
				return map[string]any{"agent_id": defaultAgent, "namespace": "team-a", "memory_ids": []string{f.victim}}
			}},
		{method: "DELETE", path: "/v1/memories/forget/batch", need: w, ok: okStatus, out: denyNS,
			body: memBody(map[string]any{"filter": map[string]any{"tags": []string{"no-such-tag"}}})},
		{method: "POST", path: "/v1/memories/forget/batch", need: w, ok: okStatus, out: denyNS,
			body: memBody(map[string]any{"filter": map[string]any{"tags": []string{"no-such-tag"}}})},
		{method: "POST", path: "/v1/memories/:id/feedback", need: w, ok: okStatus, out: notFound, id: "mem", body: fixed(map[string]any{"signal": "upvote"})},
		{method: "POST", path: "/v1/memory/consolidate", need: w, ok: okStatus, out: denyNS, body: memBody(map[string]any{"dry_run": true})},

		// Sessions and agents.
		{method: "POST", path: "/v1/sessions/start", need: w, ok: okStatus, out: denyNS, body: memBody(nil)},
		{method: "POST", path: "/v1/sessions/:id/end", need: w, ok: okStatus, out: notFound, id: "sess", body: fixed(map[string]any{})},
		{method: "GET", path: "/v1/sessions/:id", need: r, ok: okStatus, out: notFound, id: "sess"},
		{method: "GET", path: "/v1/sessions", need: r, ok: okStatus, out: denyNS, query: "?agent_id=agent-1&namespace=team-a"},
		{method: "GET", path: "/v1/sessions/:id/memories", need: r, ok: okStatus, out: notFound, id: "sess"},
		{method: "GET", path: "/v1/agents", need: r, ok: okStatus, out: denyNS, query: "?namespace=team-a"},
		{method: "GET", path: "/v1/agents/:id/memories", need: r, ok: okStatus, out: denyNS, id: "agent", query: "?namespace=team-a"},
		{method: "GET", path: "/v1/agents/:id/stats", need: r, ok: okStatus, out: denyNS, id: "agent", query: "?namespace=team-a"},
		{method: "GET", path: "/v1/agents/:id/wake-up", need: r, ok: okStatus, out: denyNS, id: "agent", query: "?namespace=team-a"},

		// Namespace documents.
		{method: "POST", path: "/v1/namespaces/:ns/vectors", need: w, ok: okStatus, out: denyNS,
			body: func(f *authzFixture, n int) any {
				return map[string]any{"vectors": []map[string]any{{"id": "v1", "values": f.vec}}}
			}},
		{method: "POST", path: "/v1/namespaces/:ns/query", need: r, ok: okStatus, out: denyNS,
			body: func(f *authzFixture, n int) any { return map[string]any{"vector": f.vec, "top_k": 1} }},
		{method: "POST", path: "/v1/namespaces/:ns/vectors/delete", need: w, ok: okStatus, out: denyNS, body: fixed(map[string]any{"ids": []string{"nope"}})},
		{method: "POST", path: "/v1/namespaces/:ns/upsert-text", need: w, ok: okStatus, out: denyNS,
			body: fixed(map[string]any{"documents": []map[string]any{{"id": "t1", "text": "hello world"}}})},
		{method: "POST", path: "/v1/namespaces/:ns/query-text", need: r, ok: okStatus, out: denyNS, body: fixed(map[string]any{"text": "hello"})},
		{method: "POST", path: "/v1/namespaces/:ns/batch-query-text", need: r, ok: okStatus, out: denyNS, body: fixed(map[string]any{"queries": []string{"hello"}})},
		{method: "POST", path: "/v1/namespaces/:ns/hybrid", need: r, ok: okStatus, out: denyNS, body: fixed(map[string]any{"text": "hello"})},
		{method: "POST", path: "/v1/namespaces/:ns/fulltext/index", need: w, ok: okStatus, out: denyNS,
			body: fixed(map[string]any{"documents": []map[string]any{{"id": "f1", "text": "hello world"}}})},
		{method: "POST", path: "/v1/namespaces/:ns/fulltext/search", need: r, ok: okStatus, out: denyNS, body: fixed(map[string]any{"query": "hello"})},
		{method: "POST", path: "/v1/namespaces/:ns/fulltext/delete", need: w, ok: okStatus, out: denyNS, body: fixed(map[string]any{"ids": []string{"nope"}})},

		// Knowledge graph.
		{method: "POST", path: "/v1/memories/extract", need: r, ok: okStatus, out: okStatus, // nothing stored, no namespace
			body: fixed(map[string]any{"content": "Alice Johnson works at Acme Corp."})},
		{method: "GET", path: "/v1/memory/entities/:id", need: r, ok: okStatus, out: notFound, id: "mem"},
		{method: "GET", path: "/v1/memories/:id/graph", need: r, ok: okStatus, out: notFound, id: "mem"},
		{method: "GET", path: "/v1/memories/:id/path", need: r, ok: okStatus, out: notFound, id: "mem", query: "?target=:id"},
		{method: "POST", path: "/v1/memories/:id/links", need: w, ok: okStatus, out: notFound, id: "mem",
			body: func(f *authzFixture, n int) any { return map[string]any{"target_id": f.linkTarget()} }},
		{method: "POST", path: "/v1/knowledge/graph", need: r, ok: okStatus, out: denyNS, body: memBody(nil)},
		{method: "GET", path: "/v1/knowledge/query", need: r, ok: okStatus, out: denyNS, query: "?agent_id=agent-1&namespace=team-a"},
		{method: "GET", path: "/v1/knowledge/path", need: r, ok: okStatus, out: denyNS, id: "mem", query: "?namespace=team-a&from=:id&to=:id"},
		{method: "GET", path: "/v1/knowledge/export", need: r, ok: okStatus, out: denyNS, query: "?namespace=team-a&format=graphml"},
		{method: "GET", path: "/v1/namespaces/:ns/entities", need: r, ok: okStatus, out: denyNS},
		{method: "GET", path: "/v1/namespaces/:ns/entities/:id", need: r, ok: okStatus, out: denyNS, id: "entity"},
		{method: "POST", path: "/v1/namespaces/:ns/relations", need: w, ok: okStatus, out: denyNS,
			body: fixed(map[string]any{"source": "Alice", "target": "green tea", "relation": "likes"})},
		{method: "GET", path: "/v1/namespaces/:ns/relations", need: r, ok: okStatus, out: denyNS},
		{method: "POST", path: "/v1/namespaces/:ns/graph/traverse", need: r, ok: okStatus, out: denyNS, body: fixed(map[string]any{"start": []string{"Alice"}})},

		// Webhooks: this server has none, so a caller that passes scope and
		// grant gets 503 (any id will do); webhooks_test.go covers them on.
		{method: "POST", path: "/v1/namespaces/:ns/webhooks", need: a, ok: hooksOff, out: denyNS,
			body: fixed(map[string]any{"url": "http://127.0.0.1:9/x", "events": []string{"memory.stored"}})},
		{method: "GET", path: "/v1/namespaces/:ns/webhooks", need: a, ok: hooksOff, out: denyNS},
		{method: "DELETE", path: "/v1/namespaces/:ns/webhooks/:id", need: a, ok: hooksOff, out: denyNS, id: "agent"},
		{method: "GET", path: "/v1/namespaces/:ns/webhooks/:id/deliveries", need: a, ok: hooksOff, out: denyNS, id: "agent"},
		{method: "POST", path: "/v1/namespaces/:ns/webhooks/:id/deliveries/:delivery_id/retry", need: a, ok: hooksOff, out: denyNS, id: "agent"},

		// Namespace keys, organizations, audit, usage.
		{method: "POST", path: "/v1/namespaces/:ns/keys", need: a, ok: created, out: denyNS, body: fixed(map[string]any{"name": "nk", "scope": "read"})},
		{method: "GET", path: "/v1/namespaces/:ns/keys", need: a, ok: okStatus, out: denyNS},
		{method: "DELETE", path: "/v1/namespaces/:ns/keys/:id", need: a, ok: okStatus, out: denyNS, id: "nskey", prep: freshNSKey},
		{method: "GET", path: "/v1/audit", need: a, ok: okStatus, out: okStatus},
		{method: "GET", path: "/v1/audit/verify", need: sa, ok: okStatus, out: okStatus},
		{method: "GET", path: "/v1/usage", need: a, ok: okStatus, out: okStatus},
	}
	for _, p := range []string{"/admin", "/v1/admin"} {
		rows = append(rows,
			authzRoute{method: "POST", path: p + "/keys", need: a, ok: created, out: denyScope, // grants beyond the caller's
				body: fixed(map[string]any{"name": "made", "scope": "read", "namespaces": []string{"team-a"}})},
			authzRoute{method: "GET", path: p + "/keys", need: a, ok: okStatus, out: okStatus},
			authzRoute{method: "POST", path: p + "/organizations", need: sa, ok: okStatus, out: okStatus,
				body: func(f *authzFixture, n int) any { return map[string]any{"name": fmt.Sprintf("org-%d", n)} }},
			authzRoute{method: "GET", path: p + "/organizations", need: sa, ok: okStatus, out: okStatus},
			authzRoute{method: "GET", path: p + "/organizations/:id", need: sa, ok: okStatus, out: okStatus, id: "org", prep: freshOrg},
			authzRoute{method: "PATCH", path: p + "/organizations/:id", need: sa, ok: okStatus, out: okStatus, id: "org", prep: freshOrg,
				body: fixed(map[string]any{"rate_limit": map[string]any{"per_second": 50}})},
		)
	}
	rows = append(rows, keyRow("GET", "", nil)...)
	rows = append(rows, keyRow("PATCH", "", fixed(map[string]any{"name": "renamed"}))...)
	rows = append(rows, keyRow("DELETE", "", nil)...)
	rows = append(rows, keyRow("POST", "/rotate", fixed(map[string]any{"grace_secs": 0}))...)
	rows = append(rows, keyRow("POST", "/deactivate", nil)...)
	rows = append(rows, keyRow("GET", "/usage", nil)...)
	return rows
}

// authzState is a credential: how its key was made and what it answers
// when the route's scope and grant would otherwise let it through.
type authzState struct {
	name string
	// grants of the key; nil for the states without a key.
	grants []string
	// fails is the answer whatever the route (zero: decided by the route).
	fails want
	// out marks grants that miss the route's namespace.
	out bool
}

var authzStates = []authzState{
	{name: "in-grant", grants: []string{"team-a", "team-y", "team-z"}},
	{name: "prefix-grant", grants: []string{"team-*"}},
	{name: "out-of-grant", grants: []string{"other"}, out: true},
	{name: "expired", grants: []string{"team-a", "team-y", "team-z"}, fails: expiredKey},
	{name: "deactivated", grants: []string{"team-a", "team-y", "team-z"}, fails: badKey},
	{name: "rotated-old-within-grace", grants: []string{"team-a", "team-y", "team-z"}},
	{name: "rotated-old-after-grace", grants: []string{"team-a", "team-y", "team-z"}, fails: expiredKey},
}

// expect is the answer of route rt to a key of scope (level) in state st.
func expect(rt authzRoute, scope int, st authzState) want {
	switch {
	case rt.need == publicRoute:
		return rt.ok
	case st.fails.status != 0:
		return st.fails
	case scope < rt.need:
		return denyScope
	case st.out:
		return rt.out
	}
	return rt.ok
}

// fakeClock is a settable clock shared by the server and its key manager.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// authzFixture holds the data every row addresses: namespaces team-a,
// team-z and other, a memory and a session in team-a, and one key per
// scope and state.
type authzFixture struct {
	env               *testEnv
	clock             *fakeClock
	mem, victim, sess string
	vec               []float64
	keys              map[string]string // scope/state -> secret
	seq               atomic.Int64      // numbers calls, for unique names
	linkTo            string
}

func newAuthzFixture(tb testing.TB) *authzFixture {
	tb.Helper()
	clock := &fakeClock{t: time.Now()}
	env := newFastEnv(tb, &httpapi.Options{Now: clock.Now})
	f := &authzFixture{env: env, clock: clock, keys: map[string]string{}}
	for _, ns := range []string{"team-a", "team-z", "other"} {
		mustOK(tb, env.root("PUT", "/v1/namespaces/"+ns, map[string]any{}))
	}
	store := func(content string) string {
		m := mustOK(tb, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": defaultAgent, "namespace": "team-a", "content": content}))
		return m["memory"].(map[string]any)["id"].(string)
	}
	f.mem, f.victim, f.linkTo = store("Alice likes green tea"), store("a memory to forget"), store("a link target")
	f.sess = mustOK(tb, env.root("POST", "/v1/sessions/start", map[string]any{"agent_id": defaultAgent, "namespace": "team-a"}))["session"].(map[string]any)["id"].(string)
	dim := int(mustOK(tb, env.root("GET", "/v1/namespaces/team-a", nil))["dimension"].(float64))
	f.vec = make([]float64, dim)
	f.vec[0] = 1
	for _, scope := range scopeOrder {
		for _, st := range authzStates {
			body := map[string]any{"name": scope + "-" + st.name, "scope": scope, "namespaces": st.grants}
			if st.name == "expired" {
				body["expires_in_days"] = 1
			}
			id, secret := env.mkKey("", body)
			switch st.name {
			case "deactivated":
				mustOK(tb, env.root("POST", "/admin/keys/"+id+"/deactivate", nil))
			case "rotated-old-within-grace":
				mustOK(tb, env.root("POST", "/admin/keys/"+id+"/rotate", map[string]any{"grace_secs": 604800}))
			case "rotated-old-after-grace":
				mustOK(tb, env.root("POST", "/admin/keys/"+id+"/rotate", map[string]any{"grace_secs": 60}))
			}
			f.keys[scope+"/"+st.name] = secret
		}
	}
	// Two days on: the one-day key has expired, the 60 s grace is over,
	// the 7-day grace is not.
	clock.Advance(48 * time.Hour)
	return f
}

// linkTarget is a memory of team-a that links may point to (made with the
// fixture: rows run concurrently and must not change it).
func (f *authzFixture) linkTarget() string { return f.linkTo }

func dropY(f *authzFixture, env *testEnv) string {
	env.root("DELETE", "/v1/namespaces/team-y", nil)
	return ""
}

func makeZ(f *authzFixture, env *testEnv) string {
	mustOK(env.tb, env.root("PUT", "/v1/namespaces/team-z", map[string]any{}))
	return ""
}

func freshKey(f *authzFixture, env *testEnv) string {
	id, _ := env.mkKey("", map[string]any{"name": "target", "scope": "read", "namespaces": []string{"team-a"}})
	return id
}

func freshOrg(f *authzFixture, env *testEnv) string {
	r := env.root("POST", "/admin/organizations", map[string]any{"name": fmt.Sprintf("target-%d", f.seq.Add(1))})
	if r.status != 200 {
		env.tb.Fatalf("organization: %d %s", r.status, r.body)
	}
	return r.json(env.tb)["organization_id"].(string)
}

func freshNSKey(f *authzFixture, env *testEnv) string {
	r := env.root("POST", "/v1/namespaces/team-a/keys", map[string]any{"name": "target", "scope": "read"})
	if r.status != 201 {
		env.tb.Fatalf("namespace key: %d %s", r.status, r.body)
	}
	return r.json(env.tb)["key_id"].(string)
}

// target returns the concrete path of rt; fresh replaces a key id.
func (f *authzFixture) target(rt authzRoute, fresh string) string {
	ns := rt.ns
	if ns == "" {
		ns = "team-a"
	}
	p := strings.ReplaceAll(rt.path, ":ns", ns)
	id := map[string]string{"mem": f.mem, "sess": f.sess, "agent": defaultAgent, "key": fresh, "nskey": fresh,
		"org": fresh, "entity": "Alice"}[rt.id]
	return strings.ReplaceAll(p+rt.query, ":id", id)
}

// call runs rt with secret through env (prep first when the call will
// authenticate).
func (f *authzFixture) call(env *testEnv, rt authzRoute, secret string, authenticates bool) resp {
	fresh := ""
	if rt.prep != nil && authenticates {
		fresh = rt.prep(f, env)
	}
	var body any
	if rt.body != nil {
		body = rt.body(f, int(f.seq.Add(1)))
	}
	if rt.streamed {
		return env.doHead(rt.method, f.target(rt, fresh), secret, body)
	}
	return env.do(rt.method, f.target(rt, fresh), secret, body)
}

func check(tb testing.TB, label string, r resp, w want) {
	tb.Helper()
	if r.status != w.status {
		tb.Errorf("%s: status %d, want %d; body %.300s", label, r.status, w.status, r.body)
		return
	}
	if w.code != "" {
		if got := r.code(tb); got != w.code {
			tb.Errorf("%s: code %s, want %s", label, got, w.code)
		}
	}
}

func rowsByRoute(tb testing.TB, routes []httpapi.Route) map[httpapi.Route]authzRoute {
	tb.Helper()
	rows := map[httpapi.Route]authzRoute{}
	for _, rt := range authzRoutes() {
		rows[httpapi.Route{Method: rt.method, Path: rt.path}] = rt
	}
	var missing []string
	for _, r := range routes {
		if _, ok := rows[r]; !ok {
			missing = append(missing, r.Method+" "+r.Path)
		}
	}
	if len(missing) > 0 {
		tb.Fatalf("registered routes without a row in authzRoutes (add them with their expectations):\n%s", strings.Join(missing, "\n"))
	}
	return rows
}

// authzWorkers is how many routes the matrix runs at once: the routes
// share the fixture, which is built for it (fresh targets per call, no
// route destroys what another uses).
const authzWorkers = 6

func TestAuthorizationMatrix(t *testing.T) {
	f := newAuthzFixture(t)
	routes := f.env.api.Routes()
	rows := rowsByRoute(t, routes)
	sem := make(chan struct{}, authzWorkers)
	var wg sync.WaitGroup
	for _, route := range routes {
		rt := rows[route]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			t.Run("route="+rt.method+"_"+rt.path, func(t *testing.T) {
				env := *f.env
				env.tb = t
				check(t, "no key", f.call(&env, rt, "", rt.need == publicRoute), expect(rt, 0, authzState{fails: needKey}))
				check(t, "wrong key", f.call(&env, rt, "engram_not_a_real_key_000000000000000000000", rt.need == publicRoute),
					expect(rt, 0, authzState{fails: badKey}))
				for _, scope := range scopeOrder {
					for _, st := range authzStates {
						w := expect(rt, level(scope), st)
						r := f.call(&env, rt, f.keys[scope+"/"+st.name], w.status < 400 || w.status >= 403)
						check(t, "scope="+scope+" grant="+st.name, r, w)
					}
				}
			})
		}()
	}
	wg.Wait()
}
