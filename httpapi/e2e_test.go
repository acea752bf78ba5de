package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestHealthNeedsNoKey(t *testing.T) {
	env := newEnv(t, nil)
	for _, p := range []string{"/health", "/v1/health", "/health/live", "/health/ready"} {
		t.Run("path="+p, func(t *testing.T) {
			r := env.do("GET", p, "", nil)
			mustOK(t, r)
			if r.header.Get("X-Request-ID") == "" {
				t.Fatal("no X-Request-ID")
			}
		})
	}
	m := mustOK(t, env.do("GET", "/health", "", nil))
	if m["status"] != "healthy" || m["service"] != "engram" {
		t.Fatalf("health = %v", m)
	}
}

func TestAuthRequired(t *testing.T) {
	env := newEnv(t, nil)
	wantError(t, env.do("GET", "/v1/namespaces", "", nil), 401, "AUTHENTICATION_REQUIRED")
	wantError(t, env.do("GET", "/v1/namespaces", "engram_wrong_key_0000000000000000000000000", nil), 401, "INVALID_API_KEY")
	wantError(t, env.do("POST", "/v1/memory/store", "nope", map[string]any{"agent_id": "a", "content": "x"}), 401, "INVALID_API_KEY")
	mustOK(t, env.root("GET", "/v1/namespaces", nil))
	who := mustOK(t, env.root("GET", "/v1/auth/whoami", nil))
	if who["scope"] != "super_admin" || who["auth_enabled"] != true {
		t.Fatalf("whoami = %v", who)
	}
}

func TestRequestIDEcho(t *testing.T) {
	env := newEnv(t, nil)
	req, _ := http.NewRequest("GET", env.url+"/health", nil)
	req.Header.Set("X-Request-ID", "client-id-42")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-ID"); got != "client-id-42" {
		t.Fatalf("X-Request-ID = %q", got)
	}
	req.Header.Set("X-Request-ID", "bad id with spaces")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
		t.Fatalf("insane X-Request-ID echoed: %q", got)
	}
}

func TestMemoryLifecycle(t *testing.T) {
	env := newEnv(t, nil)
	m := mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{
		"agent_id": "agent-1", "namespace": "proj", "content": "Alice prefers green tea in the morning",
		"memory_type": "semantic", "importance": 0.8, "tags": []string{"pref", "drink"},
		"metadata": map[string]any{"source": "chat"},
	}))
	mem := m["memory"].(map[string]any)
	id := mem["id"].(string)
	if !strings.HasPrefix(id, "mem_") || mem["namespace"] != "proj" || mem["memory_type"] != "semantic" || mem["importance"] != 0.8 {
		t.Fatalf("stored = %v", mem)
	}
	if _, ok := m["embedding_time_ms"]; !ok {
		t.Fatal("no embedding_time_ms")
	}

	got := mustOK(t, env.root("GET", "/v1/memory/get/"+id, nil))
	if got["content"] != "Alice prefers green tea in the morning" || got["agent_id"] != "agent-1" {
		t.Fatalf("get = %v", got)
	}

	// Read-your-writes: recallable right away.
	rec := mustOK(t, env.root("POST", "/v1/memory/recall", map[string]any{"agent_id": "agent-1", "namespace": "proj", "query": "what does Alice drink in the morning?"}))
	items := rec["memories"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["memory"].(map[string]any)["id"] != id {
		t.Fatalf("recall = %s", mustJSON(rec))
	}
	first := items[0].(map[string]any)
	for _, k := range []string{"score", "weighted_score", "smart_score", "vector_score", "text_score", "graph_score", "retention"} {
		if _, ok := first[k]; !ok {
			t.Fatalf("recall item lacks %s: %v", k, first)
		}
	}

	up := mustOK(t, env.root("PUT", "/v1/memory/update/"+id, map[string]any{"content": "Alice prefers coffee now", "tags": []string{"pref"}}))
	if up["memory"].(map[string]any)["content"] != "Alice prefers coffee now" {
		t.Fatalf("update = %v", up)
	}
	s := mustOK(t, env.root("POST", "/v1/memory/search", map[string]any{"namespace": "proj", "agent_id": "agent-1", "query": "coffee"}))
	if len(s["memories"].([]any)) != 1 {
		t.Fatalf("search after update = %v", s)
	}

	imp := mustOK(t, env.root("POST", "/v1/memory/importance", map[string]any{"agent_id": "agent-1", "memory_id": id, "importance": 0.3}))
	if imp["updated"] != 1.0 {
		t.Fatalf("importance = %v", imp)
	}
	fb := mustOK(t, env.root("POST", "/v1/memories/"+id+"/feedback", map[string]any{"signal": "upvote"}))
	if v := fb["new_importance"].(float64); v < 0.39 || v > 0.41 {
		t.Fatalf("feedback = %v", fb)
	}

	del := mustOK(t, env.root("POST", "/v1/memory/forget", map[string]any{"agent_id": "agent-1", "memory_ids": []string{id}}))
	if del["deleted_count"] != 1.0 {
		t.Fatalf("forget = %v", del)
	}
	wantError(t, env.root("GET", "/v1/memory/get/"+id, nil), 404, "NOT_FOUND")
	s = mustOK(t, env.root("POST", "/v1/memory/search", map[string]any{"namespace": "proj", "agent_id": "agent-1", "query": "coffee"}))
	if len(s["memories"].([]any)) != 0 {
		t.Fatalf("forgotten memory still searchable: %v", s)
	}
}

func TestBatchStoreRecallForget(t *testing.T) {
	env := newEnv(t, nil)
	var items []map[string]any
	for i := 0; i < 20; i++ {
		tag := "even"
		if i%2 == 1 {
			tag = "odd"
		}
		items = append(items, map[string]any{"content": fmt.Sprintf("note number %d about topic %d", i, i%3), "tags": []string{tag}, "importance": float64(i) / 20})
	}
	r := mustOK(t, env.root("POST", "/v1/memories/store/batch", map[string]any{"agent_id": "bot", "memories": items}))
	if r["stored_count"] != 20.0 || len(r["stored"].([]any)) != 20 {
		t.Fatalf("batch = %v", r)
	}
	// No namespace: the agent's own namespace was created.
	ns := mustOK(t, env.root("GET", "/v1/namespaces", nil))
	if !strings.Contains(mustJSON(ns), "_agent_bot") {
		t.Fatalf("namespaces = %v", ns)
	}
	br := mustOK(t, env.root("POST", "/v1/memories/recall/batch", map[string]any{"agent_id": "bot", "filter": map[string]any{"tags": []string{"odd"}, "min_importance": 0.5}}))
	if br["filtered"] != 5.0 || br["total"] != 20.0 || len(br["memories"].([]any)) != 5 {
		t.Fatalf("batch recall = %v", mustJSON(br))
	}
	fb := mustOK(t, env.root("DELETE", "/v1/memories/forget/batch", map[string]any{"agent_id": "bot", "filter": map[string]any{"tags": []string{"even"}}}))
	if fb["deleted_count"] != 10.0 {
		t.Fatalf("forget batch = %v", fb)
	}
	wantError(t, env.root("DELETE", "/v1/memories/forget/batch", map[string]any{"agent_id": "bot", "filter": map[string]any{}}), 400, "INVALID_REQUEST")
	list := env.root("GET", "/v1/agents/bot/memories?limit=3", nil)
	if list.status != 200 || strings.Count(string(list.body), `"id":"mem_`) != 3 {
		t.Fatalf("agent memories = %d %s", list.status, list.body)
	}
	st := mustOK(t, env.root("GET", "/v1/agents/bot/stats", nil))
	if st["total_memories"] != 10.0 {
		t.Fatalf("stats = %v", st)
	}
	wu := mustOK(t, env.root("GET", "/v1/agents/bot/wake-up?top_n=2", nil))
	if len(wu["memories"].([]any)) != 2 || wu["total_available"] != 10.0 {
		t.Fatalf("wake-up = %v", wu)
	}
}

func TestSessions(t *testing.T) {
	env := newEnv(t, nil)
	r := mustOK(t, env.root("POST", "/v1/sessions/start", map[string]any{"agent_id": "a1", "namespace": "team", "metadata": map[string]any{"topic": "x"}}))
	sess := r["session"].(map[string]any)
	sid := sess["id"].(string)
	if !strings.HasPrefix(sid, "sess_") || sess["namespace"] != "team" {
		t.Fatalf("session = %v", sess)
	}
	for i := 0; i < 3; i++ {
		mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a1", "namespace": "team", "session_id": sid, "content": fmt.Sprintf("turn %d", i)}))
	}
	got := mustOK(t, env.root("GET", "/v1/sessions/"+sid, nil))
	if got["memory_count"] != 3.0 {
		t.Fatalf("session = %v", got)
	}
	sm := mustOK(t, env.root("GET", "/v1/sessions/"+sid+"/memories", nil))
	if sm["total"] != 3.0 {
		t.Fatalf("session memories = %v", sm)
	}
	list := mustOK(t, env.root("GET", "/v1/sessions?namespace=team&agent_id=a1&active_only=true", nil))
	if list["total"] != 1.0 {
		t.Fatalf("sessions = %v", list)
	}
	end := mustOK(t, env.root("POST", "/v1/sessions/"+sid+"/end", map[string]any{"summary": "done"}))
	if end["memory_count"] != 3.0 || end["session"].(map[string]any)["ended_reason"] != "client" {
		t.Fatalf("end = %v", end)
	}
	again := mustOK(t, env.root("POST", "/v1/sessions/"+sid+"/end", nil))
	if again["session"].(map[string]any)["summary"] != "done" {
		t.Fatalf("end is not idempotent: %v", again)
	}
	list = mustOK(t, env.root("GET", "/v1/sessions?namespace=team&active_only=true", nil))
	if list["total"] != 0.0 {
		t.Fatalf("active sessions after end = %v", list)
	}
	agents := env.root("GET", "/v1/agents?namespace=team", nil)
	if agents.status != 200 || !strings.Contains(string(agents.body), `"session_count":1`) {
		t.Fatalf("agents = %s", agents.body)
	}
	wantError(t, env.root("GET", "/v1/sessions/sess_unknown", nil), 404, "NOT_FOUND")
}

func TestNamespaces(t *testing.T) {
	env := newEnv(t, nil)
	info := mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "docs", "distance": "dot", "metadata": map[string]any{"team": "x"}}))
	if info["namespace"] != "docs" || info["distance"] != "dot_product" || !strings.HasPrefix(info["namespace_id"].(string), "ns_") {
		t.Fatalf("create = %v", info)
	}
	wantError(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "docs"}), 409, "CONFLICT")
	put := mustOK(t, env.root("PUT", "/v1/namespaces/other", map[string]any{"dimension": 512}))
	if put["created"] != true || put["dimension"] != 512.0 {
		t.Fatalf("put = %v", put)
	}
	put = mustOK(t, env.root("PUT", "/v1/namespaces/other", map[string]any{}))
	if put["created"] != false {
		t.Fatalf("second put = %v", put)
	}
	byID := mustOK(t, env.root("GET", "/v1/namespaces/"+info["namespace_id"].(string), nil))
	if byID["namespace"] != "docs" {
		t.Fatalf("get by id = %v", byID)
	}
	pol := mustOK(t, env.root("PUT", "/v1/namespaces/docs/memory_policy", map[string]any{"episodic_decay": "linear", "min_importance": 0.1}))
	if pol["episodic_decay"] != "linear" || pol["min_importance"] != 0.1 || pol["semantic_decay"] == "" {
		t.Fatalf("policy = %v", pol)
	}
	got := mustOK(t, env.root("GET", "/v1/namespaces/docs/memory_policy", nil))
	if got["episodic_decay"] != "linear" {
		t.Fatalf("policy not kept: %v", got)
	}
	wantError(t, env.root("PUT", "/v1/namespaces/docs/memory_policy", map[string]any{"episodic_decay": "sideways"}), 400, "INVALID_REQUEST")
	cfg := mustOK(t, env.root("PATCH", "/v1/namespaces/docs/config", map[string]any{"extract_entities": false}))
	if cfg["extract_entities"] != false {
		t.Fatalf("config = %v", cfg)
	}
	mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": "docs", "content": "hello"}))
	mustOK(t, env.root("DELETE", "/v1/namespaces/docs", nil))
	wantError(t, env.root("GET", "/v1/namespaces/docs", nil), 404, "NAMESPACE_NOT_FOUND")
}

func TestBadInput(t *testing.T) {
	env := newEnv(t, &httpapiOptionsSmallBody)
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "ns1"}))
	big := strings.Repeat("x", 100_001)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"malformed-json", "POST", "/v1/memory/store", `{"agent_id": "a", "content": `, 400, "INVALID_REQUEST"},
		{"empty-body", "POST", "/v1/memory/store", ``, 400, "INVALID_REQUEST"},
		{"wrong-type-content", "POST", "/v1/memory/store", map[string]any{"agent_id": "a", "content": 5}, 400, "INVALID_REQUEST"},
		{"wrong-type-importance", "POST", "/v1/memory/store", map[string]any{"agent_id": "a", "content": "x", "importance": "high"}, 400, "INVALID_REQUEST"},
		{"missing-content", "POST", "/v1/memory/store", map[string]any{"agent_id": "a"}, 400, "INVALID_REQUEST"},
		{"missing-agent", "POST", "/v1/memory/store", map[string]any{"content": "x"}, 400, "INVALID_REQUEST"},
		{"importance-range", "POST", "/v1/memory/store", map[string]any{"agent_id": "a", "content": "x", "importance": 2}, 400, "INVALID_REQUEST"},
		{"bad-type", "POST", "/v1/memory/store", map[string]any{"agent_id": "a", "content": "x", "memory_type": "dream"}, 400, "INVALID_REQUEST"},
		{"oversized-content", "POST", "/v1/memory/store", map[string]any{"agent_id": "a", "content": big}, 400, "INVALID_REQUEST"},
		{"metadata-not-object", "POST", "/v1/memory/store", map[string]any{"agent_id": "a", "content": "x", "metadata": []int{1}}, 400, "INVALID_REQUEST"},
		{"unknown-namespace-recall", "POST", "/v1/memory/recall", map[string]any{"agent_id": "a", "namespace": "nope", "query": "x"}, 404, "NAMESPACE_NOT_FOUND"},
		{"bad-namespace-name", "POST", "/v1/namespaces", map[string]any{"name": "../etc"}, 400, "INVALID_REQUEST"},
		{"reserved-namespace", "POST", "/v1/namespaces", map[string]any{"name": "system_x"}, 400, "INVALID_REQUEST"},
		{"empty-query", "POST", "/v1/memory/recall", map[string]any{"agent_id": "a", "namespace": "ns1", "query": ""}, 400, "INVALID_REQUEST"},
		{"topk-range", "POST", "/v1/memory/recall", map[string]any{"agent_id": "a", "namespace": "ns1", "query": "x", "top_k": 5000}, 400, "INVALID_REQUEST"},
		{"bad-routing", "POST", "/v1/memory/recall", map[string]any{"agent_id": "a", "namespace": "ns1", "query": "x", "routing": "psychic"}, 400, "INVALID_REQUEST"},
		{"unknown-memory", "GET", "/v1/memory/get/mem_doesnotexist", nil, 404, "NOT_FOUND"},
		{"unknown-memory-update", "PUT", "/v1/memory/update/mem_doesnotexist", map[string]any{"content": "x"}, 404, "NOT_FOUND"},
		{"forget-no-filter", "POST", "/v1/memory/forget", map[string]any{"agent_id": "a"}, 400, "INVALID_REQUEST"},
		{"batch-empty", "POST", "/v1/memories/store/batch", map[string]any{"agent_id": "a", "memories": []any{}}, 400, "INVALID_REQUEST"},
		{"batch-too-many", "POST", "/v1/memories/store/batch", map[string]any{"agent_id": "a", "memories": make([]map[string]any, 1001)}, 400, "INVALID_REQUEST"},
		{"batch-bad-item", "POST", "/v1/memories/store/batch", map[string]any{"agent_id": "a", "memories": []any{map[string]any{"content": "ok"}, map[string]any{"content": ""}}}, 400, "INVALID_REQUEST"},
		{"feedback-bad-signal", "POST", "/v1/memories/mem_x/feedback", map[string]any{"signal": "meh"}, 404, "NOT_FOUND"},
		{"session-bad-timeout", "POST", "/v1/sessions/start", map[string]any{"agent_id": "a", "idle_timeout_secs": -5}, 400, "INVALID_REQUEST"},
		{"sessions-bad-limit", "GET", "/v1/sessions?agent_id=a&limit=abc", nil, 400, "INVALID_REQUEST"},
		{"unknown-route", "GET", "/v1/nothing-here", nil, 404, "ROUTE_NOT_FOUND"},
		{"wrong-dimension", "POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": "ns1", "content": "x", "embedding": []float32{1, 2}}, 400, "DIMENSION_MISMATCH"},
		{"body-too-large", "POST", "/v1/memory/store", `{"agent_id":"a","content":"` + strings.Repeat("y", 300_000) + `"}`, 413, "PAYLOAD_TOO_LARGE"},
	}
	for _, tc := range cases {
		t.Run("case="+tc.name, func(t *testing.T) {
			wantError(t, env.root(tc.method, tc.path, tc.body), tc.status, tc.code)
		})
	}
	// The field is named in the error.
	r := env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "content": "x", "importance": "high"})
	if !strings.Contains(string(r.body), "importance") {
		t.Fatalf("error does not name the field: %s", r.body)
	}
	r = env.root("POST", "/v1/memories/store/batch", map[string]any{"agent_id": "a", "memories": []any{map[string]any{"content": "ok"}, map[string]any{"content": ""}}})
	if !strings.Contains(string(r.body), "memories[1].content") {
		t.Fatalf("batch error does not name the item: %s", r.body)
	}
	// Nothing of a rejected batch was stored.
	br := mustOK(t, env.root("POST", "/v1/memories/recall/batch", map[string]any{"agent_id": "a", "filter": map[string]any{}}))
	if br["total"] != 0.0 {
		t.Fatalf("rejected batch stored memories: %v", br)
	}
}

var httpapiOptionsSmallBody = httpapiOptions(256 << 10)

func TestConsolidateRoute(t *testing.T) {
	env := newEnv(t, nil)
	for _, c := range []string{"Bob's birthday is on March 3rd", "Bob's birthday is on March 3rd.", "The wifi password is on the fridge"} {
		mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": "c", "content": c}))
	}
	dry := mustOK(t, env.root("POST", "/v1/memory/consolidate", map[string]any{"agent_id": "a", "namespace": "c", "dry_run": true}))
	if dry["memories_removed"] != 1.0 || dry["consolidated_memory"] == nil {
		t.Fatalf("dry run = %v", dry)
	}
	done := mustOK(t, env.root("POST", "/v1/memory/consolidate", map[string]any{"agent_id": "a", "namespace": "c"}))
	if done["memories_removed"] != 1.0 || len(done["source_memory_ids"].([]any)) != 1 {
		t.Fatalf("consolidate = %v", done)
	}
	br := mustOK(t, env.root("POST", "/v1/memories/recall/batch", map[string]any{"agent_id": "a", "namespace": "c", "filter": map[string]any{}}))
	if br["total"] != 2.0 {
		t.Fatalf("after consolidate: %v", br)
	}
	wantError(t, env.root("POST", "/v1/memory/consolidate", map[string]any{"agent_id": "a", "namespace": "c", "threshold": 1.5}), 400, "INVALID_REQUEST")
}
