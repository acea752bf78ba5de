package embed

import (
	"context"
	"encoding/json"
	"fmt"
)

// Ollama embeds with an Ollama server: POST {BaseURL}/api/embed with
// {"model","input":[...]}, answered by {"embeddings":[[...],...]}. Safe for
// concurrent use.
type Ollama struct{ c *client }

// NewOllama validates cfg and returns a client; it makes no request.
func NewOllama(cfg Config) (*Ollama, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Ollama{newClient(cfg, protocol{
		name:     "ollama",
		endpoint: cfg.BaseURL + "/api/embed",
		request:  func(model string, input []string) any { return ollamaRequest{model, input} },
		decode:   decodeOllama,
	})}, nil
}

// ID is "ollama:<model>".
func (o *Ollama) ID() string { return o.c.id }

// Dimension is the configured dimension, or the one learned from the first
// answer (0 before it).
func (o *Ollama) Dimension() int { return int(o.c.dim.Load()) }

// Embed returns one unit vector per text, in order, in batches of
// Config.BatchSize. Empty texts are rejected with ErrEmptyText.
func (o *Ollama) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return o.c.embed(ctx, texts)
}

type ollamaRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

func decodeOllama(body []byte, n int) ([][]float32, error) {
	var r struct {
		Embeddings [][]float32 `json:"embeddings"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: ollama: %s", ErrBadResponse, jsonReason(err))
	}
	if len(r.Embeddings) != n {
		return nil, fmt.Errorf("%w: ollama: %d vectors for %d inputs", ErrBadResponse, len(r.Embeddings), n)
	}
	return r.Embeddings, nil
}
