// Package endpoint sends JSON requests to model endpoints (OpenAI-compatible
// and Ollama servers): one POST per attempt under a per-attempt timeout, a
// bounded answer, retries with exponential backoff and jitter on 429, 5xx,
// timeouts and network errors (a Retry-After header takes precedence,
// capped at 30 s), and errors that never carry the URL, the request or the
// answer. The embedding providers (recall/embed) and the model-based graph
// extraction (graph/llm) share it; each passes its own sentinel errors, so
// their error contracts stay their own.
package endpoint
