package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engramhq/engram/recall/embed"
)

// fakeOllama speaks Ollama's /api/embed with deterministic vectors: a
// hashed bag of words in fakeDim dimensions.
type fakeOllama struct {
	*httptest.Server
	fail atomic.Bool
	mu   sync.Mutex
	log  []string // every input text, in request order
	auth []string
}

const fakeDim = 64

func newFakeOllama(t *testing.T) *fakeOllama {
	f := &fakeOllama{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/embed" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.log = append(f.log, req.Input...)
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		if f.fail.Load() {
			http.Error(w, "model exploded", http.StatusInternalServerError)
			return
		}
		out := make([][]float32, len(req.Input))
		for i, s := range req.Input {
			out[i] = fakeVector(s)
		}
		json.NewEncoder(w).Encode(map[string]any{"embeddings": out})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOllama) inputs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func fakeVector(s string) []float32 {
	v := make([]float32, fakeDim)
	for _, w := range strings.Fields(strings.ToLower(s)) {
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%fakeDim]++
	}
	var n float64
	for _, f := range v {
		n += float64(f) * float64(f)
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

func fastProviders(t *testing.T) {
	embedderConfigHook = func(c *embed.Config) { c.MaxRetries, c.MinBackoff = -1, time.Millisecond }
	t.Cleanup(func() { embedderConfigHook = nil })
}

func setBatch(t *testing.T, n int) {
	old := reembedBatch
	reembedBatch = n
	t.Cleanup(func() { reembedBatch = old })
}

func waitReembed(t *testing.T, s *Store, name string, until func(ReembedStatus) bool) ReembedStatus {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := s.ReembedStatus(ctx, "org", name)
		if err != nil {
			t.Fatal(err)
		}
		if until(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("re-embed status never reached the wanted state; last %+v", st)
		}
		<-tick.C
	}
}

var reembedTexts = []string{
	"the zebra crossed the dusty road", "a quokka smiled at the camera", "penguins huddle against antarctic wind",
	"the volcano erupted ash over the village", "a violin concerto in d minor", "tax forms are due in april",
	"the rocket reached low earth orbit", "fresh basil grows on the balcony", "the database compaction finished overnight",
	"a lighthouse keeper wrote letters", "the glacier retreated two kilometres", "chess openings reward preparation",
}

func storeAll(t *testing.T, e *Engine, texts []string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, tx := range texts {
		m, _, err := e.Store(context.Background(), StoreInput{AgentID: "a", Content: tx})
		if err != nil {
			t.Fatal(err)
		}
		ids[tx] = m.ID
	}
	return ids
}

// topVector recalls q by vector only and returns the top memory's content.
func topVector(t *testing.T, e *Engine, q string) string {
	t.Helper()
	items, _, err := e.Recall(context.Background(), RecallInput{Query: q, TopK: 3, Routing: "vector"})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) == 0 {
		t.Fatalf("recall %q: no results", q)
	}
	return items[0].Memory.Content
}

func ollamaPatch(f *fakeOllama, dim int) []byte {
	return []byte(fmt.Sprintf(`{"embedder":{"kind":"ollama","base_url":%q,"model":"fake-embed","dimension":%d,"api_key":"sekrit-key"}}`, f.URL, dim))
}

// assertVectorsFrom checks every live vector is the fake provider's vector
// of the memory's content, zero-padded.
func assertVectorsFrom(t *testing.T, e *Engine) {
	t.Helper()
	e.mu.RLock()
	defer e.mu.RUnlock()
	for k, r := range e.mems {
		got, ok := e.vec.Get(k)
		if !ok {
			t.Fatalf("memory %q has no vector", r.Content)
		}
		want := fakeVector(r.Content)
		for i := range got {
			w := float32(0)
			if i < len(want) {
				w = want[i]
			}
			if math.Abs(float64(got[i]-w)) > 1e-5 {
				t.Fatalf("memory %q: component %d is %v, want %v (vector not from the new embedder)", r.Content, i, got[i], w)
			}
		}
	}
}

func TestReembedSwapsAfterJob(t *testing.T) {
	for _, nsDim := range []int{0, fakeDim} { // 0: the static embedder's 384
		t.Run(fmt.Sprintf("ns_dim=%d", nsDim), func(t *testing.T) {
			fastProviders(t)
			setBatch(t, 4)
			f := newFakeOllama(t)
			s := openTest(t, t.TempDir(), nil)
			defer s.Close()
			ctx := context.Background()
			if _, err := s.CreateNamespace(ctx, "org", NamespaceSpec{Name: "ns", Dimension: nsDim}); err != nil {
				if nsDim != 0 {
					t.Fatal(err)
				}
			}
			e, err := s.Engine(ctx, "org", "ns")
			if err != nil {
				t.Fatal(err)
			}
			if nsDim == fakeDim {
				// The static embedder does not fit 64 dimensions: give vectors.
				for _, tx := range reembedTexts {
					if _, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: tx, Embedding: fakeVector(tx + " x")}); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				storeAll(t, e, reembedTexts)
			}
			oldEmb := e.EmbedderID()

			// Pause the job after its first batch.
			paused, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			reembedBatchHook = func(int64) error {
				once.Do(func() { close(paused); <-release })
				return nil
			}
			t.Cleanup(func() { reembedBatchHook = nil })

			cfg, err := s.UpdateConfig(ctx, "org", "ns", ollamaPatch(f, fakeDim))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Embedder == nil || cfg.Embedder.APIKey != "" || !cfg.Embedder.APIKeySet {
				t.Fatalf("config shown = %+v, want the key hidden and api_key_set", cfg.Embedder)
			}
			<-paused
			st, err := s.ReembedStatus(ctx, "org", "ns")
			if err != nil {
				t.Fatal(err)
			}
			if st.Status != "running" || st.Done != 4 || st.Total != int64(len(reembedTexts)) || st.Embedder != oldEmb || st.TargetEmbedder != "ollama:fake-embed" || st.StartedAt == nil {
				t.Fatalf("status while paused = %+v", st)
			}
			// Recall keeps serving with the old embedder; a write lands too.
			before := len(f.inputs())
			if nsDim == 0 {
				if got := topVector(t, e, "the zebra crossed the dusty road"); got != reembedTexts[0] {
					t.Fatalf("recall during the job = %q", got)
				}
				storeAll(t, e, []string{"a late note about zebra stripes"})
			} else {
				if _, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "a late note about zebra stripes", Embedding: fakeVector("late")}); err != nil {
					t.Fatal(err)
				}
			}
			if e.EmbedderID() != oldEmb || len(f.inputs()) != before {
				t.Fatalf("the new embedder was used before the swap (embedder %s, %d provider inputs, want %d)", e.EmbedderID(), len(f.inputs()), before)
			}
			close(release)
			st = waitReembed(t, s, "ns", func(st ReembedStatus) bool { return st.Status != "running" })
			if st.Status != "idle" || st.Done != st.Total || st.Embedder != "ollama:fake-embed" || st.Error != "" {
				t.Fatalf("final status = %+v", st)
			}
			if nsDim == 0 {
				assertVectorsFrom(t, e)
			}
			// After the swap, queries are embedded by the new embedder.
			n := len(f.inputs())
			if got := topVector(t, e, "penguins huddle against antarctic wind"); got != reembedTexts[2] {
				t.Fatalf("recall after the swap = %q", got)
			}
			if in := f.inputs(); len(in) != n+1 || in[n] != "penguins huddle against antarctic wind" {
				t.Fatalf("query not embedded by the new embedder: provider saw %q", in[n:])
			}
			f.mu.Lock()
			for _, a := range f.auth {
				if a != "Bearer sekrit-key" {
					t.Errorf("authorization header = %q", a)
				}
			}
			f.mu.Unlock()
			// The swap survives a restart.
			s.Close()
			s2 := openTest(t, s.dir, nil)
			defer s2.Close()
			e2, err := s2.Engine(ctx, "org", "ns")
			if err != nil {
				t.Fatal(err)
			}
			if e2.EmbedderID() != "ollama:fake-embed" {
				t.Fatalf("embedder after restart = %s", e2.EmbedderID())
			}
			if info, err := s2.Namespace(ctx, "org", "ns"); err != nil || info.Embedder != "ollama:fake-embed" {
				t.Fatalf("namespace info reports embedder %q (err %v), want the namespace's", info.Embedder, err)
			}
			if nsDim == 0 {
				assertVectorsFrom(t, e2)
			}
		})
	}
}

func TestReembedFailingProviderKeepsOldIndex(t *testing.T) {
	fastProviders(t)
	setBatch(t, 4)
	f := newFakeOllama(t)
	f.fail.Store(true)
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	ctx := context.Background()
	e, err := s.EnsureNamespace(ctx, "org", "ns", true)
	if err != nil {
		t.Fatal(err)
	}
	storeAll(t, e, reembedTexts)
	old := e.EmbedderID()
	if _, err := s.UpdateConfig(ctx, "org", "ns", ollamaPatch(f, fakeDim)); err != nil {
		t.Fatal(err)
	}
	st := waitReembed(t, s, "ns", func(st ReembedStatus) bool { return st.Status != "running" })
	if st.Status != "failed" || st.Error == "" || st.Embedder != old || strings.Contains(st.Error, "sekrit") {
		t.Fatalf("status = %+v", st)
	}
	if e.EmbedderID() != old {
		t.Fatalf("active embedder = %s, want %s", e.EmbedderID(), old)
	}
	if got := topVector(t, e, "the volcano erupted ash over the village"); got != reembedTexts[3] {
		t.Fatalf("recall after the failure = %q", got)
	}
	// Re-sending the embedder retries; a healthy provider completes it.
	f.fail.Store(false)
	if _, err := s.UpdateConfig(ctx, "org", "ns", ollamaPatch(f, fakeDim)); err != nil {
		t.Fatal(err)
	}
	st = waitReembed(t, s, "ns", func(st ReembedStatus) bool { return st.Status != "running" })
	if st.Status != "idle" || st.Embedder != "ollama:fake-embed" {
		t.Fatalf("status after retry = %+v", st)
	}
	assertVectorsFrom(t, e)
}

func TestReembedResumesAfterRestart(t *testing.T) {
	fastProviders(t)
	setBatch(t, 4)
	f := newFakeOllama(t)
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	ctx := context.Background()
	e, err := s.EnsureNamespace(ctx, "org", "ns", true)
	if err != nil {
		t.Fatal(err)
	}
	storeAll(t, e, reembedTexts)
	stopped := make(chan struct{})
	reembedBatchHook = func(int64) error { close(stopped); return errReembedStopped }
	t.Cleanup(func() { reembedBatchHook = nil })
	if _, err := s.UpdateConfig(ctx, "org", "ns", ollamaPatch(f, fakeDim)); err != nil {
		t.Fatal(err)
	}
	<-stopped
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	reembedBatchHook = nil
	if n := len(f.inputs()); n != 4 {
		t.Fatalf("provider saw %d texts before the stop, want 4", n)
	}

	s = openTest(t, dir, nil)
	defer s.Close()
	st, err := s.ReembedStatus(ctx, "org", "ns")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "running" || st.Done != 4 {
		t.Fatalf("status after restart = %+v", st)
	}
	e, err = s.Engine(ctx, "org", "ns") // opening resumes the job
	if err != nil {
		t.Fatal(err)
	}
	st = waitReembed(t, s, "ns", func(st ReembedStatus) bool { return st.Status != "running" })
	if st.Status != "idle" || st.Done != int64(len(reembedTexts)) || st.Total != int64(len(reembedTexts)) {
		t.Fatalf("final status = %+v", st)
	}
	if n := len(f.inputs()); n != len(reembedTexts) {
		t.Fatalf("provider saw %d texts in all, want %d (each once: the job resumed at its cursor)", n, len(reembedTexts))
	}
	assertVectorsFrom(t, e)
}

func TestEmbedderConfigValidation(t *testing.T) {
	f := newFakeOllama(t)
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	ctx := context.Background()
	if _, err := s.EnsureNamespace(ctx, "org", "ns", true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, patch, field string
		dim                bool
	}{
		{"kind=bad", `{"embedder":{"kind":"word2vec"}}`, "embedder.kind", false},
		{"model=missing", fmt.Sprintf(`{"embedder":{"kind":"ollama","base_url":%q,"dimension":64}}`, f.URL), "embedder.model", false},
		{"base_url=ftp", `{"embedder":{"kind":"openai","base_url":"ftp://x","model":"m","dimension":64}}`, "embedder.base_url", false},
		{"dimension=missing", fmt.Sprintf(`{"embedder":{"kind":"ollama","base_url":%q,"model":"m"}}`, f.URL), "embedder.dimension", false},
		{"dimension=too_wide", fmt.Sprintf(`{"embedder":{"kind":"ollama","base_url":%q,"model":"m","dimension":1024}}`, f.URL), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UpdateConfig(ctx, "org", "ns", []byte(tc.patch))
			var ve *ValidationError
			switch {
			case tc.dim:
				if !errors.Is(err, ErrDimensionMismatch) {
					t.Fatalf("err = %v, want ErrDimensionMismatch", err)
				}
			case !errors.As(err, &ve) || ve.Field != tc.field:
				t.Fatalf("err = %v, want a validation error on %s", err, tc.field)
			}
		})
	}
	cfg, err := s.Config("org", "ns")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Embedder != nil {
		t.Fatalf("a refused config was stored: %+v", cfg.Embedder)
	}
}

func TestReembedDocuments(t *testing.T) {
	fastProviders(t)
	setBatch(t, 2)
	f := newFakeOllama(t)
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	ctx := context.Background()
	e, err := s.EnsureNamespace(ctx, "org", "ns", true)
	if err != nil {
		t.Fatal(err)
	}
	texts := reembedTexts[:3]
	var docs []DocInput
	for i, tx := range texts {
		docs = append(docs, DocInput{ID: fmt.Sprintf("d%d", i), Text: tx})
	}
	if _, err := e.UpsertTexts(ctx, docs, "documents"); err != nil {
		t.Fatal(err)
	}
	client := make([]float32, e.dimension())
	client[5] = 1
	if _, err := e.UpsertVectors(ctx, []DocInput{{ID: "raw", Values: client}}, "vectors"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateConfig(ctx, "org", "ns", ollamaPatch(f, fakeDim)); err != nil {
		t.Fatal(err)
	}
	st := waitReembed(t, s, "ns", func(st ReembedStatus) bool { return st.Status != "running" })
	if st.Status != "idle" || st.Done != 4 || st.Total != 4 {
		t.Fatalf("status = %+v", st)
	}
	check := func(e *Engine) {
		t.Helper()
		for i, tx := range texts {
			hits, _, err := e.QueryTexts(ctx, []string{tx}, DocQuery{TopK: 1, IncludeValues: true}, "queries")
			if err != nil {
				t.Fatal(err)
			}
			if len(hits[0]) == 0 || hits[0][0].ID != fmt.Sprintf("d%d", i) {
				t.Fatalf("query %q: hits %+v", tx, hits[0])
			}
			want := fakeVector(tx)
			for j, v := range hits[0][0].Values {
				w := float32(0)
				if j < len(want) {
					w = want[j]
				}
				if math.Abs(float64(v-w)) > 1e-5 {
					t.Fatalf("document %d: component %d = %v, want %v", i, j, v, w)
				}
			}
		}
		in := f.inputs()
		if got := in[len(in)-1]; got != texts[len(texts)-1] {
			t.Fatalf("last provider input = %q, want the query", got)
		}
		hits, err := e.QueryVectors(ctx, DocQuery{Vector: client, TopK: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].ID != "raw" || hits[0].Score < 0.999 {
			t.Fatalf("client-vector document: %+v", hits)
		}
	}
	check(e)
	s.Close()
	s = openTest(t, dir, nil)
	defer s.Close()
	e, err = s.Engine(ctx, "org", "ns")
	if err != nil {
		t.Fatal(err)
	}
	check(e)
}

func TestReembedCrashDuringSwapIsFinishedByLoad(t *testing.T) {
	fastProviders(t)
	setBatch(t, 4)
	f := newFakeOllama(t)
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	ctx := context.Background()
	e, err := s.EnsureNamespace(ctx, "org", "ns", true)
	if err != nil {
		t.Fatal(err)
	}
	storeAll(t, e, reembedTexts)
	stopped := make(chan struct{})
	reembedSwapHook = func() error { close(stopped); return errReembedStopped }
	t.Cleanup(func() { reembedSwapHook = nil })
	if _, err := s.UpdateConfig(ctx, "org", "ns", ollamaPatch(f, fakeDim)); err != nil {
		t.Fatal(err)
	}
	<-stopped
	s.Close()
	reembedSwapHook = nil
	s = openTest(t, dir, nil)
	defer s.Close()
	e, err = s.Engine(ctx, "org", "ns")
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.ReembedStatus(ctx, "org", "ns")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "idle" || st.Embedder != "ollama:fake-embed" || e.EmbedderID() != "ollama:fake-embed" {
		t.Fatalf("after the interrupted swap: status %+v, engine embedder %s", st, e.EmbedderID())
	}
	assertVectorsFrom(t, e)
	if n := len(f.inputs()); n != len(reembedTexts) {
		t.Fatalf("provider saw %d texts, want %d", n, len(reembedTexts))
	}
}

// TestReembedUnderConcurrentWrites keeps storing memories while the job
// runs: every memory ends with a vector of the new embedder.
func TestReembedUnderConcurrentWrites(t *testing.T) {
	fastProviders(t)
	setBatch(t, 3)
	f := newFakeOllama(t)
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	ctx := context.Background()
	e, err := s.EnsureNamespace(ctx, "org", "ns", true)
	if err != nil {
		t.Fatal(err)
	}
	storeAll(t, e, reembedTexts)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			_, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: fmt.Sprintf("concurrent note %d about otters", i)})
			if err != nil && !errors.Is(err, ErrUnavailable) { // a straddled swap asks to retry
				done <- err
				return
			}
		}
	}()
	if _, err := s.UpdateConfig(ctx, "org", "ns", ollamaPatch(f, fakeDim)); err != nil {
		t.Fatal(err)
	}
	st := waitReembed(t, s, "ns", func(st ReembedStatus) bool { return st.Status != "running" })
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st.Status != "idle" {
		t.Fatalf("status = %+v", st)
	}
	assertVectorsFrom(t, e)
}
