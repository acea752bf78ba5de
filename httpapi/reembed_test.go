package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReembedOverHTTP configures a namespace embedder (a local server
// speaking Ollama's /api/embed), follows the re-embedding to its end and
// checks the key never comes back.
func TestReembedOverHTTP(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		seen = append(seen, req.Input...)
		mu.Unlock()
		out := make([][]float32, len(req.Input))
		for i, s := range req.Input {
			v := make([]float32, 16)
			v[len(s)%16] = 1
			out[i] = v
		}
		json.NewEncoder(w).Encode(map[string]any{"embeddings": out})
	}))
	defer fake.Close()
	env := newEnv(t, nil)
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "emb"}))
	for i := range 5 {
		mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": "emb", "content": fmt.Sprintf("note number %d", i)}))
	}
	for _, tc := range []struct {
		name, code, field string
		embedder          map[string]any
	}{
		{"kind=bad", "INVALID_REQUEST", "embedder.kind", map[string]any{"kind": "bert"}},
		{"dimension=missing", "INVALID_REQUEST", "embedder.dimension", map[string]any{"kind": "ollama", "base_url": fake.URL, "model": "m"}},
		{"dimension=wide", "DIMENSION_MISMATCH", "", map[string]any{"kind": "ollama", "base_url": fake.URL, "model": "m", "dimension": 4096}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.root("PATCH", "/v1/namespaces/emb/config", map[string]any{"embedder": tc.embedder})
			if r.status != http.StatusBadRequest || r.code(t) != tc.code || !strings.Contains(string(r.body), tc.field) {
				t.Fatalf("status %d body %s, want 400 %s naming %q", r.status, r.body, tc.code, tc.field)
			}
		})
	}
	r := env.root("PATCH", "/v1/namespaces/emb/config", map[string]any{"embedder": map[string]any{
		"kind": "ollama", "base_url": fake.URL, "model": "fake", "dimension": 16, "api_key": "top-secret-key"}})
	mustOK(t, r)
	r = env.root("GET", "/v1/namespaces/emb/config", nil)
	mustOK(t, r)
	if strings.Contains(string(r.body), "top-secret-key") || !strings.Contains(string(r.body), `"api_key_set":true`) {
		t.Fatalf("config = %s", r.body)
	}
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var st map[string]any
	for {
		r := env.root("GET", "/v1/namespaces/emb/reembed", nil)
		mustOK(t, r)
		st = r.json(t)
		if st["status"] != "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("re-embedding never ended: %v", st)
		}
		<-tick.C
	}
	if st["status"] != "idle" || st["embedder"] != "ollama:fake" || st["done"] != float64(5) || st["total"] != float64(5) {
		t.Fatalf("status = %v", st)
	}
	mu.Lock()
	n := len(seen)
	mu.Unlock()
	if n != 5 {
		t.Fatalf("provider embedded %d texts, want 5", n)
	}
}
