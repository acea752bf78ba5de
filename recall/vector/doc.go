// Package vector is the per-namespace in-memory vector index of Engram.
//
// An Index owns a contiguous float32 arena of the namespace's vectors, the
// id↔slot maps, and, once the index holds HNSWThreshold vectors (default
// 20000), an HNSW graph over the arena. Below the threshold every search is
// an exact SIMD scan (github.com/viterin/vek, AVX2), split across
// GOMAXPROCS goroutines above 20000 slots, with a bounded heap for the top k.
//
// Scores are similarities, higher is better: cosine similarity (Cosine;
// vectors and queries are L2-normalized on the way in), the inner product
// (Dot), or 1/(1+d) for the L2 distance d (Euclidean).
//
// Concurrency: one sync.RWMutex per index. Search, SearchExact, Get and Len
// take the read lock; Upsert and Delete take the write lock. No goroutine
// outlives the call that starts it.
package vector
