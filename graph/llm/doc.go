// Package llm is the optional model-based extractor of the knowledge graph:
// a client for an OpenAI-compatible chat endpoint (POST /v1/chat/completions
// with response_format {"type":"json_schema"}) or an Ollama one (POST
// /api/chat with "format": <schema>), a fixed prompt and JSON schema that
// ask for entities (name, type from the caller's entity types) and typed
// relations (subject, predicate from Relations, object, optional
// valid_from), and strict validation of the answer into graph types.
//
// It owns no goroutines and keeps no state between calls beyond an HTTP
// client; Client is safe for concurrent use. The memory package runs it
// from a background job and merges the result into a namespace's graph.
//
// # Requests
//
// One request per text, temperature 0. Each attempt is bounded by
// Config.Timeout; 429, 5xx and network errors are retried up to
// Config.MaxRetries times with exponential backoff and jitter, or after
// the delay a Retry-After header names (capped at 30 s). Other 4xx answers
// are not retried (ErrRequest). Texts longer than Config.MaxInputBytes are
// cut at a rune boundary. The API key is sent as a bearer token and never
// appears in errors or logs; neither do the text or the answer.
//
// # Validation
//
// An answer body larger than Config.MaxAnswerBytes, a body that is not the
// provider's JSON envelope, a truncated answer (finish reason "length"), a
// refusal, or content that is not a JSON object holding the arrays
// "entities" and "relations" is an error wrapping ErrBadResponse: nothing
// of it is used. Inside a well-formed answer, each item is checked and
// dropped (counted in Result.Dropped) when invalid:
//
//   - an entity needs a non-empty name of at most 200 bytes that occurs in
//     the text (compared after graph.Normalize, on word boundaries: the
//     model may not invent names) and a type among the allowed ones;
//     repeated names are merged (first type wins);
//   - a relation needs a predicate of Relations (case and spaces folded to
//     snake_case), a subject and an object that are entities of the same
//     answer, or the speaker "user", and that differ; repeated triples are
//     merged; valid_from, when given, must parse as YYYY-MM-DD, YYYY-MM,
//     YYYY or RFC 3339, else it is ignored (the relation is kept).
//
// At most MaxEntities entities and MaxRelations relations are kept.
package llm
