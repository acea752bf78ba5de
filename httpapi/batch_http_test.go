package httpapi_test

import (
	"strings"
	"testing"
)

// TestBatchStoreTooManyItems sends MaxBatch+1 items and an array of
// 300,000 (4.8 MB, under the body limit): both answer the too-many-items
// 400 and store nothing.
func TestBatchStoreTooManyItems(t *testing.T) {
	env := newFastEnv(t, nil)
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "big"}))
	for _, tc := range []struct {
		name string
		n    int
	}{{"n=1001", 1001}, {"n=300000", 300_000}} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"agent_id":"a","namespace":"big","memories":[` +
				strings.TrimSuffix(strings.Repeat(`{"content":"x"},`, tc.n), ",") + `]}`
			r := env.root("POST", "/v1/memories/store/batch", body)
			wantError(t, r, 400, "INVALID_REQUEST")
			m := r.json(t)
			if m["error"] != "invalid memories: must hold at most 1000 memories" || m["details"] != "field: memories" {
				t.Fatalf("error body = %s", r.body)
			}
			info := mustOK(t, env.root("GET", "/v1/namespaces/big", nil))
			if info["memory_count"] != 0.0 {
				t.Fatalf("memory_count = %v after a refused batch", info["memory_count"])
			}
		})
	}
	// The forget and importance routes bound memory_ids the same way.
	ids := `["` + strings.Repeat(`m","`, 300_000) + `m"]`
	for _, path := range []string{"/v1/memory/forget", "/v1/memory/importance"} {
		r := env.root("POST", path, `{"namespace":"big","importance":0.5,"memory_ids":`+ids+`}`)
		wantError(t, r, 400, "INVALID_REQUEST")
		if m := r.json(t); m["details"] != "field: memory_ids" {
			t.Fatalf("%s: error body = %s", path, r.body)
		}
	}
}

// TestDocBatchesTooManyItems: the namespace-document batches (vectors,
// documents, queries, ids) stop decoding at item 1001 with the 400 that
// names the field, and a refused upsert writes nothing. Each array ends in
// a mistyped item: decoding the whole array would answer its type error
// instead, so the test fails unless decoding stops at the limit.
func TestDocBatchesTooManyItems(t *testing.T) {
	env := newFastEnv(t, nil)
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "docs"}))
	many := func(item string, n int) string {
		return "[" + strings.Repeat(item+",", n) + `{"id":7}]`
	}
	for _, tc := range []struct {
		path, field, body, reason string
	}{
		{"/v1/namespaces/docs/vectors", "vectors", `{"vectors":` + many(`{"id":"v","values":[1,0]}`, 1001) + `}`, "at most 1000 items per request"},
		{"/v1/namespaces/docs/upsert-text", "documents", `{"documents":` + many(`{"id":"d","text":"x"}`, 300_000) + `}`, "at most 1000 items per request"},
		{"/v1/namespaces/docs/fulltext/index", "documents", `{"documents":` + many(`{"id":"d","text":"x"}`, 1001) + `}`, "at most 1000 items per request"},
		{"/v1/namespaces/docs/batch-query-text", "queries", `{"queries":` + strings.Replace(many(`"q"`, 300_000), `{"id":7}`, `7`, 1) + `}`, "at most 1000 queries per request"},
		{"/v1/namespaces/docs/vectors/delete", "ids", `{"ids":` + strings.Replace(many(`"v"`, 1001), `{"id":7}`, `7`, 1) + `}`, "at most 1000 ids per request"},
		{"/v1/namespaces/docs/fulltext/delete", "ids", `{"ids":` + strings.Replace(many(`"d"`, 300_000), `{"id":7}`, `7`, 1) + `}`, "at most 1000 ids per request"},
	} {
		t.Run("path="+tc.path, func(t *testing.T) {
			r := env.root("POST", tc.path, tc.body)
			wantError(t, r, 400, "INVALID_REQUEST")
			if m := r.json(t); m["error"] != "invalid "+tc.field+": "+tc.reason || m["details"] != "field: "+tc.field {
				t.Fatalf("error body = %s", r.body)
			}
		})
	}
	if info := mustOK(t, env.root("GET", "/v1/namespaces/docs", nil)); info["vector_count"] != 0.0 {
		t.Fatalf("vector_count = %v after refused upserts", info["vector_count"])
	}
}
