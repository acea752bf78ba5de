// Package webhook delivers signed HTTP notifications of namespace events
// (memory.stored, memory.updated, memory.forgotten, import.completed,
// namespace.deleted) to per-namespace subscriptions.
//
// It owns the subscription and delivery rows in the shared storage.DB:
//
//	0x00 'W' | nsHash(16) | subID(12)    subscription (sealed JSON)
//	0x00 'w' | subID(12) | deliveryID(12) delivery (sealed JSON)
//
// nsHash is a keyed hash of organization and namespace name, so no name
// appears in a key. Every value is sealed (AES-256-GCM, row key as additional
// data) under a key the caller passes to Open (memory.Store.SubKey
// ("webhooks")): target URLs, signing secrets and payloads are never
// plaintext on disk. Delivery ids start with their creation time, so a
// subscription's deliveries list newest first by a reverse scan.
//
// Delivery never blocks a write: Emit persists one delivery row per matching
// subscription (and payload chunk) and schedules it in a bounded in-memory
// queue; rows that do not fit stay pending on disk and are loaded when the
// queue drains, as on Open, so a restart resumes pending deliveries. Each
// attempt has a timeout (10s), 2xx means delivered, anything else is retried
// with exponential backoff and jitter (1s, 2s, 4s … capped at 1m) up to 8
// attempts, after which the delivery is failed, kept and listed until Retry
// queues it again.
//
// Requests carry Engram-Event, Engram-Delivery and Engram-Signature:
// t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>. Receivers
// check it with Verify, which also rejects timestamps outside a tolerance
// (DefaultTolerance, 5 minutes) so a captured request cannot be replayed
// later; within the window receivers deduplicate on Engram-Delivery.
//
// Targets must be http(s) URLs without credentials. By default any host is
// allowed, loopback included; production deployments should set
// Options.DenyPrivate (checked at subscribe time and again at dial time,
// after DNS resolution) and/or Options.AllowedHosts.
//
// Goroutines: Open starts Options.Workers delivery workers, one scheduler
// (wakes due deliveries and reloads pending rows) and one janitor (drops
// delivered and failed rows older than Options.Retention, hourly). Close
// cancels in-flight attempts (they stay pending, uncounted) and waits for
// all of them. Locks: Service.createMu serializes Subscribe (held across
// its one write); Service.mu (subscriptions) and queue.mu are never held
// together, nor across storage or network I/O.
package webhook
