// Package auth owns organizations, API keys, their scopes, permissions and
// namespace grants, key verification with its cache, usage counters, and
// the rate limiters the HTTP layer puts in front of every route.
//
// Keys are bearer secrets (format in secret.go). Only
// HMAC-SHA256(pepper, secret) is stored; Verify recomputes it and compares
// in constant time, also on cache hits. An LRU cache indexed by xxh3 of the
// presented secret saves the storage read; every mutation drops the key's
// entries and every hit rechecks activity, expiry, rotation grace and idle
// expiry, so revocation is immediate. An entry also holds the rate limit
// of the key's organization (a key without its own inherits it); a change
// of the organization drops the entries of all its keys.
//
// Storage: Manager keeps its rows in the shared storage.DB under the system
// prefix 0x00 ('K' keys, 'k' key indexes, 'O' organizations, 'U' usage;
// layout in manager.go). Values are JSON; no secrets, no user-chosen names
// in keys.
//
// Goroutines: NewManager starts one, the usage flusher, which Close stops
// after a final flush. LocalLimiter and RedisLimiter start none.
//
// Locks: Manager.cacheMu orders cache insertions against invalidations and
// is never held across storage I/O; the usage buffer's mutex guards only
// the in-memory map. LocalLimiter.mu guards its bucket map.
package auth
