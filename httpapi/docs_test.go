package httpapi_test

import (
	"bytes"
	"context"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engramhq/engram/memory/auth"
)

// docNS creates a namespace (dim 0: the embedder's) and returns its
// dimension.
func docNS(t *testing.T, env *testEnv, name string, dim int) int {
	t.Helper()
	body := map[string]any{"name": name}
	if dim > 0 {
		body["dimension"] = dim
	}
	m := mustOK(t, env.root("POST", "/v1/namespaces", body))
	return int(m["dimension"].(float64))
}

// basis returns a vector of dim with weight a at i and b at j.
func basis(dim, i int, a float32, j int, b float32) []float32 {
	v := make([]float32, dim)
	v[i] += a
	v[j] += b
	return v
}

func results(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	rs, ok := m["results"].([]any)
	if !ok {
		t.Fatalf("no results array in %v", m)
	}
	out := make([]map[string]any, len(rs))
	for i, r := range rs {
		out[i] = r.(map[string]any)
	}
	return out
}

func ids(rs []map[string]any) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r["id"].(string)
	}
	return strings.Join(s, ",")
}

func TestDocsVectors(t *testing.T) {
	env := newEnv(t, nil)
	dim := docNS(t, env, "vecs", 0)
	p := "/v1/namespaces/vecs"
	up := mustOK(t, env.root("POST", p+"/vectors", map[string]any{"vectors": []any{
		map[string]any{"id": "a", "values": basis(dim, 0, 1, 1, 0), "metadata": map[string]any{"genre": "drama", "year": 2019}},
		map[string]any{"id": "b", "values": basis(dim, 1, 1, 2, 0), "metadata": map[string]any{"genre": "comedy", "year": 2001}},
		map[string]any{"id": "c", "values": basis(dim, 0, 0.9, 1, 0.3), "metadata": map[string]any{"genre": "drama", "year": 1990}},
		map[string]any{"id": "d", "values": basis(dim, 2, 1, 3, 0.1)},
	}}))
	if up["upserted_count"] != float64(4) {
		t.Fatalf("upserted_count = %v", up["upserted_count"])
	}
	q := basis(dim, 0, 1, 1, 0.1) // order: a, c, b, d
	rs := results(t, mustOK(t, env.root("POST", p+"/query", map[string]any{"vector": q, "top_k": 2, "include_values": true, "include_metadata": true})))
	if ids(rs) != "a,c" {
		t.Fatalf("query ids = %s, want a,c", ids(rs))
	}
	if s := rs[0]["score"].(float64); math.Abs(s-1/math.Sqrt(1.01)) > 1e-5 {
		t.Fatalf("score of the exact match = %v", s)
	}
	if vs := rs[0]["values"].([]any); len(vs) != dim || vs[0] != float64(1) || vs[1] != float64(0) {
		t.Fatalf("values = %v", vs[:3])
	}
	if md := rs[0]["metadata"].(map[string]any); md["genre"] != "drama" {
		t.Fatalf("metadata = %v", md)
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/query", map[string]any{"vector": q})))
	if len(rs) != 4 {
		t.Fatalf("default top_k gave %d results, want all 4", len(rs))
	}
	if _, ok := rs[0]["values"]; ok {
		t.Fatal("values sent without include_values")
	}
	if _, ok := rs[0]["metadata"]; ok {
		t.Fatal("metadata sent without include_metadata")
	}

	filters := []struct {
		name   string
		filter any
		want   string
	}{
		{"shorthand", map[string]any{"genre": "drama"}, "a,c"},
		{"gte", map[string]any{"year": map[string]any{"$gte": 2000}}, "a,b"},
		{"or", map[string]any{"$or": []any{map[string]any{"year": map[string]any{"$lt": 2000}}, map[string]any{"genre": "comedy"}}}, "c,b"},
		{"nin", map[string]any{"genre": map[string]any{"$nin": []any{"drama"}}}, "b,d"},
		{"none", map[string]any{"genre": "horror"}, ""},
	}
	for _, f := range filters {
		t.Run("filter="+f.name, func(t *testing.T) {
			rs := results(t, mustOK(t, env.root("POST", p+"/query", map[string]any{"vector": q, "filter": f.filter})))
			if ids(rs) != f.want {
				t.Fatalf("ids = %s, want %s", ids(rs), f.want)
			}
		})
	}

	// Upsert replaces.
	mustOK(t, env.root("POST", p+"/vectors", map[string]any{"vectors": []any{
		map[string]any{"id": "d", "values": basis(dim, 0, 1, 2, 0.5), "metadata": map[string]any{"genre": "drama"}},
	}}))
	rs = results(t, mustOK(t, env.root("POST", p+"/query", map[string]any{"vector": q, "filter": map[string]any{"genre": "drama"}})))
	if ids(rs) != "a,c,d" {
		t.Fatalf("after replace ids = %s, want a,c,d", ids(rs))
	}

	del := mustOK(t, env.root("POST", p+"/vectors/delete", map[string]any{"ids": []string{"a", "zz"}}))
	if del["deleted_count"] != float64(1) {
		t.Fatalf("deleted_count = %v, want 1", del["deleted_count"])
	}
	del = mustOK(t, env.root("POST", p+"/vectors/delete", map[string]any{"filter": map[string]any{"genre": "drama"}}))
	if del["deleted_count"] != float64(2) {
		t.Fatalf("filter deleted_count = %v, want 2", del["deleted_count"])
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/query", map[string]any{"vector": q})))
	if ids(rs) != "b" {
		t.Fatalf("after deletes ids = %s, want b", ids(rs))
	}
	del = mustOK(t, env.root("POST", p+"/vectors/delete", map[string]any{"delete_all": true}))
	if del["deleted_count"] != float64(1) {
		t.Fatalf("delete_all deleted_count = %v, want 1", del["deleted_count"])
	}
	if rs := results(t, mustOK(t, env.root("POST", p+"/query", map[string]any{"vector": q}))); len(rs) != 0 {
		t.Fatalf("after delete_all: %v", rs)
	}
}

func TestDocsBadInput(t *testing.T) {
	env := newEnv(t, nil)
	dim := docNS(t, env, "bad", 0)
	p := "/v1/namespaces/bad"
	good := basis(dim, 0, 1, 1, 0)
	many := make([]any, 1001)
	for i := range many {
		many[i] = map[string]any{"id": "x", "values": good}
	}
	cases := []struct {
		name, path string
		body       any
		status     int
		code       string
		field      string
	}{
		{"no_vectors", "/vectors", map[string]any{}, 400, "INVALID_REQUEST", "vectors"},
		{"too_many", "/vectors", map[string]any{"vectors": many}, 400, "INVALID_REQUEST", "vectors"},
		{"empty_id", "/vectors", map[string]any{"vectors": []any{map[string]any{"id": "", "values": good}}}, 400, "INVALID_REQUEST", "vectors[0].id"},
		{"long_id", "/vectors", map[string]any{"vectors": []any{map[string]any{"id": strings.Repeat("i", 257), "values": good}}}, 400, "INVALID_REQUEST", "vectors[0].id"},
		{"no_values", "/vectors", map[string]any{"vectors": []any{map[string]any{"id": "a"}}}, 400, "INVALID_REQUEST", "vectors[0].values"},
		{"short_values", "/vectors", map[string]any{"vectors": []any{map[string]any{"id": "a", "values": good[:dim-1]}}}, 400, "DIMENSION_MISMATCH", ""},
		{"metadata_array", "/vectors", map[string]any{"vectors": []any{map[string]any{"id": "a", "values": good, "metadata": []int{1}}}}, 400, "INVALID_REQUEST", "vectors[0].metadata"},
		{"metadata_huge", "/vectors", map[string]any{"vectors": []any{map[string]any{"id": "a", "values": good, "metadata": map[string]any{"k": strings.Repeat("m", 65<<10)}}}}, 400, "INVALID_REQUEST", "vectors[0].metadata"},
		{"values_string", "/vectors", `{"vectors":[{"id":"a","values":"x"}]}`, 400, "INVALID_REQUEST", ""},
		{"malformed", "/vectors", `{"vectors":`, 400, "INVALID_REQUEST", "body"},
		{"query_no_vector", "/query", map[string]any{}, 400, "INVALID_REQUEST", "vector"},
		{"query_wrong_dim", "/query", map[string]any{"vector": []float32{1, 2}}, 400, "DIMENSION_MISMATCH", ""},
		{"query_top_k_zero", "/query", map[string]any{"vector": good, "top_k": 0}, 400, "INVALID_REQUEST", "top_k"},
		{"query_top_k_big", "/query", map[string]any{"vector": good, "top_k": 1001}, 400, "INVALID_REQUEST", "top_k"},
		{"query_bad_op", "/query", map[string]any{"vector": good, "filter": map[string]any{"a": map[string]any{"$regex": "x"}}}, 400, "INVALID_REQUEST", "filter.a.$regex"},
		{"query_bad_operand", "/query", map[string]any{"vector": good, "filter": map[string]any{"$and": []any{map[string]any{"a": map[string]any{"$in": "x"}}}}}, 400, "INVALID_REQUEST", "filter.$and[0].a.$in"},
		{"query_filter_not_object", "/query", map[string]any{"vector": good, "filter": []int{1}}, 400, "INVALID_REQUEST", "filter"},
		{"delete_nothing", "/vectors/delete", map[string]any{}, 400, "INVALID_REQUEST", "ids"},
		{"delete_bad_filter", "/vectors/delete", map[string]any{"filter": map[string]any{"$or": []any{}}}, 400, "INVALID_REQUEST", "filter.$or"},
		{"text_missing", "/upsert-text", map[string]any{"documents": []any{map[string]any{"id": "a"}}}, 400, "INVALID_REQUEST", "documents[0].text"},
		{"text_huge", "/upsert-text", map[string]any{"documents": []any{map[string]any{"id": "a", "text": strings.Repeat("word ", 20001)}}}, 400, "INVALID_REQUEST", "documents[0].text"},
		{"text_no_docs", "/upsert-text", map[string]any{"documents": []any{}}, 400, "INVALID_REQUEST", "documents"},
		{"query_text_missing", "/query-text", map[string]any{"top_k": 3}, 400, "INVALID_REQUEST", "text"},
		{"batch_missing", "/batch-query-text", map[string]any{}, 400, "INVALID_REQUEST", "queries"},
		{"batch_empty_query", "/batch-query-text", map[string]any{"queries": []string{"ok", ""}}, 400, "INVALID_REQUEST", "queries[1]"},
		{"hybrid_weight", "/hybrid", map[string]any{"text": "x", "vector_weight": 1.5}, 400, "INVALID_REQUEST", "vector_weight"},
		{"hybrid_dim", "/hybrid", map[string]any{"text": "x", "vector": []float32{1}}, 400, "DIMENSION_MISMATCH", ""},
		{"hybrid_no_text", "/hybrid", map[string]any{"vector": good}, 400, "INVALID_REQUEST", "text"},
		{"fulltext_no_id", "/fulltext/index", map[string]any{"documents": []any{map[string]any{"text": "x"}}}, 400, "INVALID_REQUEST", "documents[0].id"},
		{"fulltext_search_no_query", "/fulltext/search", map[string]any{}, 400, "INVALID_REQUEST", "query"},
		{"fulltext_delete_no_ids", "/fulltext/delete", map[string]any{}, 400, "INVALID_REQUEST", "ids"},
	}
	for _, c := range cases {
		t.Run("case="+c.name, func(t *testing.T) {
			r := env.root("POST", p+c.path, c.body)
			wantError(t, r, c.status, c.code)
			if c.field != "" {
				if d := r.json(t)["details"]; d != "field: "+c.field {
					t.Fatalf("details = %v, want field: %s", d, c.field)
				}
			}
		})
	}
	t.Run("case=unknown_namespace", func(t *testing.T) {
		wantError(t, env.root("POST", "/v1/namespaces/nope/query", map[string]any{"vector": good}), 404, "NAMESPACE_NOT_FOUND")
	})
	t.Run("case=no_key", func(t *testing.T) {
		wantError(t, env.do("POST", p+"/query", "", map[string]any{"vector": good}), 401, "AUTHENTICATION_REQUIRED")
	})
}

func TestDocsPermissions(t *testing.T) {
	env := newEnv(t, nil)
	dim := docNS(t, env, "perm", 0)
	root, err := env.keys.Verify(context.Background(), testRootKey)
	if err != nil {
		t.Fatal(err)
	}
	reader, _, err := env.keys.Create(context.Background(), auth.CreateRequest{OrganizationID: root.OrganizationID, Name: "reader", Scope: auth.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	p := "/v1/namespaces/perm"
	v := basis(dim, 0, 1, 1, 0)
	mustOK(t, env.root("POST", p+"/vectors", map[string]any{"vectors": []any{map[string]any{"id": "a", "values": v}}}))
	for _, c := range []struct{ path string }{{"/vectors"}, {"/vectors/delete"}, {"/upsert-text"}, {"/fulltext/index"}, {"/fulltext/delete"}} {
		t.Run("route="+c.path, func(t *testing.T) {
			wantError(t, env.do("POST", p+c.path, reader, map[string]any{"ids": []string{"a"}}), 403, "INSUFFICIENT_SCOPE")
		})
	}
	rs := results(t, mustOK(t, env.do("POST", p+"/query", reader, map[string]any{"vector": v})))
	if ids(rs) != "a" {
		t.Fatalf("reader query = %s", ids(rs))
	}
}

func TestDocsText(t *testing.T) {
	env := newEnv(t, nil)
	docNS(t, env, "texts", 0)
	p := "/v1/namespaces/texts"
	docs := []any{
		map[string]any{"id": "cat", "text": "the cat sat on the mat", "metadata": map[string]any{"kind": "pet", "n": 1}},
		map[string]any{"id": "dog", "text": "dogs bark loudly at night", "metadata": map[string]any{"kind": "pet", "n": 2}},
		map[string]any{"id": "qc", "text": "quantum computing with superconducting qubits", "metadata": map[string]any{"kind": "physics", "n": 3}},
	}
	up := mustOK(t, env.root("POST", p+"/upsert-text", map[string]any{"documents": docs}))
	if up["upserted_count"] != float64(3) || up["tokens_processed"] != float64(16) || up["model"] == "" {
		t.Fatalf("upsert-text answer %v", up)
	}
	if _, ok := up["embedding_time_ms"].(float64); !ok {
		t.Fatalf("no embedding_time_ms in %v", up)
	}

	m := mustOK(t, env.root("POST", p+"/query-text", map[string]any{"text": "a cat on a mat", "top_k": 2, "include_text": true}))
	rs := results(t, m)
	if len(rs) != 2 || rs[0]["id"] != "cat" || rs[0]["text"] != "the cat sat on the mat" {
		t.Fatalf("query-text results %v", rs)
	}
	if md, _ := rs[0]["metadata"].(map[string]any); md["kind"] != "pet" {
		t.Fatalf("query-text metadata %v", rs[0])
	}
	for _, k := range []string{"model", "embedding_time_ms", "search_time_ms"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("query-text answer lacks %s: %v", k, m)
		}
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/query-text", map[string]any{"text": "a cat on a mat", "filter": map[string]any{"kind": "physics"}})))
	if ids(rs) != "qc" || rs[0]["text"] != nil {
		t.Fatalf("filtered query-text %v", rs)
	}

	m = mustOK(t, env.root("POST", p+"/batch-query-text", map[string]any{"queries": []string{"barking dogs", "qubits and quantum computers"}, "top_k": 1}))
	batch := m["results"].([]any)
	if len(batch) != 2 {
		t.Fatalf("batch results %v", batch)
	}
	for i, want := range []string{"dog", "qc"} {
		got := batch[i].([]any)
		if len(got) != 1 || got[0].(map[string]any)["id"] != want {
			t.Fatalf("batch[%d] = %v, want %s", i, got, want)
		}
	}

	rs = results(t, mustOK(t, env.root("POST", p+"/hybrid", map[string]any{"text": "superconducting qubits", "top_k": 3})))
	if len(rs) == 0 || rs[0]["id"] != "qc" {
		t.Fatalf("hybrid results %v", rs)
	}
	for _, r := range rs {
		vs, ok1 := r["vector_score"].(float64)
		ts, ok2 := r["text_score"].(float64)
		s := r["score"].(float64)
		if !ok1 || !ok2 || vs < 0 || vs > 1 || ts < 0 || ts > 1 || s < 0 || s > 1 {
			t.Fatalf("hybrid scores %v", r)
		}
	}
	if rs[0]["text_score"] != float64(1) {
		t.Fatalf("best text hit text_score = %v, want 1", rs[0]["text_score"])
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/hybrid", map[string]any{"text": "superconducting qubits", "filter": map[string]any{"n": map[string]any{"$lte": 2}}})))
	if len(rs) == 0 || strings.Contains(ids(rs), "qc") {
		t.Fatalf("filtered hybrid %v", rs)
	}

	// Full-text only documents.
	ix := mustOK(t, env.root("POST", p+"/fulltext/index", map[string]any{"documents": []any{
		map[string]any{"id": "z1", "text": "zebras graze on the savanna", "metadata": map[string]any{"kind": "animal"}},
		map[string]any{"id": "z2", "text": "a zebra crossing in town", "metadata": map[string]any{"kind": "road"}},
	}}))
	if ix["indexed_count"] != float64(2) {
		t.Fatalf("indexed_count %v", ix)
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/fulltext/search", map[string]any{"query": "zebra savanna"})))
	if len(rs) != 2 || rs[0]["id"] != "z1" || rs[0]["text"] != "zebras graze on the savanna" {
		t.Fatalf("fulltext search %v", rs)
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/fulltext/search", map[string]any{"query": "zebra", "filter": map[string]any{"kind": "road"}})))
	if ids(rs) != "z2" {
		t.Fatalf("filtered fulltext search %v", rs)
	}
	// Full-text only documents have no vector.
	rs = results(t, mustOK(t, env.root("POST", p+"/query-text", map[string]any{"text": "zebras graze on the savanna", "top_k": 10})))
	if strings.Contains(ids(rs), "z1") {
		t.Fatalf("full-text-only document in a vector query: %v", ids(rs))
	}
	del := mustOK(t, env.root("POST", p+"/fulltext/delete", map[string]any{"ids": []string{"z1", "nope"}}))
	if del["deleted_count"] != float64(1) {
		t.Fatalf("fulltext delete %v", del)
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/fulltext/search", map[string]any{"query": "zebra savanna"})))
	if ids(rs) != "z2" {
		t.Fatalf("after fulltext delete %v", ids(rs))
	}
}

// TestDocsZeroPadded checks that a namespace wider than the embedder gets
// zero-padded text embeddings.
func TestDocsZeroPadded(t *testing.T) {
	env := newEnv(t, nil)
	embDim := docNS(t, env, "probe", 0)
	if embDim >= 512 {
		t.Skipf("embedder has %d dimensions", embDim)
	}
	if got := docNS(t, env, "wide", 512); got != 512 {
		t.Fatalf("dimension = %d", got)
	}
	p := "/v1/namespaces/wide"
	mustOK(t, env.root("POST", p+"/upsert-text", map[string]any{"documents": []any{
		map[string]any{"id": "a", "text": "padded vectors for a wide namespace"},
		map[string]any{"id": "b", "text": "something else entirely about cooking pasta"},
	}}))
	q := make([]float32, 512)
	q[0] = 1
	rs := results(t, mustOK(t, env.root("POST", p+"/query", map[string]any{"vector": q, "include_values": true})))
	if len(rs) != 2 {
		t.Fatalf("results %v", rs)
	}
	for _, r := range rs {
		vs := r["values"].([]any)
		if len(vs) != 512 {
			t.Fatalf("values have %d dimensions", len(vs))
		}
		nonzero := false
		for i, x := range vs {
			if i >= embDim && x != float64(0) {
				t.Fatalf("values[%d] = %v beyond the embedder's %d dimensions", i, x, embDim)
			}
			nonzero = nonzero || x != float64(0)
		}
		if !nonzero {
			t.Fatal("all-zero embedding")
		}
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/query-text", map[string]any{"text": "cooking pasta"})))
	if len(rs) == 0 || rs[0]["id"] != "b" {
		t.Fatalf("query-text %v", rs)
	}
}

func TestDocsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	env := openEnv(t, dir, nil)
	dim := docNS(t, env, "keep", 0)
	p := "/v1/namespaces/keep"
	v := basis(dim, 3, 1, 4, 0.5)
	mustOK(t, env.root("POST", p+"/vectors", map[string]any{"vectors": []any{map[string]any{"id": "raw", "values": v, "metadata": map[string]any{"k": 1}}}}))
	mustOK(t, env.root("POST", p+"/upsert-text", map[string]any{"documents": []any{map[string]any{"id": "t", "text": "persistent lighthouse keeper", "metadata": map[string]any{"k": 2}}}}))
	mustOK(t, env.root("POST", p+"/fulltext/index", map[string]any{"documents": []any{map[string]any{"id": "f", "text": "lighthouse beacon only in text"}}}))
	mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": "keep", "content": "a memory beside the documents"}))
	env.close()

	env = openEnv(t, dir, nil)
	rs := results(t, mustOK(t, env.root("POST", p+"/query", map[string]any{"vector": v, "top_k": 1, "include_metadata": true, "include_values": true})))
	if ids(rs) != "raw" || rs[0]["metadata"].(map[string]any)["k"] != float64(1) || len(rs[0]["values"].([]any)) != dim {
		t.Fatalf("after restart query %v", rs)
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/fulltext/search", map[string]any{"query": "lighthouse"})))
	if got := ids(rs); got != "t,f" && got != "f,t" {
		t.Fatalf("after restart fulltext ids = %s", got)
	}
	rs = results(t, mustOK(t, env.root("POST", p+"/query-text", map[string]any{"text": "lighthouse keeper", "top_k": 1})))
	if ids(rs) != "t" {
		t.Fatalf("after restart query-text %v", ids(rs))
	}
	m := mustOK(t, env.root("POST", "/v1/memory/recall", map[string]any{"agent_id": "a", "namespace": "keep", "query": "memory beside"}))
	if ms, _ := m["memories"].([]any); len(ms) != 1 {
		t.Fatalf("memory recall after restart: %v", m)
	}
	// Deleting the namespace removes the documents' text index folder.
	mustOK(t, env.root("DELETE", "/v1/namespaces/keep", nil))
	entries, err := os.ReadDir(filepath.Join(dir, "text"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), "-docs") {
			t.Fatalf("documents index folder %s left after namespace delete", e.Name())
		}
	}
}

// TestDocsCanaryNeverOnDisk plants a canary in document ids, texts,
// metadata keys and values, filters and queries, and scans the data
// directory.
func TestDocsCanaryNeverOnDisk(t *testing.T) {
	const canary = "zqxdoccanary"
	env := newEnv(t, nil)
	dim := docNS(t, env, "dvault", 0)
	p := "/v1/namespaces/dvault"
	md := map[string]any{canary: canary, "k": "v-" + canary}
	var vecs, texts []any
	for i := range 20 {
		id := canary + "-" + string(rune('a'+i))
		vecs = append(vecs, map[string]any{"id": "v" + id, "values": basis(dim, i, 1, i+1, 0.5), "metadata": md})
		texts = append(texts, map[string]any{"id": "t" + id, "text": "the hidden word " + canary + " again " + canary, "metadata": md})
	}
	mustOK(t, env.root("POST", p+"/vectors", map[string]any{"vectors": vecs}))
	mustOK(t, env.root("POST", p+"/upsert-text", map[string]any{"documents": texts}))
	mustOK(t, env.root("POST", p+"/fulltext/index", map[string]any{"documents": []any{map[string]any{"id": "f" + canary, "text": canary + " only in text", "metadata": md}}}))
	f := map[string]any{canary: canary}
	mustOK(t, env.root("POST", p+"/query-text", map[string]any{"text": canary, "filter": f}))
	mustOK(t, env.root("POST", p+"/hybrid", map[string]any{"text": canary, "filter": f}))
	rs := results(t, mustOK(t, env.root("POST", p+"/fulltext/search", map[string]any{"query": canary, "filter": f})))
	if len(rs) < 2 {
		t.Fatalf("canary search found %d documents", len(rs))
	}
	mustOK(t, env.root("POST", p+"/vectors/delete", map[string]any{"ids": []string{"v" + canary + "-a"}}))
	env.close()

	needles := [][]byte{[]byte(canary), []byte("zqxdoc"), []byte("doccanary")}
	files := 0
	err := filepath.WalkDir(env.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(bytes.ToLower(b), n) {
				t.Errorf("%s contains %q in plaintext", path, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Fatalf("only %d files scanned", files)
	}
	if _, err := os.Stat(filepath.Join(env.dir, "text")); err != nil {
		t.Fatal(err)
	}
}
