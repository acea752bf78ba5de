package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/engramhq/engram/recall"
	"github.com/engramhq/engram/recall/embed"
)

// embedderFromEnv builds the server's embedder from the environment:
//
//	ENGRAM_EMBEDDER          static (default, built in, offline) | openai | ollama
//	ENGRAM_EMBEDDER_URL      base URL, e.g. https://api.openai.com or http://127.0.0.1:11434
//	ENGRAM_EMBEDDER_MODEL    model name, e.g. text-embedding-3-small or nomic-embed-text
//	ENGRAM_EMBEDDER_API_KEY  bearer key for OpenAI-compatible endpoints (never logged)
//	ENGRAM_EMBEDDER_DIM      expected dimension (0 = learn it on first use)
//	ENGRAM_EMBEDDER_TIMEOUT  per-request timeout, e.g. 30s
//
// A nil embedder (static) lets memory.Open choose the built-in default.
func embedderFromEnv(log *slog.Logger) (recall.Embedder, error) {
	kind := os.Getenv("ENGRAM_EMBEDDER")
	if kind == "" || kind == embed.KindStatic {
		return nil, nil
	}
	cfg := embed.Config{
		BaseURL: os.Getenv("ENGRAM_EMBEDDER_URL"),
		Model:   os.Getenv("ENGRAM_EMBEDDER_MODEL"),
		APIKey:  os.Getenv("ENGRAM_EMBEDDER_API_KEY"),
		Logger:  log,
	}
	if v := os.Getenv("ENGRAM_EMBEDDER_DIM"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("ENGRAM_EMBEDDER_DIM: want a positive integer")
		}
		cfg.Dimension = d
	}
	if v := os.Getenv("ENGRAM_EMBEDDER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("ENGRAM_EMBEDDER_TIMEOUT: %w", err)
		}
		cfg.Timeout = d
	}
	emb, err := embed.New(kind, cfg)
	if err != nil {
		return nil, fmt.Errorf("embedder: %w", err)
	}
	if emb.Dimension() == 0 {
		return nil, fmt.Errorf("embedder: set ENGRAM_EMBEDDER_DIM for %s (namespaces need their dimension up front)", kind)
	}
	log.Info("embedder configured", "kind", kind, "id", emb.ID(), "dim", emb.Dimension())
	return emb, nil
}
