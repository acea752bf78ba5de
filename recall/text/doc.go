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
// doc values and field names; in root.bolt the internal, deleted, stats and
// updated-fields values; and index_meta.json (the mapping) whole. The hook
// receives the file path as context and returns an id that Bleve stores in
// plaintext next to the data (segment footer, bolt meta bucket, meta
// trailer) and hands back to the reader hook.
//
// This package installs both hooks once and dispatches on the path: Open
// registers dir/bleve with its key; files outside a registered folder get
// Bleve's no-op behaviour. Each file gets a random 16-byte salt; its key is
// HMAC-SHA256(namespace key, label||salt), and every chunk is sealed with
// AES-256-GCM under a random 96-bit nonce with the file id as additional
// data. The id is "eg1:<key fingerprint>:<salt>", so the reader hook can
// refuse a file written under another key (ErrWrongKey) or a plaintext file
// inside an encrypted index (ErrCorrupt). Nothing else carries content:
// bolt keys are Bleve's own bucket names, segment file names and the
// checkpoint key "engram.seq" (its value is sealed). The text field is
// indexed without stored values, term vectors or doc values. TestCanary
// writes a canary into ids and text, applies 30 batches with deletes (so
// segments merge), closes, and finds the canary in no byte of any file.
//
// Not hidden: file sizes, the number of segments and documents (from sizes
// and bolt structure), and which files share a key. Decrypted chunks live
// in the Go heap while in use; Bleve memory-maps the ciphertext only.
//
// # Checkpoint
//
// Apply writes its ops and the change sequence number in one Bleve batch
// (Batch.SetInternal), and scorch's Batch returns only after the segment
// and root.bolt are persisted, so after a crash Checkpoint names exactly
// the last batch on disk and the caller replays its change log from there.
//
// # Query
//
// Search runs a Bleve match query over the analyzed text with OR between
// terms, scored by BM25 (IndexMapping.ScoringModel = "bm25"). The user's
// text is analyzed, never parsed as query-string syntax.
package text
