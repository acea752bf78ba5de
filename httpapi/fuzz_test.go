package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/engramhq/engram/httpapi"
)

// fuzzRoute is one JSON route FuzzRequestBodies sends every input to, with
// a valid body as its seed. ID in a path is replaced by a stored memory's
// id, ID2 by another's.
type fuzzRoute struct {
	method, path, seed string
}

// fuzzRoutes are the routes that decode a request body. Webhook creation
// is left out: a fuzzed webhook would make the server deliver events to
// arbitrary URLs.
var fuzzRoutes = []fuzzRoute{
	{"POST", "/v1/memory/store", `{"agent_id":"fz","namespace":"fz","content":"Alice Moreau joined Acme Corp in Lyon","tags":["t"],"metadata":{"k":1},"importance":0.5}`},
	{"POST", "/v1/memories/store/batch", `{"agent_id":"fz","namespace":"fz","memories":[{"agent_id":"fz","content":"Bob Stone left Globex in Paris"},{"content":"tea"}]}`},
	{"POST", "/v1/memory/recall", `{"agent_id":"fz","namespace":"fz","query":"Alice Moreau","top_k":5,"routing":"hybrid","since":"2020-01-01T00:00:00Z","include_associated":true}`},
	{"POST", "/v1/memory/search", `{"agent_id":"fz","namespace":"fz","query":"tea","tags":["t"],"min_importance":0.1}`},
	{"POST", "/v1/memories/recall/batch", `{"agent_id":"fz","namespace":"fz","filter":{"tags":["t"]},"limit":10}`},
	{"PUT", "/v1/memory/update/ID", `{"content":"Alice Moreau moved to Paris","tags":["u"],"metadata":{"v":2}}`},
	{"POST", "/v1/memory/importance", `{"agent_id":"fz","memory_ids":["ID"],"importance":0.9}`},
	{"POST", "/v1/memory/forget", `{"agent_id":"fz","namespace":"fz","memory_ids":["mem_000000000000000000000000"]}`},
	{"POST", "/v1/memories/forget/batch", `{"agent_id":"fz","namespace":"fz","filter":{"tags":["no-such-tag"]}}`},
	{"POST", "/v1/memories/ID/feedback", `{"signal":"upvote"}`},
	{"POST", "/v1/memory/consolidate", `{"agent_id":"fz","namespace":"fz","threshold":0.95,"dry_run":true}`},
	{"POST", "/v1/namespaces", `{"name":"fz2","dimension":8,"distance":"cosine","metadata":{"a":1}}`},
	{"PUT", "/v1/namespaces/fz", `{"description":"fuzzed","metadata":{"b":2}}`},
	{"PATCH", "/v1/namespaces/fz/memory_policy", `{"max_memories":100000,"dedup_on_store":false}`},
	{"PATCH", "/v1/namespaces/fz/config", `{"description":"x"}`},
	{"POST", "/v1/sessions/start", `{"agent_id":"fz","namespace":"fz","metadata":{"s":1},"idle_timeout_secs":60}`},
	{"POST", "/admin/keys", `{"name":"k","scope":"read","namespaces":["fz","team-*"],"rate_limit":{"per_second":10,"burst":10}}`},
	{"POST", "/v1/namespaces/fz/keys", `{"name":"k","scope":"write","expires_in_days":1}`},
	{"POST", "/v1/namespaces/fzd/vectors", `{"vectors":[{"id":"v1","values":[0.1,0.2,0.3],"metadata":{"m":"x"}}]}`},
	{"POST", "/v1/namespaces/fzd/query", `{"vector":[0.1,0.2,0.3],"top_k":3,"filter":{"m":{"$eq":"x"}},"include_metadata":true}`},
	{"POST", "/v1/namespaces/fzd/vectors/delete", `{"ids":["nope"],"filter":{"m":{"$in":["y"]}}}`},
	{"POST", "/v1/namespaces/fzt/upsert-text", `{"documents":[{"id":"d1","text":"Carol Diaz visited Initech","metadata":{"n":1}}]}`},
	{"POST", "/v1/namespaces/fzt/query-text", `{"text":"Carol","top_k":3,"include_text":true,"filter":{"n":{"$gte":1}}}`},
	{"POST", "/v1/namespaces/fzt/batch-query-text", `{"queries":["Carol","Initech"],"top_k":2}`},
	{"POST", "/v1/namespaces/fzt/hybrid", `{"text":"Carol","top_k":3,"vector_weight":0.5}`},
	{"POST", "/v1/namespaces/fzt/fulltext/index", `{"documents":[{"id":"f1","text":"full text words"}]}`},
	{"POST", "/v1/namespaces/fzt/fulltext/search", `{"query":"words","top_k":3,"filter":{"$or":[{"n":1},{"n":{"$ne":2}}]}}`},
	{"POST", "/v1/namespaces/fzt/fulltext/delete", `{"ids":["nope"]}`},
	{"POST", "/v1/memories/extract", `{"content":"Alice Moreau joined Acme Corp in Lyon","entity_types":["person","organization"]}`},
	{"POST", "/v1/memories/ID/links", `{"target_id":"ID2","edge_type":"linked_by","agent_id":"fz"}`},
	{"POST", "/v1/knowledge/graph", `{"agent_id":"fz","namespace":"fz","memory_id":"ID","depth":2,"min_similarity":0.5}`},
	{"POST", "/v1/namespaces/fz/relations", `{"source":"Alice Moreau","target":"Acme Corp","relation":"works at","valid_from":"2024-01-01T00:00:00Z","weight":1}`},
	{"POST", "/v1/namespaces/fz/graph/traverse", `{"start":["Alice Moreau","Acme Corp"],"depth":2,"relations":["works_at"],"as_of":1700000000,"limit":50}`},
	{"POST", "/v1/namespaces/fz/import", `{"kind":"memory","id":"imp-1","agent_id":"fz","content":"Dan Li joined Umbrella in Oslo"}` + "\n" +
		`{"kind":"relation","source_name":"Dan Li","target_name":"Umbrella","relation":"works at","source_memory_ids":["manual"]}` + "\n"},
}

// fuzzServer is the server every input of FuzzRequestBodies goes to: a
// real Store on a temporary directory, one per fuzzing process.
type fuzzServer struct {
	h       http.Handler
	id, id2 string
	logs    *lockedBuffer
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	return s[max(0, len(s)-n):]
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	logs := &lockedBuffer{}
	env := newFastEnv(tb, &httpapi.Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError}))})
	fs := &fuzzServer{h: env.api.Handler(), logs: logs}
	for i, p := range []*string{&fs.id, &fs.id2} {
		st, out := fs.send("POST", "/v1/memory/store", []byte(fmt.Sprintf(`{"agent_id":"fz","namespace":"fz","content":"Erin Wu %d works for Hooli in Berlin"}`, i)))
		var r struct {
			Memory struct {
				ID string `json:"id"`
			} `json:"memory"`
		}
		if st != http.StatusOK || json.Unmarshal(out, &r) != nil || r.Memory.ID == "" {
			tb.Fatalf("store: %d %s", st, out)
		}
		*p = r.Memory.ID
	}
	for _, ns := range []string{"fzd", "fzt"} {
		dim := 3
		if ns == "fzt" {
			dim = 0
		}
		body := fmt.Sprintf(`{"name":%q}`, ns)
		if dim > 0 {
			body = fmt.Sprintf(`{"name":%q,"dimension":%d}`, ns, dim)
		}
		if st, out := fs.send("POST", "/v1/namespaces", []byte(body)); st >= 300 {
			tb.Fatalf("create namespace %s: %d %s", ns, st, out)
		}
	}
	return fs
}

// expand replaces the placeholders ID2 and ID with the stored memories' ids.
func (fs *fuzzServer) expand(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "ID2", fs.id2), "ID", fs.id)
}

// send serves one request in process with the root key.
func (fs *fuzzServer) send(method, path string, body []byte) (int, []byte) {
	req := httptest.NewRequest(method, fs.expand(path), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testRootKey)
	rec := httptest.NewRecorder()
	fs.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// FuzzRequestBodies sends each input, as the body, to every route of
// fuzzRoutes on a real server: no answer may be 5xx (a handler panic is
// recovered into a 500, so a panic fails too).
func FuzzRequestBodies(f *testing.F) {
	fs := newFuzzServer(f)
	for _, r := range fuzzRoutes {
		f.Add([]byte(fs.expand(r.seed)))
	}
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"agent_id":`, `{"namespace":"../etc","agent_id":"fz","content":"x"}`,
		"{\"agent_id\":\"fz\",\"namespace\":\"fz\",\"content\":\"bad \xff\"}",
		`{"agent_id":"fz","namespace":"fz","query":"q","top_k":1e309}`,
		`{"agent_id":"fz","namespace":"fz","content":"x","metadata":{"a":[[[[[[[[[[]]]]]]]]]]}}`,
		`{"agent_id":"fz","namespace":"fz","memories":[{},{},{}]}`,
		`{"vectors":[{"id":"v","values":[1e39,-1e39,0]}]}`, `{"vector":[],"top_k":-1}`,
		`{"start":[""],"depth":-1}`, `{"filter":{"$and":[{"$or":[]}]}}`, `{"x":1}{"y":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, r := range fuzzRoutes {
			if st, out := fs.send(r.method, r.path, body); st >= 500 {
				t.Fatalf("%s %s answered %d: %s\nbody %q\nserver log: %s", r.method, r.path, st, out, body, fs.logs.tail(2000))
			}
		}
	})
}

// TestFuzzRouteSeeds checks that every seed of FuzzRequestBodies is a
// valid body of its route (answered 2xx), so the fuzzer starts from
// requests that reach the handlers' work, not only their decoders.
func TestFuzzRouteSeeds(t *testing.T) {
	fs := newFuzzServer(t)
	for _, r := range fuzzRoutes {
		t.Run("route="+r.method+" "+r.path, func(t *testing.T) {
			if st, out := fs.send(r.method, r.path, []byte(fs.expand(r.seed))); st < 200 || st >= 300 {
				t.Errorf("seed answered %d: %s", st, out)
			}
		})
	}
}
