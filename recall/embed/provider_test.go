package embed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/recall"
	"github.com/engramhq/engram/recall/embed"
)

var (
	_ recall.Embedder = (*embed.OpenAI)(nil)
	_ recall.Embedder = (*embed.Ollama)(nil)
	_ recall.Embedder = embed.Embedder(nil)
)

const (
	testKey   = "sk-test-SECRET-key-123"
	testModel = "test-model"
	secret    = "my secret memory text"
)

// fakeVector is a deterministic, unnormalized vector for text.
func fakeVector(text string, dim int) []float32 {
	h := fnv.New64a()
	io.WriteString(h, text)
	s := h.Sum64()
	v := make([]float32, dim)
	for i := range v {
		s = s*6364136223846793005 + 1442695040888963407
		v[i] = float32(int64(s>>33)%1000+1) / 10
	}
	return v
}

// fakeServer speaks one protocol. respond decides each answer; nil means a
// correct answer of dimension dim.
type fakeServer struct {
	t       testing.TB
	kind    string
	dim     int
	mu      sync.Mutex
	calls   int
	batches [][]string
	respond func(call int, w http.ResponseWriter, r *http.Request, input []string) bool // true = handled
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	wantPath := map[string]string{"openai": "/v1/embeddings", "ollama": "/api/embed"}[f.kind]
	if r.Method != http.MethodPost || r.URL.Path != wantPath {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if f.kind == "openai" && r.Header.Get("Authorization") != "Bearer "+testKey {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != testModel {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.calls++
	call := f.calls
	f.batches = append(f.batches, req.Input)
	f.mu.Unlock()
	if f.respond != nil && f.respond(call, w, r, req.Input) {
		return
	}
	writeVectors(w, f.kind, req.Input, f.dim)
}

func writeVectors(w http.ResponseWriter, kind string, input []string, dim int) {
	w.Header().Set("Content-Type", "application/json")
	if kind == "ollama" {
		var embs [][]float32
		for _, in := range input {
			embs = append(embs, fakeVector(in, dim))
		}
		json.NewEncoder(w).Encode(map[string]any{"model": testModel, "embeddings": embs})
		return
	}
	// OpenAI: answer in reverse order; the client must sort by index.
	var data []map[string]any
	for i := len(input) - 1; i >= 0; i-- {
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": fakeVector(input[i], dim)})
	}
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": testModel})
}

func (f *fakeServer) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func newFake(t *testing.T, kind string, dim int, respond func(int, http.ResponseWriter, *http.Request, []string) bool) (*fakeServer, *httptest.Server) {
	t.Helper()
	f := &fakeServer{t: t, kind: kind, dim: dim, respond: respond}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func newProvider(t *testing.T, kind string, cfg embed.Config) embed.Embedder {
	t.Helper()
	if cfg.Model == "" {
		cfg.Model = testModel
	}
	cfg.APIKey = testKey
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = time.Millisecond
	}
	e, err := embed.New(kind, cfg)
	if err != nil {
		t.Fatalf("New(%s): %v", kind, err)
	}
	return e
}

// checkClean fails if err leaks the API key or input text.
func checkClean(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if msg := err.Error(); strings.Contains(msg, testKey) || strings.Contains(msg, secret) {
		t.Fatalf("error leaks key or input: %q", msg)
	}
}

var kinds = []string{embed.KindOpenAI, embed.KindOllama}

func TestProviderEmbed(t *testing.T) {
	for _, kind := range kinds {
		t.Run("kind="+kind, func(t *testing.T) {
			f, srv := newFake(t, kind, 8, nil)
			e := newProvider(t, kind, embed.Config{BaseURL: srv.URL, BatchSize: 3})
			if got, want := e.ID(), kind+":"+testModel; got != want {
				t.Fatalf("ID = %q, want %q", got, want)
			}
			if d := e.Dimension(); d != 0 {
				t.Fatalf("Dimension before first call = %d, want 0", d)
			}
			texts := []string{"a one", "b two", "c three", "d four", "e five", "f six", secret}
			vecs, err := e.Embed(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			if e.Dimension() != 8 {
				t.Fatalf("Dimension = %d, want 8", e.Dimension())
			}
			if len(vecs) != len(texts) {
				t.Fatalf("%d vectors for %d texts", len(vecs), len(texts))
			}
			for i, v := range vecs {
				want := fakeVector(texts[i], 8)
				var n float64
				for _, x := range want {
					n += float64(x) * float64(x)
				}
				n = math.Sqrt(n)
				for j := range v {
					if math.Abs(float64(v[j])-float64(want[j])/n) > 1e-6 {
						t.Fatalf("vector %d component %d = %v, want %v (order or normalization)", i, j, v[j], float64(want[j])/n)
					}
				}
			}
			if got := len(f.batches); got != 3 {
				t.Fatalf("%d requests, want 3 (batch size 3 for 7 texts)", got)
			}
			for i, b := range f.batches {
				if len(b) > 3 {
					t.Fatalf("request %d has %d inputs, want <= 3", i, len(b))
				}
			}
		})
	}
}

func TestProviderFailures(t *testing.T) {
	tests := []struct {
		name      string
		cfg       embed.Config
		respond   func(call int, w http.ResponseWriter, r *http.Request, input []string) bool
		wantErr   error
		wantCalls int
	}{
		{
			name: "429-then-success",
			respond: func(call int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
				if call == 1 {
					w.Header().Set("Retry-After", "0")
					http.Error(w, "slow down", http.StatusTooManyRequests)
					return true
				}
				return false
			},
			wantCalls: 2,
		},
		{
			name: "500-retries-exhausted",
			cfg:  embed.Config{MaxRetries: 2},
			respond: func(_ int, w http.ResponseWriter, _ *http.Request, input []string) bool {
				http.Error(w, "boom: "+strings.Join(input, ","), http.StatusInternalServerError)
				return true
			},
			wantErr: embed.ErrUnavailable, wantCalls: 3,
		},
		{
			name: "400-not-retried",
			respond: func(_ int, w http.ResponseWriter, _ *http.Request, input []string) bool {
				http.Error(w, "bad input "+strings.Join(input, ","), http.StatusBadRequest)
				return true
			},
			wantErr: embed.ErrRequest, wantCalls: 1,
		},
		{
			name:    "configured-dimension-differs",
			cfg:     embed.Config{Dimension: 16},
			wantErr: embed.ErrDimensionMismatch, wantCalls: 1,
		},
		{
			name: "malformed-json",
			respond: func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
				io.WriteString(w, `{"data": [{"embedding": [0.1, 0.2,`)
				return true
			},
			wantErr: embed.ErrBadResponse, wantCalls: 1,
		},
		{
			name: "too-few-vectors",
			respond: func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
				io.WriteString(w, `{"data": [], "embeddings": []}`)
				return true
			},
			wantErr: embed.ErrBadResponse, wantCalls: 1,
		},
		{
			name: "zero-vector",
			respond: func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
				io.WriteString(w, `{"data": [{"index": 0, "embedding": [0, 0]}], "embeddings": [[0, 0]]}`)
				return true
			},
			wantErr: embed.ErrBadResponse, wantCalls: 1,
		},
		{
			name: "timeout",
			cfg:  embed.Config{Timeout: 50 * time.Millisecond, MaxRetries: -1},
			respond: func(_ int, _ http.ResponseWriter, r *http.Request, _ []string) bool {
				<-r.Context().Done() // hang until the client gives up
				return true
			},
			wantErr: embed.ErrUnavailable, wantCalls: 1,
		},
	}
	for _, kind := range kinds {
		for _, tt := range tests {
			t.Run("kind="+kind+"/case="+tt.name, func(t *testing.T) {
				f, srv := newFake(t, kind, 8, tt.respond)
				cfg := tt.cfg
				cfg.BaseURL = srv.URL
				e := newProvider(t, kind, cfg)
				vecs, err := e.Embed(context.Background(), []string{secret})
				t.Logf("err = %v", err)
				checkClean(t, err)
				if tt.wantErr == nil && (err != nil || len(vecs) != 1) {
					t.Fatalf("Embed = %d vectors, %v; want 1, nil", len(vecs), err)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if got := f.callCount(); got != tt.wantCalls {
					t.Fatalf("%d requests, want %d", got, tt.wantCalls)
				}
			})
		}
	}
}

// A learned dimension holds for later calls.
func TestProviderLearnedDimension(t *testing.T) {
	for _, kind := range kinds {
		t.Run("kind="+kind, func(t *testing.T) {
			dim := 8
			_, srv := newFake(t, kind, 8, func(call int, w http.ResponseWriter, _ *http.Request, input []string) bool {
				if call > 1 {
					writeVectors(w, kind, input, 4)
					return true
				}
				return false
			})
			e := newProvider(t, kind, embed.Config{BaseURL: srv.URL})
			if _, err := e.Embed(context.Background(), []string{"first"}); err != nil {
				t.Fatal(err)
			}
			_, err := e.Embed(context.Background(), []string{secret})
			if !errors.Is(err, embed.ErrDimensionMismatch) {
				t.Fatalf("err = %v, want ErrDimensionMismatch", err)
			}
			checkClean(t, err)
			if e.Dimension() != dim {
				t.Fatalf("Dimension = %d, want %d", e.Dimension(), dim)
			}
		})
	}
}

// A long Retry-After is honoured: the client waits instead of retrying, and
// the caller's deadline ends the wait.
func TestProviderRetryAfterHonoured(t *testing.T) {
	for _, kind := range kinds {
		t.Run("kind="+kind, func(t *testing.T) {
			f, srv := newFake(t, kind, 8, func(_ int, w http.ResponseWriter, _ *http.Request, _ []string) bool {
				w.Header().Set("Retry-After", "20")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return true
			})
			e := newProvider(t, kind, embed.Config{BaseURL: srv.URL})
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_, err := e.Embed(ctx, []string{secret})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want context.DeadlineExceeded", err)
			}
			checkClean(t, err)
			if got := f.callCount(); got != 1 {
				t.Fatalf("%d requests, want 1 (Retry-After not honoured)", got)
			}
		})
	}
}

func TestProviderNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	for _, kind := range kinds {
		t.Run("kind="+kind, func(t *testing.T) {
			e := newProvider(t, kind, embed.Config{BaseURL: url, MaxRetries: 1})
			_, err := e.Embed(context.Background(), []string{secret})
			if !errors.Is(err, embed.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			checkClean(t, err)
		})
	}
}

func TestProviderEmptyText(t *testing.T) {
	for _, kind := range kinds {
		t.Run("kind="+kind, func(t *testing.T) {
			f, srv := newFake(t, kind, 8, nil)
			e := newProvider(t, kind, embed.Config{BaseURL: srv.URL})
			if _, err := e.Embed(context.Background(), []string{"ok", " "}); !errors.Is(err, embed.ErrEmptyText) {
				t.Fatalf("err = %v, want ErrEmptyText", err)
			}
			if f.callCount() != 0 {
				t.Fatalf("%d requests for a rejected call, want 0", f.callCount())
			}
		})
	}
}

func TestOpenAIBaseURLWithV1(t *testing.T) {
	f, srv := newFake(t, "openai", 8, nil)
	e := newProvider(t, embed.KindOpenAI, embed.Config{BaseURL: srv.URL + "/v1/"})
	if _, err := e.Embed(context.Background(), []string{"hello"}); err != nil {
		t.Fatal(err)
	}
	if f.callCount() != 1 {
		t.Fatalf("%d requests, want 1", f.callCount())
	}
}

func TestNewConfig(t *testing.T) {
	tests := []struct {
		kind    string
		cfg     embed.Config
		wantErr bool
		reasons []string
	}{
		{kind: embed.KindStatic},
		{kind: embed.KindOpenAI, cfg: embed.Config{BaseURL: "https://api.example.com", Model: "m"}},
		{kind: embed.KindOllama, cfg: embed.Config{BaseURL: "http://127.0.0.1:11434", Model: "nomic-embed-text"}},
		{kind: embed.KindOpenAI, wantErr: true, reasons: []string{"BaseURL is required", "Model is required"}},
		{kind: embed.KindOllama, cfg: embed.Config{BaseURL: "ftp://x", Model: "m", Dimension: -1}, wantErr: true,
			reasons: []string{"http or https", "Dimension"}},
		{kind: "bogus", wantErr: true, reasons: []string{"unknown embedder kind"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("kind=%s/base=%s", tt.kind, tt.cfg.BaseURL), func(t *testing.T) {
			e, err := embed.New(tt.kind, tt.cfg)
			if !tt.wantErr {
				if err != nil || e == nil {
					t.Fatalf("New = %v, %v; want embedder, nil", e, err)
				}
				return
			}
			if !errors.Is(err, embed.ErrConfig) || e != nil {
				t.Fatalf("New = %v, %v; want nil, ErrConfig", e, err)
			}
			for _, r := range tt.reasons {
				if !strings.Contains(err.Error(), r) {
					t.Errorf("error %q does not mention %q", err, r)
				}
			}
		})
	}
}
