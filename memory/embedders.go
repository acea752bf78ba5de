package memory

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/engramhq/engram/recall"
	"github.com/engramhq/engram/recall/embed"
)

// Per-namespace embedders. A namespace's configuration may name its own
// embedder (NamespaceConfig.Embedder); its effective embedder is that
// override or the server's. The embedder whose vectors fill the live index
// (the "active" one) only changes when a re-embedding job completes
// (reembed.go), so a search never compares vectors of two embedders.

// EmbedderSpec configures a namespace's own embedder. APIKey is write-only:
// stored sealed in the namespace record and never returned (Config reports
// APIKeySet instead).
type EmbedderSpec struct {
	Kind      string `json:"kind"`
	BaseURL   string `json:"base_url,omitempty"`
	Model     string `json:"model,omitempty"`
	Dimension int    `json:"dimension,omitempty"`
	APIKey    string `json:"api_key,omitempty"`
	APIKeySet bool   `json:"api_key_set,omitempty"`
}

// redacted returns the spec as shown to clients: no key, api_key_set.
func (sp *EmbedderSpec) redacted() *EmbedderSpec {
	if sp == nil {
		return nil
	}
	c := *sp
	c.APIKeySet = c.APIKey != ""
	c.APIKey = ""
	return &c
}

func (sp *EmbedderSpec) clone() *EmbedderSpec {
	if sp == nil {
		return nil
	}
	c := *sp
	return &c
}

// redactedConfig is a configuration as shown to clients.
func redactedConfig(c NamespaceConfig) NamespaceConfig {
	c.Embedder = c.Embedder.redacted()
	return c
}

// embedderConfigHook, when set (tests only), adjusts the provider
// configuration of namespace embedders (retries, backoff).
var embedderConfigHook func(*embed.Config)

// validateEmbedderSpec checks a namespace's embedder against its dimension
// and builds the client. Errors name the field (embedder.*), or wrap
// ErrDimensionMismatch when the embedder is wider than the namespace.
func (s *Store) validateEmbedderSpec(sp *EmbedderSpec, nsDim int) (recall.Embedder, error) {
	switch sp.Kind {
	case embed.KindStatic:
		sp.BaseURL, sp.Model, sp.APIKey = "", "", "" // static takes none
	case embed.KindOpenAI, embed.KindOllama:
		u, err := url.Parse(sp.BaseURL)
		if sp.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return nil, invalid("embedder.base_url", "must be an absolute http or https URL without credentials")
		}
		if strings.TrimSpace(sp.Model) == "" || len(sp.Model) > 256 {
			return nil, invalid("embedder.model", "is required (at most 256 bytes)")
		}
		if sp.Dimension <= 0 || sp.Dimension > 4096 {
			return nil, invalid("embedder.dimension", "must be between 1 and 4096")
		}
		if len(sp.APIKey) > 4096 {
			return nil, invalid("embedder.api_key", "must be at most 4096 bytes")
		}
	default:
		return nil, invalid("embedder.kind", "must be static, openai or ollama")
	}
	emb, err := s.buildEmbedder(sp)
	if err != nil {
		return nil, invalid("embedder", "%v", err)
	}
	if sp.Kind == embed.KindStatic && sp.Dimension != 0 && sp.Dimension != emb.Dimension() {
		return nil, invalid("embedder.dimension", "static produces %d dimensions", emb.Dimension())
	}
	if emb.Dimension() > nsDim {
		return nil, fmt.Errorf("%w: namespace has %d dimensions, embedder %s produces %d", ErrDimensionMismatch, nsDim, emb.ID(), emb.Dimension())
	}
	return emb, nil
}

// buildEmbedder constructs the client of a spec (nil spec: the server's).
func (s *Store) buildEmbedder(sp *EmbedderSpec) (recall.Embedder, error) {
	if sp == nil {
		return s.emb, nil
	}
	cfg := embed.Config{BaseURL: sp.BaseURL, Model: sp.Model, APIKey: sp.APIKey, Dimension: sp.Dimension, Logger: s.log}
	if embedderConfigHook != nil {
		embedderConfigHook(&cfg)
	}
	emb, err := embed.New(sp.Kind, cfg)
	if err != nil {
		return nil, err
	}
	return emb, nil
}

// embedderIdentity names what a vector depends on: the model and its
// dimension. Two specs of one identity produce comparable vectors.
func embedderIdentity(emb recall.Embedder) string {
	return fmt.Sprintf("%s/%d", emb.ID(), emb.Dimension())
}

// nsEmbedder is an engine's active embedder, the one whose vectors fill
// its live vector index.
type nsEmbedder struct {
	mu     sync.RWMutex
	active recall.Embedder // nil until load; then never nil
	// gen is bumped at each swap; a write whose vectors were embedded
	// under an older generation is refused (write.go).
	gen uint64
}

// activeEmbedder returns the namespace's active embedder and generation.
func (e *Engine) activeEmbedder() (recall.Embedder, uint64) {
	e.emb.mu.RLock()
	defer e.emb.mu.RUnlock()
	if e.emb.active == nil {
		return e.s.emb, e.emb.gen
	}
	return e.emb.active, e.emb.gen
}

// setActiveEmbedder installs emb; bump starts a new generation (a swap).
func (e *Engine) setActiveEmbedder(emb recall.Embedder, bump bool) {
	e.emb.mu.Lock()
	e.emb.active = emb
	if bump {
		e.emb.gen++
	}
	e.emb.mu.Unlock()
}

// EmbedderID returns the id of the embedder whose vectors the namespace
// searches.
func (e *Engine) EmbedderID() string {
	emb, _ := e.activeEmbedder()
	return emb.ID()
}

// embedWith embeds texts with emb into dim dimensions (zero-padded).
func embedWith(ctx context.Context, emb recall.Embedder, dim int, texts []string) ([][]float32, error) {
	if dim < emb.Dimension() {
		return nil, fmt.Errorf("%w: namespace has %d dimensions, embedder %s produces %d", ErrDimensionMismatch, dim, emb.ID(), emb.Dimension())
	}
	done := embedTimer()
	vecs, err := emb.Embed(ctx, texts)
	done()
	if err != nil {
		return nil, fmt.Errorf("%w: embed: %v", ErrUnavailable, err)
	}
	for i, v := range vecs {
		if len(v) > dim {
			return nil, fmt.Errorf("%w: embedder %s returned %d dimensions, namespace has %d", ErrDimensionMismatch, emb.ID(), len(v), dim)
		}
		if len(v) < dim {
			p := make([]float32, dim)
			copy(p, v)
			vecs[i] = p
		}
	}
	return vecs, nil
}
