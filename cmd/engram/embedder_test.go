package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestEmbedderFromEnv(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	t.Run("kind=default", func(t *testing.T) {
		t.Setenv("ENGRAM_EMBEDDER", "")
		emb, err := embedderFromEnv(log)
		if err != nil || emb != nil {
			t.Fatalf("default = %v, %v; want nil (built-in)", emb, err)
		}
	})
	t.Run("kind=ollama", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/embed" {
				http.NotFound(w, r)
				return
			}
			var req struct{ Input []string }
			json.NewDecoder(r.Body).Decode(&req)
			out := make([][]float32, len(req.Input))
			for i := range out {
				out[i] = []float32{1, 0, 0}
			}
			json.NewEncoder(w).Encode(map[string]any{"embeddings": out})
		}))
		defer srv.Close()
		t.Setenv("ENGRAM_EMBEDDER", "ollama")
		t.Setenv("ENGRAM_EMBEDDER_URL", srv.URL)
		t.Setenv("ENGRAM_EMBEDDER_MODEL", "tiny")
		t.Setenv("ENGRAM_EMBEDDER_DIM", "3")
		emb, err := embedderFromEnv(log)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := emb.Embed(context.Background(), []string{"hello"})
		if err != nil || len(vs) != 1 || len(vs[0]) != 3 || emb.Dimension() != 3 {
			t.Fatalf("embed = %v, %v", vs, err)
		}
	})
	t.Run("kind=bogus", func(t *testing.T) {
		t.Setenv("ENGRAM_EMBEDDER", "bogus")
		if _, err := embedderFromEnv(log); err == nil {
			t.Fatal("unknown kind accepted")
		}
	})
	t.Run("kind=openai-no-dim", func(t *testing.T) {
		t.Setenv("ENGRAM_EMBEDDER", "openai")
		t.Setenv("ENGRAM_EMBEDDER_URL", "http://127.0.0.1:1")
		t.Setenv("ENGRAM_EMBEDDER_MODEL", "m")
		t.Setenv("ENGRAM_EMBEDDER_DIM", "")
		if _, err := embedderFromEnv(log); err == nil {
			t.Fatal("missing dimension accepted")
		}
	})
}
