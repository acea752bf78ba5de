package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestModelExtractionOverHTTP configures an extraction model (a local
// server answering like an OpenAI chat endpoint), stores a memory, follows
// GET /extraction until the answer is merged, finds the model's relation
// with the memory as source, and forgets it again.
func TestModelExtractionOverHTTP(t *testing.T) {
	var calls atomic.Int32
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer model-secret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		calls.Add(1)
		content := `{"entities":[{"name":"Zorblax Industries","type":"organization"},{"name":"Maria Lopez","type":"person"}],
"relations":[{"subject":"Maria Lopez","predicate":"works_at","object":"Zorblax Industries","valid_from":null}]}`
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{
			"finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}}})
	}))
	defer fake.Close()
	env := newEnv(t, nil)
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "kg"}))
	for _, tc := range []struct {
		name, field string
		model       map[string]any
	}{
		{"provider=bad", "extraction_model.provider", map[string]any{"provider": "gpt", "base_url": fake.URL, "model": "m"}},
		{"base_url=bad", "extraction_model.base_url", map[string]any{"provider": "openai", "base_url": "file:///etc", "model": "m"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.root("PATCH", "/v1/namespaces/kg/config", map[string]any{"extraction_model": tc.model})
			if r.status != http.StatusBadRequest || r.code(t) != "INVALID_REQUEST" || !strings.Contains(string(r.body), tc.field) {
				t.Fatalf("status %d body %s, want 400 naming %s", r.status, r.body, tc.field)
			}
		})
	}
	r := env.root("PATCH", "/v1/namespaces/kg/config", map[string]any{"extraction_model": map[string]any{
		"provider": "openai", "base_url": fake.URL, "model": "gpt-test", "api_key": "model-secret"}})
	mustOK(t, r)
	for _, r := range []resp{r, env.root("GET", "/v1/namespaces/kg/config", nil)} {
		if strings.Contains(string(r.body), "model-secret") || !strings.Contains(string(r.body), `"api_key_set":true`) {
			t.Fatalf("config answer = %s", r.body)
		}
	}
	m := mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": "kg",
		"content": "Zorblax Industries hired Maria Lopez last year."}))
	id := m["memory"].(map[string]any)["id"].(string)
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var st map[string]any
	for {
		st = mustOK(t, env.root("GET", "/v1/namespaces/kg/extraction", nil))
		if st["processed"] == float64(1) || st["failed"] != float64(0) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("extraction never finished: %v", st)
		}
		<-tick.C
	}
	if st["configured"] != true || st["model"] != "openai:gpt-test" || st["processed"] != float64(1) || calls.Load() != 1 {
		t.Fatalf("status = %v after %d calls", st, calls.Load())
	}
	// /metrics counts the merge in the namespace's bucket, never by name.
	fams, text := scrape(t, env)
	for name, want := range map[string]float64{"engram_extraction_merged_total": 1, "engram_extraction_failed_total": 0,
		"engram_extraction_dropped_total": 0, "engram_extraction_queued": 0} {
		if got, ok := metricValue(fams, name, nil); !ok || got != want {
			t.Errorf("%s = %v (found %v), want %v", name, got, ok, want)
		}
	}
	nonzero := 0
	for _, m := range fams["engram_extraction_merged_total"].GetMetric() {
		if l := m.GetLabel(); len(l) != 1 || l[0].GetName() != "bucket" {
			t.Errorf("engram_extraction_merged_total labels = %v, want the bucket only", l)
		}
		if m.GetCounter().GetValue() != 0 {
			nonzero++
		}
	}
	if nonzero != 1 || strings.Contains(text, "gpt-test") {
		t.Errorf("engram_extraction_merged_total: %d nonzero buckets (want 1); model named: %v", nonzero, strings.Contains(text, "gpt-test"))
	}
	rels := mustOK(t, env.root("GET", "/v1/namespaces/kg/relations?relation=works_at", nil))["relations"].([]any)
	if len(rels) != 1 || !strings.Contains(mustJSON(rels[0]), id) {
		t.Fatalf("works_at relations = %v, want one sourced from %s", rels, id)
	}
	mustOK(t, env.root("POST", "/v1/memory/forget", map[string]any{"agent_id": "a", "namespace": "kg", "memory_ids": []string{id}}))
	rels = mustOK(t, env.root("GET", "/v1/namespaces/kg/relations?relation=works_at", nil))["relations"].([]any)
	if len(rels) != 0 {
		t.Fatalf("works_at after forget = %v", rels)
	}
}
