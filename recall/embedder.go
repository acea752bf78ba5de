package recall

import "context"

// Embedder turns texts into vectors. Implementations live in recall/embed:
// the built-in offline default, OpenAI-compatible and Ollama endpoints.
//
// Embed returns one vector per text, each of length Dimension(), in the same
// order. Vectors are L2-normalized. ID identifies the model and its settings
// (e.g. "engram-static-v1", "openai:text-embedding-3-small"); vectors of two
// different IDs are never compared.
type Embedder interface {
	ID() string
	Dimension() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}
