// Package client is the Go SDK for Engram's HTTP API (API.md): every route,
// with typed requests and answers, retries, typed errors and the rate-limit
// headers the server last sent.
//
// It depends only on the standard library, so a program that talks to an
// Engram server pulls in nothing of the server.
//
//	c, err := client.New(client.Options{BaseURL: "http://127.0.0.1:3000", APIKey: key})
//	_, err = c.Store(ctx, client.StoreRequest{AgentID: "bot", Content: "Alice likes tea"})
//	res, err := c.Recall(ctx, client.RecallRequest{AgentID: "bot", Query: "what does Alice drink?"})
//
// # Namespaces
//
// Options.Namespace (or WithNamespace) is sent as the X-Namespace header on
// every request; a request's own Namespace field takes precedence. Methods
// that take a namespace argument (routes with {ns} in their path) use the
// client's namespace when the argument is "".
//
// # Errors
//
// A non-2xx answer is a *Error carrying the server's status, code, message
// and details; IsNotFound, IsForbidden, IsUnauthorized, IsRateLimited,
// IsConflict and IsInvalid classify it (they see through wrapping).
//
// # Retries
//
// A request is retried at most Options.MaxRetries times, with exponential
// backoff and full jitter (200 ms doubling, at most 10 s), or after the
// server's Retry-After (at most 60 s) when it sent one:
//
//   - 429 Too Many Requests: always, for every method. The server rejects a
//     rate-limited request before its handler runs, so nothing happened.
//   - A connection that could not be made (dial error): always, for the
//     same reason.
//   - 503 Service Unavailable and other network errors (reset, timeout):
//     only for requests that are safe to repeat: GET, PUT and DELETE, and
//     these POSTs: recall, search, batch recall, forget, set importance,
//     consolidate with dry_run, session end, extract, knowledge graph,
//     vector/text/hybrid/full-text queries, vector and document upserts and
//     deletes (by id), store and batch store when every memory carries a
//     client-chosen id, and import (idempotent by id).
//   - Never on other 4xx or 5xx answers.
//
// A body given as an io.Reader (Import) is retried only when it is an
// io.Seeker.
//
// # Testing
//
// Package clienttest starts a real server (Badger, Bleve, HTTP on
// 127.0.0.1) for tests of code built on this SDK.
package client
