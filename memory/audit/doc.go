// Package audit is Engram's append-only, hash-chained audit log: one event
// per mutation and admin action (who, which namespace, what, outcome;
// never content or secrets).
//
// Events get consecutive sequence numbers and each stores
// Hash = SHA-256(Prev || canonical encoding of the event), Prev being the
// previous event's Hash (32 zero bytes for the first). Verify recomputes
// the chain, so rewriting or deleting any stored event is detected; only
// truncation together with a rewritten head escapes it, which an external
// copy of Head catches.
//
// Storage: rows in the shared storage.DB under 0x00 'A' (layout in log.go).
// Appends are serialized by Log.mu and, across processes, by reading the
// head inside the append transaction. Log starts no goroutines.
package audit
