// Package text is the full-text (BM25) index of one namespace: a Bleve v2
// scorch index in its own folder, encrypted at rest, plus a Pool that keeps
// a bounded number of them open.
//
// It owns the index folder given to Open and everything in it:
//
//	dir/key.check   HMAC-SHA256(key, label): lets Open refuse a wrong key
//	                (ErrWrongKey) before Bleve reads anything.
//	dir/bleve/      the Bleve index (index_meta.json, store/root.bolt,
//	                store/*.zap).
//
// # Encryption at rest
//
// Bleve 2.6 (with zapx v17, its default segment format) calls two
// process-wide hooks, bleve_index_api.WriterHook and ReaderHook, for every
// piece of user data it writes or reads: in zap segments the term
// dictionaries (vellum FSTs), posting lists, stored fields (including _id),
// doc values and field names; in root.bolt the internal, deleted, stats
// and updated-fields values; and index_meta.json whole. (zapx v16 and
// older have no hooks; new indexes are written in v17, Bleve's default.) The hook
// receives the file path as context and returns an id that Bleve stores in
// plaintext next to the data (segment footer, bolt meta bucket, meta
// trailer) and hands back to the reader hook.
//
// The hooks are global to the process, so this package owns them: it sets
// them in init and dispatches on the path. Open registers dir/bleve with
// its key (Close forgets it); files outside a registered folder get
// Bleve's no-op behaviour, so another Bleve user in the process keeps
// working, unencrypted. Nothing else in the process may set the hooks.
//
// Each file gets a random 16-byte salt; its key is
// HMAC-SHA256(namespace key, label||salt), and every chunk is sealed with
// AES-256-GCM under a random 96-bit nonce with the file id as additional
// data. The id is "eg1:<key fingerprint>:<salt>", so the reader hook can
// refuse a file written under another key (ErrWrongKey) or a plaintext file
// inside an encrypted index (ErrCorrupt). Nothing else carries content:
// bolt keys are Bleve's own bucket names, segment file names and the
// checkpoint key "engram.seq" (its value is sealed). The text field is
// indexed without stored values, term vectors or doc values. TestCanary
// writes a canary into ids and text, applies 30 batches with deletes (so
// segments merge), closes, and finds in no byte of any file the canary, nor
// the vellum FST encoding of the canary term (terms are not contiguous
// text in an FST even in a plain index); TestCanaryControl shows both
// scans do find them in a plain Bleve index.
//
// Not hidden: file sizes, the number of segments and documents (from sizes
// and bolt structure), and which files share a key. Decrypted chunks live
// in the Go heap while in use; Bleve memory-maps the ciphertext only.
//
// # Checkpoint and durability
//
// Apply writes its ops and the change sequence number in one Bleve batch
// (Batch.SetInternal): scorch introduces and persists a batch's segment
// and internal values in one snapshot, so after a crash Checkpoint names
// the last batch on disk, together with its documents, and the caller
// replays its change log from there. The index is derived state, so by
// default Apply returns once the batch is searchable (read-your-writes)
// and scorch persists in the background (its "unsafe_batch" mode), which
// coalesces fsyncs; Options.SyncApply waits for each batch's fsync
// instead. Flush waits for everything applied so far; Close flushes.
// TestCrashKeepsCheckpoint SIGKILLs a writing child process in both modes
// and checks that the durable seqs survived and docs = 10 × checkpoint.
// Bleve keeps the mapping as an internal value too, so Open flushes a new
// index before returning it.
//
// # Query
//
// Search runs a Bleve match query over the analyzed text with OR between
// terms, scored by BM25 (IndexMapping.ScoringModel = "bm25"). The user's
// text is analyzed, never parsed as query-string syntax: "+foo -bar"
// finds documents with "bar", and "field:x" is one token (UAX #29 keeps
// letters around a colon together). A query with no terms left has no
// hits.
//
// # Analyzer
//
// Conversational English: unicode tokenizer, possessive removal ("Alice's"
// → "Alice"), lowercase, English stop words, stemming. TestAnalyzerQuality
// indexes 55 chat-style memories and asks 55 labelled questions worded
// differently (evaldata_test.go); k = 5:
//
//	analyzer      recall@5  MRR
//	standard      0.636     0.600   (no stemming)
//	en            0.927     0.859   (Porter; Bleve's built-in "en")
//	en_snowball   0.927     0.859   (Snowball English / Porter2)
//
// Porter and Snowball tie on this set; "en" is the default because it is
// Bleve's own analyzer. The misses are lexical ("allergies" and
// "allergic" stem apart, "love" vs "favourite"): left to vector recall.
// The analyzer is stored in the index mapping and fixed at creation.
//
// # Pool
//
// A Bleve index costs goroutines (persister, merger, introducer), file
// handles and caches, so a server with many namespaces keeps at most N
// open through Pool: LRU order, evicting only indexes nobody holds (a
// held index is never closed; more than N can be open only while more
// than N are held at once). Eviction flushes and closes the index outside
// the pool's lock; a Get for a name being closed waits for that close
// before reopening the folder.
//
// # Performance
//
// go test -run XXX -bench 'Apply|Search' -benchtime 2s -count 3 ./recall/text/
// on 2 shared cores (load average ~11 from other builds: treat as rough),
// medians; enc=false is the same Bleve mapping without the hooks:
//
//	Apply, batches of 100 short docs   enc=true        enc=false
//	  async (default)                  12,300 docs/s    9,700 docs/s
//	  SyncApply (fsync per batch)       2,200 docs/s    3,000 docs/s
//	Search, 3–6 word query, k=10
//	  n=10,000                         505 queries/s   610 queries/s
//	  n=100,000                         76 queries/s    73 queries/s
//	Open+Close of a 1,000-doc index    6.6 ms (BenchmarkOpenClose: a Pool
//	                                   miss plus an eviction)
//
// The encryption cost is within the noise of this machine for async
// Apply and for Search; SyncApply pays for rewriting each new segment
// through the hooks before its fsync.
//
// # Goroutines
//
// None of its own: Bleve's scorch runs its persister, merger and
// introducer per open index, stopped by Close.
package text
