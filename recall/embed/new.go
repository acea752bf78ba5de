package embed

import (
	"context"
	"fmt"
)

// Embedder has the method set of recall.Embedder, so New can return any
// embedder without this package importing recall.
type Embedder interface {
	ID() string
	Dimension() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Provider kinds accepted by New.
const (
	KindStatic = "static"
	KindOpenAI = "openai"
	KindOllama = "ollama"
)

// New returns the embedder of the given kind: KindStatic ignores cfg;
// KindOpenAI and KindOllama call NewOpenAI and NewOllama.
func New(kind string, cfg Config) (Embedder, error) {
	switch kind {
	case KindStatic, "":
		return NewStatic(), nil
	case KindOpenAI:
		o, err := NewOpenAI(cfg)
		if err != nil {
			return nil, err
		}
		return o, nil
	case KindOllama:
		o, err := NewOllama(cfg)
		if err != nil {
			return nil, err
		}
		return o, nil
	}
	return nil, fmt.Errorf("%w: unknown embedder kind %q (want static, openai or ollama)", ErrConfig, kind)
}
