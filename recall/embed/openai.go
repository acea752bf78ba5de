package embed

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// OpenAI embeds with an OpenAI-compatible endpoint (OpenAI, Azure-style
// proxies, vLLM, LM Studio, llama.cpp server, TEI, ...): POST
// {BaseURL}/v1/embeddings, or {BaseURL}/embeddings when BaseURL already ends
// in /v1, with {"model","input":[...]} and a bearer key. Safe for concurrent
// use.
type OpenAI struct{ c *client }

// NewOpenAI validates cfg and returns a client; it makes no request.
func NewOpenAI(cfg Config) (*OpenAI, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	endpoint := cfg.BaseURL + "/v1/embeddings"
	if strings.HasSuffix(cfg.BaseURL, "/v1") {
		endpoint = cfg.BaseURL + "/embeddings"
	}
	return &OpenAI{newClient(cfg, protocol{
		name:     "openai",
		endpoint: endpoint,
		request:  func(model string, input []string) any { return openAIRequest{model, input} },
		decode:   decodeOpenAI,
	})}, nil
}

// ID is "openai:<model>".
func (o *OpenAI) ID() string { return o.c.id }

// Dimension is the configured dimension, or the one learned from the first
// answer (0 before it).
func (o *OpenAI) Dimension() int { return int(o.c.dim.Load()) }

// Embed returns one unit vector per text, in order, in batches of
// Config.BatchSize. Empty texts are rejected with ErrEmptyText.
func (o *OpenAI) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return o.c.embed(ctx, texts)
}

type openAIRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

type openAIResponse struct {
	Data []struct {
		Index     *int      `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
}

// decodeOpenAI returns the vectors ordered by their index field, which must
// name each of 0..n-1 exactly once.
func decodeOpenAI(body []byte, n int) ([][]float32, error) {
	var r openAIResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: openai: %s", ErrBadResponse, jsonReason(err))
	}
	if len(r.Data) != n {
		return nil, fmt.Errorf("%w: openai: %d vectors for %d inputs", ErrBadResponse, len(r.Data), n)
	}
	out := make([][]float32, n)
	for i, d := range r.Data {
		idx := i
		if d.Index != nil {
			idx = *d.Index
		}
		if idx < 0 || idx >= n || out[idx] != nil {
			return nil, fmt.Errorf("%w: openai: bad or repeated index %d", ErrBadResponse, idx)
		}
		if d.Embedding == nil {
			return nil, fmt.Errorf("%w: openai: vector %d missing", ErrBadResponse, idx)
		}
		out[idx] = d.Embedding
	}
	return out, nil
}

// jsonReason describes a decoding error without quoting the body.
func jsonReason(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("unexpected %s for field %q", e.Value, e.Field)
	}
	return "invalid JSON"
}
