package httpapi_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// storeIn stores content in ns (agent agent-1) and returns the memory id.
func storeIn(tb testing.TB, env *testEnv, ns, content string, extra map[string]any) string {
	tb.Helper()
	body := map[string]any{"agent_id": "agent-1", "namespace": ns, "content": content}
	for k, v := range extra {
		body[k] = v
	}
	return mustOK(tb, env.root("POST", "/v1/memory/store", body))["memory"].(map[string]any)["id"].(string)
}

func list(m map[string]any, field string) []any {
	l, _ := m[field].([]any)
	return l
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// outsideKey is a key of the given scope granted only namespace "other".
func outsideKey(env *testEnv, scope string) string {
	_, secret := env.mkKey("", map[string]any{"name": "outside-" + scope, "scope": scope, "namespaces": []string{"other"}})
	return secret
}

func TestGraphTemporalRelationsAndTraversal(t *testing.T) {
	env := newEnv(t, nil)
	t1, t2 := int64(1_600_000_000), int64(1_650_000_000)
	storeIn(t, env, "kg", "Alice Johnson works at Acme Corp in Boston.", map[string]any{"created_at": t1})
	storeIn(t, env, "kg", "Alice Johnson works at Globex Inc now.", map[string]any{"created_at": t2})

	ents := mustOK(t, env.root("GET", "/v1/namespaces/kg/entities?q=alice", nil))
	if ents["total"] != 1.0 || len(list(ents, "entities")) != 1 {
		t.Fatalf("entities?q=alice = %v", ents)
	}
	alice := obj(list(ents, "entities")[0])
	if alice["mention_count"] != 2.0 || alice["type"] != "person" || !strings.HasPrefix(alice["id"].(string), "ent_") {
		t.Fatalf("alice = %v", alice)
	}
	for _, internal := range []string{"k", "canonical"} {
		if _, ok := alice[internal]; ok {
			t.Fatalf("entity carries internal field %q: %v", internal, alice)
		}
	}
	employer := func(asOf string) []string {
		t.Helper()
		q := "/v1/namespaces/kg/relations?entity=" + url.QueryEscape("Alice Johnson") + "&relation=works_at"
		if asOf != "" {
			q += "&as_of=" + url.QueryEscape(asOf)
		}
		var names []string
		for _, r := range list(mustOK(t, env.root("GET", q, nil)), "relations") {
			tgt := obj(r)["target"].(string)
			names = append(names, mustOK(t, env.root("GET", "/v1/namespaces/kg/entities/"+tgt, nil))["name"].(string))
		}
		return names
	}
	for _, tc := range []struct{ asOf, want string }{
		{fmt.Sprint(t1 + 10), "[Acme Corp]"},
		{time.Unix(t1+10, 0).UTC().Format(time.RFC3339), "[Acme Corp]"},
		{fmt.Sprint(t2 + 10), "[Globex Inc]"},
		{time.Unix(t2+10, 0).UTC().Format(time.RFC3339), "[Globex Inc]"},
		{fmt.Sprint(t1 - 10), "[]"},
		{"", "[Acme Corp Globex Inc]"},
	} {
		t.Run("as_of="+tc.asOf, func(t *testing.T) {
			if got := fmt.Sprint(employer(tc.asOf)); got != tc.want {
				t.Fatalf("employer as of %q = %s, want %s", tc.asOf, got, tc.want)
			}
		})
	}
	// The ended relation keeps its history: valid_to is the new fact's start.
	all := list(mustOK(t, env.root("GET", "/v1/namespaces/kg/relations?relation=works_at", nil)), "relations")
	if len(all) != 2 || obj(all[0])["valid_from"] != float64(t1) || obj(all[0])["valid_to"] != float64(t2) || obj(all[1])["valid_to"] != nil {
		t.Fatalf("works_at history = %v", all)
	}

	detail := mustOK(t, env.root("GET", "/v1/namespaces/kg/entities/"+url.PathEscape("Alice Johnson"), nil))
	if detail["id"] != alice["id"] || len(list(detail, "memories")) != 2 || len(list(detail, "relations")) < 2 {
		t.Fatalf("entity detail = %v", detail)
	}

	tr := mustOK(t, env.root("POST", "/v1/namespaces/kg/graph/traverse", map[string]any{
		"start": []string{"Alice Johnson"}, "depth": 1, "relations": []string{"works_at"}}))
	if len(list(tr, "entities")) != 3 || len(list(tr, "relations")) != 2 || len(list(tr, "memories")) != 2 {
		t.Fatalf("traverse = %v", tr)
	}
	then := mustOK(t, env.root("POST", "/v1/namespaces/kg/graph/traverse", map[string]any{
		"start": []any{alice["id"]}, "relations": []string{"works_at"}, "as_of": t1 + 10}))
	if len(list(then, "relations")) != 1 || len(list(then, "entities")) != 2 {
		t.Fatalf("traverse as_of = %v", then)
	}
	none := mustOK(t, env.root("POST", "/v1/namespaces/kg/graph/traverse", map[string]any{"start": []string{"Nobody Known"}}))
	if len(list(none, "entities")) != 0 {
		t.Fatalf("traverse from an unknown name = %v", none)
	}

	// A relation written directly, with ISO-8601 validity.
	rel := mustOK(t, env.root("POST", "/v1/namespaces/kg/relations", map[string]any{
		"source": "Alice Johnson", "target": "Chess Club", "relation": "member of",
		"valid_from": "2020-01-01T00:00:00Z", "weight": 2}))
	if rel["relation"] != "member_of" || rel["valid_from"] != 1577836800.0 || rel["source"] != alice["id"] || rel["weight"] != 2.0 {
		t.Fatalf("relation = %v", rel)
	}
	if _, ok := rel["k"]; ok {
		t.Fatalf("relation carries its row key: %v", rel)
	}
	// The same fact again strengthens the row instead of adding one.
	again := mustOK(t, env.root("POST", "/v1/namespaces/kg/relations", map[string]any{
		"source": "alice johnson", "target": "Chess Club", "relation": "member_of", "valid_from": 1600000000}))
	if again["id"] != rel["id"] || again["weight"] != 3.0 || again["valid_from"] != 1577836800.0 {
		t.Fatalf("repeated relation = %v, first %v", again, rel)
	}
	club := mustOK(t, env.root("GET", "/v1/namespaces/kg/entities/"+url.PathEscape("chess club"), nil))
	if club["id"] != rel["target"] || len(list(club, "relations")) != 1 {
		t.Fatalf("created entity = %v", club)
	}

	reader := outsideKey(env, "read")
	writer := outsideKey(env, "write")
	_, readOnly := env.mkKey("", map[string]any{"name": "kg-reader", "scope": "read", "namespaces": []string{"kg"}})
	for _, tc := range []struct {
		name, method, path, key string
		body                    any
		status                  int
		code                    string
	}{
		{"entities_bad_type", "GET", "/v1/namespaces/kg/entities?type=animal", testRootKey, nil, 400, "INVALID_REQUEST"},
		{"entities_bad_limit", "GET", "/v1/namespaces/kg/entities?limit=0", testRootKey, nil, 400, "INVALID_REQUEST"},
		{"entity_unknown", "GET", "/v1/namespaces/kg/entities/ent_nope", testRootKey, nil, 404, "NOT_FOUND"},
		{"entities_unknown_ns", "GET", "/v1/namespaces/nope/entities", testRootKey, nil, 404, "NAMESPACE_NOT_FOUND"},
		{"entities_other_ns", "GET", "/v1/namespaces/kg/entities", reader, nil, 403, "NAMESPACE_ACCESS_DENIED"},
		{"entity_other_ns", "GET", "/v1/namespaces/kg/entities/" + alice["id"].(string), reader, nil, 403, "NAMESPACE_ACCESS_DENIED"},
		{"relations_bad_as_of", "GET", "/v1/namespaces/kg/relations?as_of=soon", testRootKey, nil, 400, "INVALID_REQUEST"},
		{"relations_unknown_entity", "GET", "/v1/namespaces/kg/relations?entity=Nobody", testRootKey, nil, 404, "NOT_FOUND"},
		{"relations_other_ns", "GET", "/v1/namespaces/kg/relations", reader, nil, 403, "NAMESPACE_ACCESS_DENIED"},
		{"relation_no_relation", "POST", "/v1/namespaces/kg/relations", testRootKey, map[string]any{"source": "a", "target": "b"}, 400, "INVALID_REQUEST"},
		{"relation_bad_valid_from", "POST", "/v1/namespaces/kg/relations", testRootKey,
			map[string]any{"source": "a", "target": "b", "relation": "r", "valid_from": "later"}, 400, "INVALID_REQUEST"},
		{"relation_valid_to_first", "POST", "/v1/namespaces/kg/relations", testRootKey,
			map[string]any{"source": "a", "target": "b", "relation": "r", "valid_from": 200, "valid_to": 100}, 400, "INVALID_REQUEST"},
		{"relation_bad_weight_type", "POST", "/v1/namespaces/kg/relations", testRootKey,
			map[string]any{"source": "a", "target": "b", "relation": "r", "weight": "heavy"}, 400, "INVALID_REQUEST"},
		{"relation_read_key", "POST", "/v1/namespaces/kg/relations", readOnly,
			map[string]any{"source": "a", "target": "b", "relation": "r"}, 403, "INSUFFICIENT_SCOPE"},
		{"relation_other_ns", "POST", "/v1/namespaces/kg/relations", writer,
			map[string]any{"source": "a", "target": "b", "relation": "r"}, 403, "NAMESPACE_ACCESS_DENIED"},
		{"traverse_no_start", "POST", "/v1/namespaces/kg/graph/traverse", testRootKey, map[string]any{}, 400, "INVALID_REQUEST"},
		{"traverse_bad_depth", "POST", "/v1/namespaces/kg/graph/traverse", testRootKey, map[string]any{"start": []string{"x"}, "depth": 9}, 400, "INVALID_REQUEST"},
		{"traverse_bad_limit", "POST", "/v1/namespaces/kg/graph/traverse", testRootKey, map[string]any{"start": []string{"x"}, "limit": 0}, 400, "INVALID_REQUEST"},
		{"traverse_bad_as_of", "POST", "/v1/namespaces/kg/graph/traverse", testRootKey, map[string]any{"start": []string{"x"}, "as_of": true}, 400, "INVALID_REQUEST"},
		{"traverse_other_ns", "POST", "/v1/namespaces/kg/graph/traverse", reader, map[string]any{"start": []string{"x"}}, 403, "NAMESPACE_ACCESS_DENIED"},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			wantError(t, env.do(tc.method, tc.path, tc.key, tc.body), tc.status, tc.code)
		})
	}
	// A 400 names the field.
	r := env.root("POST", "/v1/namespaces/kg/relations", map[string]any{"source": "a", "target": "b", "relation": "r", "valid_from": "later"})
	if d := r.json(t)["details"]; d != "field: valid_from" {
		t.Fatalf("details = %v", d)
	}
	r = env.root("GET", "/v1/namespaces/kg/relations?as_of=soon", nil)
	if d := r.json(t)["details"]; d != "field: as_of" {
		t.Fatalf("details = %v", d)
	}
}

func TestExtractRoute(t *testing.T) {
	env := newEnv(t, nil)
	m := mustOK(t, env.root("POST", "/v1/memories/extract", map[string]any{
		"content": "Alice Johnson works at Acme Corp in Boston. Email alice@acme.com."}))
	got := map[string]string{}
	for _, e := range list(m, "entities") {
		en := obj(e)
		got[en["value"].(string)] = en["entity_type"].(string)
		if s, _ := en["score"].(float64); s <= 0 || s > 1 {
			t.Fatalf("score of %v", en)
		}
	}
	for value, typ := range map[string]string{"Alice Johnson": "person", "Acme Corp": "organization", "Boston": "location", "alice@acme.com": "email"} {
		if got[value] != typ {
			t.Fatalf("extract: %q typed %q, want %q (all: %v)", value, got[value], typ, got)
		}
	}
	var worksAt bool
	for _, r := range list(m, "relations") {
		if obj(r)["relation"] == "works_at" {
			worksAt = true
		}
	}
	if !worksAt {
		t.Fatalf("no works_at relation: %v", m["relations"])
	}
	only := mustOK(t, env.root("POST", "/v1/memories/extract", map[string]any{
		"content": "Alice Johnson works at Acme Corp in Boston.", "entity_types": []string{"person"}}))
	if l := list(only, "entities"); len(l) != 1 || obj(l[0])["entity_type"] != "person" {
		t.Fatalf("entity_types=[person]: %v", only)
	}
	// Nothing was stored.
	if ns := list(mustOK(t, env.root("GET", "/v1/namespaces", nil)), "namespaces"); len(ns) != 0 {
		t.Fatalf("extract created namespaces %v", ns)
	}
	_, reader := env.mkKey("", map[string]any{"name": "r", "scope": "read", "namespaces": []string{"other"}})
	mustOK(t, env.do("POST", "/v1/memories/extract", reader, map[string]any{"content": "Bob met Carol in Paris."}))
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"no_content", map[string]any{}, "content"},
		{"blank_content", map[string]any{"content": "  "}, "content"},
		{"long_content", map[string]any{"content": strings.Repeat("a", 100_001)}, "content"},
		{"content_type", map[string]any{"content": 5}, "content"},
		{"bad_type", map[string]any{"content": "x", "entity_types": []string{"animal"}}, "entity_types"},
		{"no_body", "", "body"},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			r := env.root("POST", "/v1/memories/extract", tc.body)
			wantError(t, r, 400, "INVALID_REQUEST")
			if d := r.json(t)["details"]; d != "field: "+tc.field {
				t.Fatalf("details = %v, want field: %s", d, tc.field)
			}
		})
	}
}

// memoryGraphFixture stores, in namespace "mg": a and b (both about Bob
// Smith) and c (another agent, unrelated).
func memoryGraphFixture(t *testing.T) (env *testEnv, a, b, c string) {
	env = newEnv(t, nil)
	a = storeIn(t, env, "mg", "Bob Smith moved to Denver last spring.", nil)
	b = storeIn(t, env, "mg", "Bob Smith loves hiking in the Rockies.", nil)
	c = storeIn(t, env, "mg", "An unrelated note about quarterly taxes.", map[string]any{"agent_id": "agent-2"})
	return env, a, b, c
}

func TestMemoryGraphRoutes(t *testing.T) {
	env, a, b, c := memoryGraphFixture(t)
	ents := mustOK(t, env.root("GET", "/v1/memory/entities/"+a, nil))
	var bob bool
	for _, e := range list(ents, "entities") {
		en := obj(e)
		if en["value"] == "Bob Smith" && en["entity_type"] == "person" && en["score"] == 1.0 {
			bob = true
		}
	}
	if ents["memory_id"] != a || !bob {
		t.Fatalf("memory entities = %v", ents)
	}

	g := mustOK(t, env.root("GET", "/v1/memories/"+a+"/graph?depth=1&types=shares_entity", nil))
	if g["root_id"] != a || g["depth"] != 1.0 || len(list(g, "nodes")) != 2 || len(list(g, "edges")) == 0 {
		t.Fatalf("graph = %v", g)
	}
	root := obj(list(g, "nodes")[0])
	if root["memory_id"] != a || root["depth"] != 0.0 || root["content_preview"] == "" || root["importance"] != 0.5 {
		t.Fatalf("root node = %v", root)
	}
	ed := obj(list(g, "edges")[0])
	if ed["edge_type"] != "shares_entity" || ed["id"] == "" || ed["source_id"] != a || ed["target_id"] != b {
		t.Fatalf("edge = %v", ed)
	}
	if _, ok := ed["created_at"].(float64); !ok {
		t.Fatalf("edge created_at is not Unix seconds: %v", ed)
	}

	wantError(t, env.root("GET", "/v1/memories/"+a+"/path?target="+c, nil), 404, "NOT_FOUND")
	link := mustOK(t, env.root("POST", "/v1/memories/"+b+"/links", map[string]any{"target_id": c}))
	edge := obj(link["edge"])
	if edge["edge_type"] != "linked_by" || edge["source_id"] != b || edge["target_id"] != c || edge["created_at"].(float64) < 1e9 {
		t.Fatalf("link = %v", link)
	}
	for _, param := range []string{"target", "to"} {
		p := mustOK(t, env.root("GET", "/v1/memories/"+a+"/path?"+param+"="+c, nil))
		path := list(p, "path")
		if p["hops"] != 2.0 || len(path) != 3 || path[0] != a || path[2] != c || len(list(p, "edges")) != 2 || p["source_id"] != a || p["target_id"] != c {
			t.Fatalf("path via %s = %v", param, p)
		}
	}

	// Another namespace's memory, and keys that may not see "mg".
	elsewhere := storeIn(t, env, "other", "Bob Smith again, elsewhere.", nil)
	reader, writer := outsideKey(env, "read"), outsideKey(env, "write")
	_, mgReader := env.mkKey("", map[string]any{"name": "mg-reader", "scope": "read", "namespaces": []string{"mg"}})
	for _, tc := range []struct {
		name, method, path, key string
		body                    any
		status                  int
		code, field             string
	}{
		{"entities_unknown", "GET", "/v1/memory/entities/mem_nope", testRootKey, nil, 404, "NOT_FOUND", ""},
		{"entities_hidden", "GET", "/v1/memory/entities/" + a, reader, nil, 404, "NOT_FOUND", ""},
		{"graph_unknown", "GET", "/v1/memories/mem_nope/graph", testRootKey, nil, 404, "NOT_FOUND", ""},
		{"graph_hidden", "GET", "/v1/memories/" + a + "/graph", reader, nil, 404, "NOT_FOUND", ""},
		{"graph_bad_depth", "GET", "/v1/memories/" + a + "/graph?depth=9", testRootKey, nil, 400, "INVALID_REQUEST", "depth"},
		{"graph_bad_types", "GET", "/v1/memories/" + a + "/graph?types=knows", testRootKey, nil, 400, "INVALID_REQUEST", "types"},
		{"path_no_target", "GET", "/v1/memories/" + a + "/path", testRootKey, nil, 400, "INVALID_REQUEST", "target"},
		{"path_unknown_target", "GET", "/v1/memories/" + a + "/path?target=mem_nope", testRootKey, nil, 404, "NOT_FOUND", ""},
		{"path_other_ns_target", "GET", "/v1/memories/" + a + "/path?target=" + elsewhere, testRootKey, nil, 404, "NOT_FOUND", ""},
		{"path_hidden", "GET", "/v1/memories/" + a + "/path?target=" + b, reader, nil, 404, "NOT_FOUND", ""},
		{"path_bad_depth", "GET", "/v1/memories/" + a + "/path?target=" + b + "&max_depth=0", testRootKey, nil, 400, "INVALID_REQUEST", "max_depth"},
		{"link_no_target", "POST", "/v1/memories/" + a + "/links", testRootKey, map[string]any{}, 400, "INVALID_REQUEST", "target_id"},
		{"link_self", "POST", "/v1/memories/" + a + "/links", testRootKey, map[string]any{"target_id": a}, 400, "INVALID_REQUEST", "target_id"},
		{"link_bad_type", "POST", "/v1/memories/" + a + "/links", testRootKey, map[string]any{"target_id": b, "edge_type": "knows"}, 400, "INVALID_REQUEST", "edge_type"},
		{"link_other_ns_target", "POST", "/v1/memories/" + a + "/links", testRootKey, map[string]any{"target_id": elsewhere}, 400, "INVALID_REQUEST", "target_id"},
		{"link_unknown_source", "POST", "/v1/memories/mem_nope/links", testRootKey, map[string]any{"target_id": b}, 404, "NOT_FOUND", ""},
		{"link_hidden", "POST", "/v1/memories/" + a + "/links", writer, map[string]any{"target_id": b}, 404, "NOT_FOUND", ""},
		{"link_read_key", "POST", "/v1/memories/" + a + "/links", mgReader, map[string]any{"target_id": b}, 403, "INSUFFICIENT_SCOPE", ""},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			r := env.do(tc.method, tc.path, tc.key, tc.body)
			wantError(t, r, tc.status, tc.code)
			if tc.field != "" {
				if d := r.json(t)["details"]; d != "field: "+tc.field {
					t.Fatalf("details = %v, want field: %s", d, tc.field)
				}
			}
		})
	}
}

func TestRecallIncludeAssociated(t *testing.T) {
	env, a, b, c := memoryGraphFixture(t)
	mustOK(t, env.root("POST", "/v1/memories/"+b+"/links", map[string]any{"target_id": c}))
	recall := func(extra map[string]any) map[string]any {
		body := map[string]any{"agent_id": "agent-1", "namespace": "mg", "query": "Denver move", "top_k": 1}
		for k, v := range extra {
			body[k] = v
		}
		return mustOK(t, env.root("POST", "/v1/memory/recall", body))
	}
	plain := recall(nil)
	if _, ok := plain["associated_memories"]; ok {
		t.Fatalf("associated_memories without include_associated: %v", plain)
	}
	if top := obj(obj(list(plain, "memories")[0])["memory"]); top["id"] != a {
		t.Fatalf("top memory = %v, want %s", top["id"], a)
	}
	depthOf := func(m map[string]any) map[string]float64 {
		out := map[string]float64{}
		for _, it := range list(m, "associated_memories") {
			out[obj(obj(it)["memory"])["id"].(string)] = obj(it)["depth"].(float64)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		extra map[string]any
		want  map[string]float64
	}{
		{"default", map[string]any{"include_associated": true}, map[string]float64{b: 1}},
		{"depth=2", map[string]any{"include_associated": true, "associated_memories_depth": 2}, map[string]float64{b: 1, c: 2}},
		{"depth=2_cap=1", map[string]any{"include_associated": true, "associated_memories_depth": 2, "associated_memories_cap": 1}, map[string]float64{b: 1}},
		{"depth=2_agent=agent-1", map[string]any{"include_associated": true, "associated_memories_depth": 2, "filter_agent_id": "agent-1"}, map[string]float64{b: 1}},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			if got := depthOf(recall(tc.extra)); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("associated = %v, want %v", got, tc.want)
			}
		})
	}
	search := mustOK(t, env.root("POST", "/v1/memory/search", map[string]any{"agent_id": "agent-1", "namespace": "mg",
		"query": "Denver move", "top_k": 1, "include_associated": true}))
	if len(list(search, "associated_memories")) != 1 {
		t.Fatalf("search associated = %v", search)
	}
	for _, tc := range []struct {
		field string
		value any
	}{{"associated_memories_cap", -1}, {"associated_memories_cap", 101}, {"associated_memories_depth", 4}, {"include_associated", "yes"}} {
		t.Run("bad="+tc.field, func(t *testing.T) {
			r := env.root("POST", "/v1/memory/recall", map[string]any{"agent_id": "agent-1", "namespace": "mg", "query": "x",
				"include_associated": true, tc.field: tc.value})
			wantError(t, r, 400, "INVALID_REQUEST")
			if d := r.json(t)["details"]; d != "field: "+tc.field {
				t.Fatalf("details = %v", d)
			}
		})
	}
}

func TestKnowledgeRoutes(t *testing.T) {
	env, a, b, c := memoryGraphFixture(t)
	mustOK(t, env.root("POST", "/v1/memories/"+b+"/links", map[string]any{"target_id": c}))

	kg := mustOK(t, env.root("POST", "/v1/knowledge/graph", map[string]any{"agent_id": "agent-1", "memory_id": a, "min_similarity": -1}))
	nodes, edges := list(kg, "nodes"), list(kg, "edges")
	if len(nodes) != 3 || obj(nodes[0])["id"] != a || obj(nodes[0])["content"] == "" || obj(nodes[0])["memory_type"] != "episodic" {
		t.Fatalf("knowledge graph nodes = %v", nodes)
	}
	rels := map[string]int{}
	for _, e := range edges {
		ed := obj(e)
		rels[ed["relationship"].(string)]++
		if s := ed["similarity"].(float64); s < -1 || s > 1.0000001 {
			t.Fatalf("similarity %v", ed)
		}
	}
	if rels["related_to"] != 3 || rels["linked_by"] != 1 {
		t.Fatalf("knowledge graph edges = %v", edges)
	}
	strict := mustOK(t, env.root("POST", "/v1/knowledge/graph", map[string]any{"agent_id": "agent-1", "namespace": "mg", "memory_id": a, "min_similarity": 1}))
	if len(list(strict, "nodes")) != 1 || len(list(strict, "edges")) != 0 {
		t.Fatalf("min_similarity 1 = %v", strict)
	}
	whole := mustOK(t, env.root("POST", "/v1/knowledge/graph", map[string]any{"agent_id": "agent-1", "namespace": "mg"}))
	if len(list(whole, "nodes")) != 3 {
		t.Fatalf("namespace knowledge graph = %v", whole)
	}

	q := mustOK(t, env.root("GET", "/v1/knowledge/query?agent_id=agent-1&root_id="+a+"&edge_type=shares_entity&max_depth=1", nil))
	if q["agent_id"] != "agent-1" || q["node_count"] != 2.0 || q["edge_count"] != float64(len(list(q, "edges"))) || len(list(q, "edges")) == 0 {
		t.Fatalf("query from root = %v", q)
	}
	nsq := mustOK(t, env.root("GET", "/v1/knowledge/query?namespace=mg&edge_type=linked_by", nil))
	if nsq["edge_count"] != 1.0 || obj(list(nsq, "edges")[0])["source_id"] != b || nsq["node_count"] != 2.0 {
		t.Fatalf("namespace query = %v", nsq)
	}

	p := mustOK(t, env.root("GET", "/v1/knowledge/path?agent_id=agent-1&from="+a+"&to="+c, nil))
	if p["from_id"] != a || p["to_id"] != c || p["hop_count"] != 2.0 || len(list(p, "path")) != 3 {
		t.Fatalf("knowledge path = %v", p)
	}
	lone := storeIn(t, env, "mg", "Zebras graze.", map[string]any{"agent_id": "agent-3"})
	wantError(t, env.root("GET", "/v1/knowledge/path?namespace=mg&from="+a+"&to="+lone, nil), 404, "NOT_FOUND")

	reader := outsideKey(env, "read")
	for _, tc := range []struct {
		name, method, path, key string
		body                    any
		status                  int
		code, field             string
	}{
		{"graph_bad_similarity", "POST", "/v1/knowledge/graph", testRootKey, map[string]any{"namespace": "mg", "min_similarity": 2}, 400, "INVALID_REQUEST", "min_similarity"},
		{"graph_bad_depth", "POST", "/v1/knowledge/graph", testRootKey, map[string]any{"namespace": "mg", "depth": -1}, 400, "INVALID_REQUEST", "depth"},
		{"graph_unknown_memory", "POST", "/v1/knowledge/graph", testRootKey, map[string]any{"namespace": "mg", "memory_id": "mem_nope"}, 404, "NOT_FOUND", ""},
		{"graph_hidden_memory", "POST", "/v1/knowledge/graph", reader, map[string]any{"memory_id": a}, 404, "NOT_FOUND", ""},
		{"graph_other_ns", "POST", "/v1/knowledge/graph", reader, map[string]any{"namespace": "mg"}, 403, "NAMESPACE_ACCESS_DENIED", ""},
		{"graph_no_namespace", "POST", "/v1/knowledge/graph", testRootKey, map[string]any{}, 400, "INVALID_REQUEST", "namespace"},
		{"query_bad_type", "GET", "/v1/knowledge/query?namespace=mg&edge_type=knows", testRootKey, nil, 400, "INVALID_REQUEST", "edge_type"},
		{"query_bad_depth", "GET", "/v1/knowledge/query?namespace=mg&max_depth=x", testRootKey, nil, 400, "INVALID_REQUEST", "max_depth"},
		{"query_unknown_root", "GET", "/v1/knowledge/query?namespace=mg&root_id=mem_nope", testRootKey, nil, 404, "NOT_FOUND", ""},
		{"query_other_ns", "GET", "/v1/knowledge/query?namespace=mg", reader, nil, 403, "NAMESPACE_ACCESS_DENIED", ""},
		{"path_no_from", "GET", "/v1/knowledge/path?namespace=mg&to=" + a, testRootKey, nil, 400, "INVALID_REQUEST", "from"},
		{"path_no_to", "GET", "/v1/knowledge/path?namespace=mg&from=" + a, testRootKey, nil, 400, "INVALID_REQUEST", "to"},
		{"path_hidden", "GET", "/v1/knowledge/path?from=" + a + "&to=" + c, reader, nil, 404, "NOT_FOUND", ""},
		{"export_bad_format", "GET", "/v1/knowledge/export?namespace=mg&format=csv", testRootKey, nil, 400, "INVALID_REQUEST", "format"},
		{"export_other_ns", "GET", "/v1/knowledge/export?namespace=mg", reader, nil, 403, "NAMESPACE_ACCESS_DENIED", ""},
		{"export_unknown_ns", "GET", "/v1/knowledge/export?namespace=nope", testRootKey, nil, 404, "NAMESPACE_NOT_FOUND", ""},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			r := env.do(tc.method, tc.path, tc.key, tc.body)
			wantError(t, r, tc.status, tc.code)
			if tc.field != "" {
				if d := r.json(t)["details"]; d != "field: "+tc.field {
					t.Fatalf("details = %v, want field: %s", d, tc.field)
				}
			}
		})
	}
}

func TestKnowledgeExport(t *testing.T) {
	env, _, b, c := memoryGraphFixture(t)
	storeIn(t, env, "mg", "Alice Johnson works at Acme Corp.", nil)
	mustOK(t, env.root("POST", "/v1/memories/"+b+"/links", map[string]any{"target_id": c, "edge_type": "related_to"}))

	r := env.root("GET", "/v1/knowledge/export?namespace=mg", nil)
	js := mustOK(t, r)
	if js["namespace"] != "mg" || len(list(js, "entities")) < 4 || len(list(js, "relations")) == 0 || len(list(js, "links")) != 1 {
		t.Fatalf("json export = %s", r.body)
	}
	if l := obj(list(js, "links")[0]); l["edge_type"] != "related_to" || l["source_id"] != b {
		t.Fatalf("link = %v", l)
	}
	if bytes.Contains(r.body, []byte(`"k":`)) || bytes.Contains(r.body, []byte(`"canonical"`)) {
		t.Fatalf("export carries internal fields: %s", r.body)
	}

	g := env.root("GET", "/v1/knowledge/export?namespace=mg&format=graphml", nil)
	if g.status != 200 || g.header.Get("Content-Type") != "application/graphml+xml" {
		t.Fatalf("graphml: %d %q", g.status, g.header.Get("Content-Type"))
	}
	var doc struct {
		Graph struct {
			Nodes []struct {
				ID string `xml:"id,attr"`
			} `xml:"node"`
			Edges []struct {
				Source string `xml:"source,attr"`
				Target string `xml:"target,attr"`
			} `xml:"edge"`
		} `xml:"graph"`
	}
	if err := xml.Unmarshal(g.body, &doc); err != nil {
		t.Fatalf("graphml does not parse: %v\n%s", err, g.body)
	}
	ids := map[string]bool{}
	for _, n := range doc.Graph.Nodes {
		ids[n.ID] = true
	}
	if len(doc.Graph.Nodes) != len(list(js, "entities"))+2 || !ids[b] || !ids[c] {
		t.Fatalf("graphml nodes = %v", ids)
	}
	if len(doc.Graph.Edges) != len(list(js, "relations"))+1 {
		t.Fatalf("graphml edges = %d, want %d", len(doc.Graph.Edges), len(list(js, "relations"))+1)
	}
	for _, e := range doc.Graph.Edges {
		if !ids[e.Source] || !ids[e.Target] {
			t.Fatalf("edge %v with an end outside the nodes", e)
		}
	}
}
