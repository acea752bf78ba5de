// Package memory is Engram's storage engine: the memories, sessions,
// knowledge graph and documents of every namespace of a server, sealed in
// one Badger database, with the in-memory indexes that answer recall.
//
// # What it owns
//
// A [Store] (store.go, Open) owns the data directory: its LOCK file, the
// keyring sealed under the master key (keyring*.go: Badger's key, the
// system key that seals the namespace registry, the API-key pepper), the
// one Badger database (wrapped by guardedDB, which turns a full disk into
// ErrUnavailable for writes while reads go on), the namespace registry
// (namespaces.go) and one [Engine] per open namespace. When more than
// Options.MaxOpenNamespaces engines are open, the least recently used ones
// idle for a minute are closed by the lifecycle sweep; a closed namespace
// is reopened (loaded from its rows) on next use. The Store also runs key rotation (rotate.go),
// re-embedding (reembed*.go), backup and restore (keyring_backup.go) and
// offline master-key changes (rekey.go).
//
// An Engine (engine.go) is one open namespace: its sealer (a data key per
// namespace, wrapped in the registry row, so deleting the row shreds the
// namespace), its memories and sessions decoded in maps, its vector index
// (recall/vector), its full-text index (recall/text, a Bleve index under
// the data directory, caught up from the namespace's change log when
// opened), its knowledge graph (graph.go: entities, relations and memory
// links, decoded in the kg struct beside a graph.Resolver), its documents
// (docs*.go, loaded on first use) and its active embedder (embedders.go).
//
// # Write path
//
// Engine.StoreBatch validates every item, then embeds the contents with no
// lock held. Engine.write takes writeMu (one writer per namespace), splits
// the batch into transactions of about 1 MB, and for each: extracts
// entities and relations into a graph delta (graph.go, extractInto), then
// commits in one Badger transaction the memory rows, vector rows, the
// global id index, change-log entries, the graph delta's rows and session
// counters. Only after the commit does it take e.mu to apply the records
// and the graph delta to the maps; it then upserts the vector index (with
// e.mu released) and applies the text index with the change sequence as
// its checkpoint, so a crash between commit and index update is replayed
// from the change log at the next open. With an extraction model
// configured (llmextract.go), the committed memories are then queued for
// it, after writeMu is released; the write never waits for the model.
// Relations written directly
// (AddRelation) and links (AddLink) follow the same order: writeMu, one
// transaction, then e.mu.
//
// # Recall path
//
// Engine.Recall (recall.go) embeds the query with no lock held (without
// the speakers it names: speaker.go; Engine.speakers counts the speaker
// labels under e.mu), searches the vector index under e.mu.RLock (the
// request filter, when there is one, runs inside the search and reads
// e.mems without locking), searches the text index, adds graph candidates
// in hybrid routing (memories mentioning entities named in the query),
// fuses the lists (weighted or RRF), lends part of each matching
// question's relevance to the memory that follows it and a smaller part of
// every candidate's to the candidates beside it in its conversation stream
// (order.go; Engine.order keeps every stream sorted under e.mu), raises the
// memories spoken by someone the query names, weights them by decay
// retention under the namespace policy, and records the accesses in memory;
// the sweep goroutine flushes them to storage. Engine.Traverse walks the
// entity graph with graph.Traverse, reading adjacency under e.mu.RLock per
// node.
//
// # Lifecycle
//
// Store.Sweep (lifecycle.go) forgets memories past expires_at or below the
// policy's min_importance (at most 1,000 per namespace per pass), ends idle
// sessions and closes idle engines beyond MaxOpenNamespaces.
// DeleteNamespace deletes the registry row first (shredding the data keys),
// then the rows, change log and text index.
//
// # Lock order
//
// Store.mu → Engine.writeMu → the documents lock (docStore.mu) → Engine.mu
// → the vector index's lock. A filtered vector search runs with e.mu
// read-held and its filter reads e.mems unlocked (filters run on several
// goroutines at once inside the search), so the vector index is never
// written with e.mu held. Leaves, taken with nothing else acquired after
// them: the active embedder's lock, the rotation table's lock
// (rotations.mu), the re-embed job table's lock (taken under Store.mu)
// and the model-extraction queue locks (llmQueues and llmQueue.mu, never
// nested; startLLMWorker takes llmQueue.mu under Store.mu).
// Store.mu is released before an engine loads: concurrent callers wait on
// the engine's opened channel. No lock is held across an embedder call.
//
// # Goroutines
//
// Every goroutine the package starts is counted in Store.wg and runs under
// Store.ctx, the lifecycle context that Open creates and Close cancels;
// Close cancels it, waits for the group, then closes the engines and the
// database.
//
//   - Store.sweepLoop (store.go), started by Open: flushes recorded accesses
//     every Options.SweepInterval (default 1s) and runs Sweep every 60
//     ticks. It stops when Store.ctx is cancelled, after a last flush.
//   - One re-embedding job per namespace (reembed.go, startReembedLocked),
//     started by an embedder change or, when an engine loads, to resume a
//     job a previous process left running. Its context is a child of
//     Store.ctx; a newer job for the namespace cancels it and waits for it
//     to finish first, an embedder change that leaves nothing to re-embed
//     cancels it (cancelReembed), and it ends by itself when done, when
//     superseded (its state row names another job) or when its namespace
//     is gone.
//   - One key rotation per namespace (rotate.go, startRotation), started by
//     RotateNamespaceKey or by Open to resume an unfinished one. It runs
//     until every row is resealed, its namespace is deleted, or Store.ctx
//     is cancelled (it resumes at the next Open).
//   - One model-extraction worker per namespace with queued jobs
//     (llmextract.go, startLLMWorker), started by the first job while the
//     Store is open. It exits when its queue is empty or Store.ctx is
//     cancelled (the jobs left are dropped, not persisted), and holds no
//     lock while the model answers.
//
// Goroutines of other packages: memory/storage starts Badger's value-log
// GC loop (stopped by its Close, which Store.Close calls); the vector
// index spreads an exact scan (filter included) and a batch insert over
// the cores, and joins those goroutines before the call returns; its HNSW
// graph builds (at 20,000 vectors, at a namespace's load, and rebuilds
// after many deletes) run in one background goroutine per index that
// holds no lock while it builds and ends by installing the graph under the
// index lock. Closing the engine (Store.Close, eviction) closes the index,
// and a build under way gives up at its next node without installing
// anything; Close does not wait for that (Engine.WaitIndexes waits).
package memory
