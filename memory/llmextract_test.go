package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/graph/llm"
)

// fakeModel answers like an OpenAI-compatible or Ollama chat endpoint:
// the content for a user message is answers[text] (an empty graph when
// absent), wrapped in the provider's envelope, unless mode says otherwise.
type fakeModel struct {
	*httptest.Server
	provider string
	mu       sync.Mutex
	mode     string // "", "not-json", "wrong-schema", "500", "slow", "block"
	answers  map[string]string
	auth     []string
	started  chan struct{} // receives once per request in mode "block"
	release  chan struct{}
}

func newFakeModel(t *testing.T, provider string) *fakeModel {
	f := &fakeModel{provider: provider, answers: map[string]string{},
		started: make(chan struct{}, 16), release: make(chan struct{})}
	path := "/v1/chat/completions"
	if provider == llm.ProviderOllama {
		path = "/api/chat"
	}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
			Format         json.RawMessage `json:"format"`
			ResponseFormat json.RawMessage `json:"response_format"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) != 2 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		mode, content := f.mode, f.answers[req.Messages[1].Content]
		f.mu.Unlock()
		if content == "" {
			content = `{"entities":[],"relations":[]}`
		}
		switch mode {
		case "not-json":
			content = "Maria Lopez works at Zorblax, I think."
		case "wrong-schema":
			content = `{"people":[{"who":"Maria Lopez"}]}`
		case "500":
			http.Error(w, "model exploded", http.StatusInternalServerError)
			return
		case "slow":
			<-r.Context().Done()
			return
		case "block":
			f.started <- struct{}{}
			select {
			case <-f.release:
			case <-r.Context().Done():
				return
			}
		}
		var body any
		if provider == llm.ProviderOllama {
			body = map[string]any{"done": true, "message": map[string]any{"role": "assistant", "content": content}}
		} else {
			body = map[string]any{"choices": []any{map[string]any{"finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": content}}}}
		}
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeModel) set(mode string, answers map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = mode
	for k, v := range answers {
		f.answers[k] = v
	}
}

func fastModels(t *testing.T) {
	llmConfigHook = func(c *llm.Config) {
		c.MaxRetries, c.MinBackoff, c.Timeout = -1, time.Millisecond, 300*time.Millisecond
	}
	t.Cleanup(func() { llmConfigHook = nil })
}

func modelPatch(f *fakeModel, key string) []byte {
	m := map[string]any{"provider": f.provider, "base_url": f.URL, "model": "test-model"}
	if key != "" {
		m["api_key"] = key
	}
	b, _ := json.Marshal(map[string]any{"extraction_model": m})
	return b
}

// waitExtraction polls the status until done says so, with a deadline.
func waitExtraction(t *testing.T, e *Engine, done func(ExtractionStatus) bool) ExtractionStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		st := e.ExtractionStatus()
		if done(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("extraction status never reached the wanted state; last %+v", st)
		}
		<-tick.C
	}
}

func settled(n int64) func(ExtractionStatus) bool {
	return func(st ExtractionStatus) bool {
		return st.Processed+st.Failed+st.Skipped >= n && st.Queued == 0 && !st.Running
	}
}

const (
	hireText   = "Zorblax Industries hired Maria Lopez in 2019."
	hireAnswer = `{"entities":[{"name":"Zorblax Industries","type":"organization"},{"name":"Maria Lopez","type":"person"},{"name":"Ada","type":"person"}],
"relations":[{"subject":"Maria Lopez","predicate":"works_at","object":"Zorblax Industries","valid_from":"2019-01-01"}]}`
)

func openModelNS(t *testing.T, dir string, f *fakeModel, key string) (*Store, *Engine) {
	t.Helper()
	ctx := context.Background()
	s := openTest(t, dir, nil)
	e, err := s.EnsureNamespace(ctx, "org", "kg", true)
	if err != nil {
		t.Fatal(err)
	}
	if f != nil {
		if _, err := s.UpdateConfig(ctx, "org", "kg", modelPatch(f, key)); err != nil {
			t.Fatal(err)
		}
	}
	return s, e
}

func worksAt(t *testing.T, e *Engine) []Relation {
	t.Helper()
	rels, err := e.Relations("", "works_at", nil) // every row, orphans included
	if err != nil {
		t.Fatal(err)
	}
	return rels
}

func TestModelExtractionMergesAndForgetRemoves(t *testing.T) {
	for _, provider := range []string{llm.ProviderOpenAI, llm.ProviderOllama} {
		t.Run("provider="+provider, func(t *testing.T) {
			fastModels(t)
			ctx := context.Background()
			f := newFakeModel(t, provider)
			f.set("", map[string]string{hireText: hireAnswer})
			dir := t.TempDir()
			s, e := openModelNS(t, dir, f, "sk-test-secret")
			cfg, err := s.Config("org", "kg")
			if err != nil || cfg.ExtractionModel == nil || !cfg.ExtractionModel.APIKeySet || cfg.ExtractionModel.APIKey != "" {
				t.Fatalf("config = %+v, %v; want api_key_set and no key", cfg.ExtractionModel, err)
			}
			if b, _ := json.Marshal(cfg); strings.Contains(string(b), "sk-test-secret") {
				t.Fatalf("config answer leaks the key: %s", b)
			}
			m, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: hireText})
			if err != nil {
				t.Fatal(err)
			}
			if got := worksAt(t, e); len(got) != 0 {
				t.Fatalf("rules alone found works_at: %+v", got)
			}
			st := waitExtraction(t, e, settled(1))
			if st.Processed != 1 || st.Failed != 0 || st.RelationsAdded != 1 || st.ItemsRejected != 1 || !st.Configured {
				t.Fatalf("status = %+v", st)
			}
			rels := worksAt(t, e)
			if len(rels) != 1 || !contains(rels[0].SourceMemoryIDs, m.ID) || rels[0].Support != 1 ||
				rels[0].ValidFrom != time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Unix() {
				t.Fatalf("works_at = %+v, want one from %s valid from 2019", rels, m.ID)
			}
			if ents, _ := e.Entities("ada", "", 10); len(ents) != 0 {
				t.Fatalf("invented entity merged: %+v", ents)
			}
			f.mu.Lock()
			auth := append([]string(nil), f.auth...)
			f.mu.Unlock()
			if len(auth) != 1 || auth[0] != "Bearer sk-test-secret" {
				t.Fatalf("authorization headers = %q", auth)
			}
			// The merge is durable: a restart sees it, and forget then
			// removes exactly the memory's support.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openTest(t, dir, nil)
			defer s.Close()
			e, err = s.Engine(ctx, "org", "kg")
			if err != nil {
				t.Fatal(err)
			}
			if rels := worksAt(t, e); len(rels) != 1 {
				t.Fatalf("works_at after restart = %+v", rels)
			}
			if n, err := e.Forget(ctx, Filter{IDs: []string{m.ID}, AgentID: "a"}); err != nil || n != 1 {
				t.Fatalf("forget = %d, %v", n, err)
			}
			if rels := worksAt(t, e); len(rels) != 0 {
				t.Fatalf("works_at after forget = %+v", rels)
			}
			if ents, _ := e.Entities("", "", 100); len(ents) != 0 {
				t.Fatalf("entities after forget = %+v", ents)
			}
		})
	}
}

func TestModelExtractionSupportCountingAndUpdate(t *testing.T) {
	fastModels(t)
	ctx := context.Background()
	f := newFakeModel(t, llm.ProviderOpenAI)
	other := "Maria Lopez got her badge from Zorblax Industries."
	f.set("", map[string]string{hireText: hireAnswer, other: hireAnswer})
	s, e := openModelNS(t, t.TempDir(), f, "")
	defer s.Close()
	m1, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: hireText})
	if err != nil {
		t.Fatal(err)
	}
	m2, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: other})
	if err != nil {
		t.Fatal(err)
	}
	waitExtraction(t, e, settled(2))
	rels := worksAt(t, e)
	if len(rels) != 1 || rels[0].Support != 2 {
		t.Fatalf("works_at = %+v, want one row supported twice", rels)
	}
	// An update re-extracts: the rules forget m1's old content, the model
	// is asked again about the new one (which states nothing).
	if _, err := e.Update(ctx, m1.ID, UpdateInput{Content: ptr("Nothing to see here today.")}); err != nil {
		t.Fatal(err)
	}
	waitExtraction(t, e, settled(3))
	rels = worksAt(t, e)
	if len(rels) != 1 || rels[0].Support != 1 || contains(rels[0].SourceMemoryIDs, m1.ID) {
		t.Fatalf("works_at after update = %+v, want only %s", rels, m2.ID)
	}
	if _, err := e.Forget(ctx, Filter{IDs: []string{m2.ID}, AgentID: "a"}); err != nil {
		t.Fatal(err)
	}
	if rels := worksAt(t, e); len(rels) != 0 {
		t.Fatalf("works_at after forgetting both = %+v", rels)
	}
}

func TestModelExtractionFailuresKeepRuleGraph(t *testing.T) {
	cases := []struct{ mode, wantErr string }{
		{"not-json", "bad model response"},
		{"wrong-schema", "bad model response"},
		{"500", "status 500"},
		{"slow", "timeout"},
		{"down", "unavailable"},
	}
	for _, tc := range cases {
		t.Run("mode="+tc.mode, func(t *testing.T) {
			fastModels(t)
			ctx := context.Background()
			f := newFakeModel(t, llm.ProviderOpenAI)
			f.set(tc.mode, map[string]string{hireText: hireAnswer})
			if tc.mode == "down" {
				f.Close() // connection refused
			}
			s, e := openModelNS(t, t.TempDir(), f, "sk-never-logged")
			defer s.Close()
			ctrl, err := s.EnsureNamespace(ctx, "org", "control", true)
			if err != nil {
				t.Fatal(err)
			}
			m, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: hireText})
			if err != nil {
				t.Fatalf("store failed because of the model: %v", err)
			}
			if _, _, err := ctrl.Store(ctx, StoreInput{AgentID: "a", Content: hireText}); err != nil {
				t.Fatal(err)
			}
			st := waitExtraction(t, e, settled(1))
			if st.Failed != 1 || st.Processed != 0 || st.LastErrorAt == nil || !strings.Contains(st.LastError, tc.wantErr) {
				t.Fatalf("status = %+v, want one failure with %q", st, tc.wantErr)
			}
			if strings.Contains(st.LastError, "Maria") || strings.Contains(st.LastError, "sk-never") {
				t.Fatalf("last error leaks content or key: %q", st.LastError)
			}
			if got := s.Metrics().Extraction[e.id.bucket()]; got != (ExtractionCounts{Failed: 1}) {
				t.Fatalf("metrics bucket = %+v, want one failure", got)
			}
			got, err := e.Get(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			gotEnts, _ := e.Entities("", "", 100)
			wantEnts, _ := ctrl.Entities("", "", 100)
			gotRels, _ := e.Relations("", "", nil)
			wantRels, _ := ctrl.Relations("", "", nil)
			if len(got.Entities) != 3 || len(gotEnts) != len(wantEnts) || len(gotRels) != len(wantRels) || len(gotRels) == 0 {
				t.Fatalf("rule-based graph changed: memory %+v, %d/%d entities, %d/%d relations",
					got.Entities, len(gotEnts), len(wantEnts), len(gotRels), len(wantRels))
			}
		})
	}
}

func TestModelExtractionQueueFullDrops(t *testing.T) {
	fastModels(t)
	llmConfigHook = func(c *llm.Config) { c.MaxRetries, c.Timeout = -1, 10*time.Second }
	old := llmQueueCap
	llmQueueCap = 1
	t.Cleanup(func() { llmQueueCap = old })
	ctx := context.Background()
	f := newFakeModel(t, llm.ProviderOllama)
	f.set("block", nil)
	s, e := openModelNS(t, t.TempDir(), f, "")
	defer s.Close()
	store := func(text string) {
		t.Helper()
		if _, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: text}); err != nil {
			t.Fatal(err)
		}
	}
	store("first memory about Paris")
	select {
	case <-f.started: // the worker holds job 1 at the model
	case <-time.After(10 * time.Second):
		t.Fatal("the model was never called")
	}
	store("second memory about Rome")
	store("third memory about Oslo")
	if st := e.ExtractionStatus(); st.Dropped != 1 || st.Queued != 1 || !st.Running {
		t.Fatalf("status with a full queue = %+v, want 1 dropped, 1 queued", st)
	}
	close(f.release)
	st := waitExtraction(t, e, settled(2))
	if st.Processed != 2 || st.Dropped != 1 {
		t.Fatalf("final status = %+v", st)
	}
	m := s.Metrics()
	want := ExtractionCounts{Merged: 2, Dropped: 1}
	if got := m.Extraction[e.id.bucket()]; got != want {
		t.Fatalf("metrics bucket %d = %+v, want %+v", e.id.bucket(), got, want)
	}
	var sum ExtractionCounts
	for _, x := range m.Extraction {
		sum.Merged += x.Merged
		sum.Dropped += x.Dropped
	}
	if sum != want {
		t.Fatalf("metrics summed over buckets = %+v, want %+v", sum, want)
	}
}

func TestExtractionModelConfig(t *testing.T) {
	ctx := context.Background()
	s, _ := openModelNS(t, t.TempDir(), nil, "")
	defer s.Close()
	bad := []struct{ patch, field string }{
		{`{"extraction_model":{"provider":"gpt","base_url":"http://127.0.0.1:1","model":"m"}}`, "extraction_model.provider"},
		{`{"extraction_model":{"provider":"openai","base_url":"ftp://x","model":"m"}}`, "extraction_model.base_url"},
		{`{"extraction_model":{"provider":"openai","base_url":"http://u:p@x","model":"m"}}`, "extraction_model.base_url"},
		{`{"extraction_model":{"provider":"ollama","base_url":"http://x"}}`, "extraction_model.model"},
		{`{"extraction_model":{"provider":"ollama","base_url":"http://x","model":"m","api_key":"` + strings.Repeat("k", 5000) + `"}}`, "extraction_model.api_key"},
	}
	for i, tc := range bad {
		t.Run(fmt.Sprintf("bad=%d", i), func(t *testing.T) {
			_, err := s.UpdateConfig(ctx, "org", "kg", []byte(tc.patch))
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("err = %v, want a validation error on %s", err, tc.field)
			}
		})
	}
	set := func(patch string) *ExtractionModelSpec {
		t.Helper()
		if _, err := s.UpdateConfig(ctx, "org", "kg", []byte(patch)); err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		rec, _ := s.lookupLocked("org", "kg")
		return rec.Config.ExtractionModel.clone()
	}
	sp := set(`{"extraction_model":{"provider":"OpenAI","base_url":"http://a.example","model":"m","api_key":"k1"}}`)
	if sp.Provider != "openai" || sp.APIKey != "k1" {
		t.Fatalf("stored spec = %+v", sp)
	}
	if sp = set(`{"extraction_model":{"model":"m2"}}`); sp.APIKey != "k1" || sp.Model != "m2" {
		t.Fatalf("model change dropped the key: %+v", sp)
	}
	if sp = set(`{"extraction_model":{"base_url":"http://b.example"}}`); sp.APIKey != "" {
		t.Fatalf("base_url change kept the key for another host: %+v", sp)
	}
	if sp = set(`{"extract_entities":true}`); sp == nil || sp.BaseURL != "http://b.example" {
		t.Fatalf("unrelated patch changed the model: %+v", sp)
	}
	if sp = set(`{"extraction_model":null}`); sp != nil {
		t.Fatalf("null did not remove the model: %+v", sp)
	}
}
