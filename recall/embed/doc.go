// Package embed holds the embedders behind recall.Embedder: the built-in
// offline Static embedder and clients for OpenAI-compatible (OpenAI) and
// Ollama (Ollama) embedding endpoints. New(kind, cfg) picks one by name.
//
// It owns the word-vector table data/words.bin (generated, committed; see
// data/README.md for source, licence and sha256) and its generator:
//
//	go run ./recall/embed/internal/gen   # regenerate data/words.bin (needs npm)
//
// # Static
//
// Static embeds a text in 384 dimensions, deterministically, in pure Go:
//
//   - tokens: lowercased runs of letters and digits; apostrophes split clitics
//     ("don't" → do, not; "alice's" → alice); other punctuation separates.
//   - words (100 dims): the SIF-weighted sum of GloVe 6B vectors, weight
//     a/(a+p(w)) with a = 1e-3 and p(w) from the word's frequency rank by
//     Zipf's law, minus its projection on the table's 4 common components,
//     scaled to length 1. The table holds the 120,000 most frequent
//     lowercase words as int8 with a per-row scale (13.9 MB).
//   - n-grams (284 dims): signed feature hashing (xxh3) of the character 3-,
//     4- and 5-grams of "<word>" and of the whole word, scaled to length 0.7.
//     Out-of-vocabulary words (names, typos, identifiers) land here.
//   - the concatenation is L2-normalized. Empty or whitespace-only text is
//     rejected with ErrEmptyText; text without letters or digits is hashed
//     from its characters, so no vector is zero and none holds NaN.
//
// Vectors depend on the table and every setting above: a change to either
// must bump the version in ID ("engram-static-v1-384"), since vectors of two
// IDs are never compared. The table is decoded once per process on first use (≈25–40 ms, 8 MB of
// heap); after that one text costs a few microseconds.
//
// # Measured quality
//
// testdata/paraphrase.jsonl holds 218 (query, memory) pairs written for an
// agent memory: preferences, people, plans, dates, places, health, work,
// infrastructure. TestStaticQuality embeds all memories as the corpus and
// ranks them for each query (cosine); the default must not be worse than
// either part alone. Figures from `go test -run Quality -v ./recall/embed/`:
//
//	variant                      recall@1   MRR
//	default (words + n-grams)     0.505    0.610
//	words only (100 dims)         0.450    0.569
//	n-grams only, SIF-weighted    0.239    0.337
//	n-grams only                  0.197    0.290
//	n-gram weight 0.4 / 1.0       0.472 / 0.477   0.588 / 0.589
//	n-gram buckets 156 (dim 256)  0.472    0.592
//	common components removed 0   0.372    0.485
//	common components removed 1   0.463    0.581
//	SIF a = 1e-4 / 1e-2           0.477 / 0.454   0.582 / 0.568
//	vocabulary 20k / 50k / 80k    0.445 / 0.505 / 0.505   0.556 / 0.605 / 0.611
//
// Settings were chosen on this set (checked on both halves of it); most
// neighbours of the default are within ±0.01 MRR, i.e. noise.
//
// # Providers
//
// OpenAI and Ollama send batches of Config.BatchSize texts, bound each
// request by Config.Timeout, retry 429, 5xx and network errors with
// exponential backoff and jitter (honouring Retry-After) up to
// Config.MaxRetries times, never retry other 4xx, check that every vector
// has the configured or first-seen dimension (ErrDimensionMismatch), and
// normalize. Errors and logs never carry the API key, the texts or vectors.
package embed
