package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/engramhq/engram/memory"
)

// exportLines returns the memory lines of an export answer.
func exportLines(tb testing.TB, r resp) []map[string]any {
	tb.Helper()
	if r.status != http.StatusOK {
		tb.Fatalf("export status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/x-ndjson" {
		tb.Fatalf("export content type %q", ct)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			tb.Fatalf("line %q: %v", sc.Text(), err)
		}
		if m["kind"] == "memory" {
			out = append(out, m)
		}
	}
	return out
}

func TestExportImportHTTP(t *testing.T) {
	env := newEnv(t, nil)
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "src"}))
	for i := range 3 {
		mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"namespace": "src", "agent_id": "bot",
			"content": fmt.Sprintf("memory %d about sailing", i), "created_at": 1_700_000_000 + i}))
	}
	for _, tc := range []struct {
		query string
		emb   bool
	}{{"", false}, {"?embeddings=true", true}} {
		t.Run("embeddings="+fmt.Sprint(tc.emb), func(t *testing.T) {
			lines := exportLines(t, env.root("GET", "/v1/namespaces/src/export"+tc.query, nil))
			if len(lines) != 3 {
				t.Fatalf("%d lines, want 3", len(lines))
			}
			for i, l := range lines {
				_, has := l["embedding"]
				if l["kind"] != "memory" || has != tc.emb || l["created_at"].(float64) != float64(1_700_000_000+i) {
					t.Fatalf("line %d = %v", i, l)
				}
			}
		})
	}
	body := env.root("GET", "/v1/namespaces/src/export", nil).body
	// Ids are server-wide: importing into another namespace of the same
	// server fails per line; a fresh server takes them.
	got := mustOK(t, env.do("POST", "/v1/namespaces/copy/import", testRootKey, body))
	if got["imported"].(float64) != 0 || got["errors"].(float64) != 3 {
		t.Fatalf("same-server import = %v", got)
	}
	env2 := newEnv(t, nil)
	nLines := bytes.Count(body, []byte("\n"))
	bad := string(body) + "{not json}\n" + `{"kind":"entity","id":"ent_1"}` + "\n\n"
	got = mustOK(t, env2.do("POST", "/v1/namespaces/copy/import", testRootKey, bad))
	if got["imported"].(float64) != 3 || got["skipped"].(float64) != float64(nLines-3+1) || got["errors"].(float64) != 1 {
		t.Fatalf("first import of %d lines = %v", nLines, got)
	}
	if f := got["failures"].([]any); len(f) != 1 || f[0].(map[string]any)["line"].(float64) != float64(nLines+1) {
		t.Fatalf("failures = %v", f)
	}
	got = mustOK(t, env2.do("POST", "/v1/namespaces/copy/import", testRootKey, body))
	if got["imported"].(float64) != 0 || got["skipped"].(float64) != float64(nLines) || got["errors"].(float64) != 0 {
		t.Fatalf("re-import = %v", got)
	}
	lines := exportLines(t, env2.root("GET", "/v1/namespaces/copy/export", nil))
	if len(lines) != 3 || lines[0]["created_at"].(float64) != 1_700_000_000 || lines[0]["namespace"] != "copy" {
		t.Fatalf("exported copy = %v", lines)
	}
	rec := mustOK(t, env2.root("POST", "/v1/memory/recall", map[string]any{"namespace": "copy", "query": "sailing"}))
	if len(rec["memories"].([]any)) == 0 {
		t.Fatalf("recall after import found nothing")
	}
}

func TestExportImportAccess(t *testing.T) {
	env := newEnv(t, nil)
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "src"}))
	wantError(t, env.root("GET", "/v1/namespaces/nope/export", nil), http.StatusNotFound, "NAMESPACE_NOT_FOUND")
	wantError(t, env.do("GET", "/v1/namespaces/src/export", "", nil), http.StatusUnauthorized, "AUTHENTICATION_REQUIRED")
	wantError(t, env.root("GET", "/v1/namespaces/src/export?embeddings=maybe", nil), http.StatusBadRequest, "INVALID_REQUEST")
	long := `{"content":"` + strings.Repeat("a", 5<<20) + `"}`
	wantError(t, env.do("POST", "/v1/namespaces/src/import", testRootKey, long), http.StatusBadRequest, "INVALID_REQUEST")
}

func TestExportImportGraphHTTP(t *testing.T) {
	env := newEnv(t, nil)
	mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"namespace": "g", "agent_id": "bot",
		"content": "Marie Curie worked at the University of Paris."}))
	from := int64(1_000_000_000)
	if _, err := engineOf(t, env, "g").AddRelation(context.Background(), memory.RelationInput{Source: "Marie Curie", Target: "Radium", Relation: "discovered", ValidFrom: &from}); err != nil {
		t.Fatal(err)
	}
	body := env.root("GET", "/v1/namespaces/g/export", nil).body
	kinds := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var l struct {
			Kind string `json:"kind"`
			K    *int64 `json:"k"`
		}
		json.Unmarshal(sc.Bytes(), &l)
		if l.K != nil {
			t.Fatalf("an internal key leaked into the export: %s", sc.Text())
		}
		kinds[l.Kind]++
	}
	if kinds["memory"] != 1 || kinds["entity"] < 2 || kinds["relation"] < 1 {
		t.Fatalf("export kinds = %v", kinds)
	}
	env2 := newEnv(t, nil)
	for i := range 2 {
		got := mustOK(t, env2.do("POST", "/v1/namespaces/g/import", testRootKey, body))
		if got["errors"].(float64) != 0 {
			t.Fatalf("import %d = %v", i, got)
		}
	}
	rels, err := engineOf(t, env2, "g").Relations("Radium", "discovered", nil)
	if err != nil || len(rels) != 1 || rels[0].ValidFrom != from {
		t.Fatalf("after two imports: %+v, %v; want one discovered relation", rels, err)
	}
}

// engineOf opens a namespace of the root key's organization.
func engineOf(tb testing.TB, env *testEnv, ns string) *memory.Engine {
	tb.Helper()
	ctx := context.Background()
	k, err := env.keys.Verify(ctx, testRootKey)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := env.store.Engine(ctx, k.OrganizationID, ns)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}
