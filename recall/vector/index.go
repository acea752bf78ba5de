package vector

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Hit is one search result. Score is a similarity, higher is better: cosine
// similarity for Cosine, the inner product for Dot, 1/(1+L2 distance) for
// Euclidean.
type Hit struct {
	ID    uint64
	Score float32
}

// Index is an in-memory vector index for one namespace. It is safe for
// concurrent use: searches share a read lock, writes take the write lock.
type Index struct {
	opts Options
	dist func(a, b []float32) float32

	mu    sync.RWMutex
	vecs  []float32         // arena: slot s holds vecs[s*Dim:(s+1)*Dim]
	ids   []uint64          // slot -> id
	dead  []bool            // slot -> tombstoned; nil while exact
	slots map[uint64]uint32 // live id -> slot
	ndead int               // tombstoned slots
	g     *graph            // HNSW graph over all slots; nil while exact

	bg bgBuild // the background build, if one runs (build_bg.go)
	// closed is set by Close: a background build stops at its next node
	// and installs nothing.
	closed atomic.Bool
}

// New returns an empty index.
func New(opts Options) (*Index, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Index{
		opts:  o,
		dist:  o.Metric.distFunc(),
		slots: make(map[uint64]uint32),
	}, nil
}

// Options returns the index options with defaults filled in.
func (ix *Index) Options() Options { return ix.opts }

// Len returns the number of live vectors.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.slots)
}

// Get returns a copy of the stored vector for id (normalized under Cosine).
func (ix *Index) Get(id uint64) ([]float32, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s, ok := ix.slots[id]
	if !ok {
		return nil, false
	}
	return slices.Clone(ix.vec(s)), true
}

func (ix *Index) vec(s uint32) []float32 {
	d := ix.opts.Dim
	o := int(s) * d
	return ix.vecs[o : o+d : o+d]
}

// Upsert stores a copy of v under id, replacing any previous vector.
// Under Cosine the copy is L2-normalized.
func (ix *Index) Upsert(id uint64, v []float32) error {
	v, err := ix.opts.Metric.prepare(v, ix.opts.Dim)
	if err != nil {
		return err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	building := ix.bg.running // a build this write starts copies it already
	if err := ix.upsertLocked(id, v); err != nil {
		return err
	}
	if building {
		ix.bg.note(id, v)
	}
	return nil
}

// upsertLocked stores the prepared vector v under id; the caller holds the
// write lock.
func (ix *Index) upsertLocked(id uint64, v []float32) error {
	if s, ok := ix.slots[id]; ok {
		if ix.g == nil {
			copy(ix.vec(s), v)
			return nil
		}
		ix.tombstone(id, s)
	}
	if len(ix.ids) >= maxSlots {
		return fmt.Errorf("%w: index full (%d slots)", ErrOptions, maxSlots)
	}
	s := uint32(len(ix.ids))
	ix.ids = append(ix.ids, id)
	ix.vecs = append(ix.vecs, v...)
	ix.slots[id] = s
	if ix.g != nil {
		ix.dead = append(ix.dead, false)
		ix.g.add(ix, s)
		ix.maybeRebuild()
		return nil
	}
	if t := ix.opts.HNSWThreshold; t > 0 && len(ix.slots) >= t {
		ix.graphDue()
	}
	return nil
}

// UpsertBatch upserts vs[i] under ids[i]. It validates every vector before
// changing anything, and links new vectors into the HNSW graph (or builds it
// when the batch crosses HNSWThreshold) with GOMAXPROCS goroutines, which
// makes it the fast way to load a namespace.
func (ix *Index) UpsertBatch(ids []uint64, vs [][]float32) error {
	if len(ids) != len(vs) {
		return fmt.Errorf("%w: %d ids for %d vectors", ErrDimension, len(ids), len(vs))
	}
	prepared := make([][]float32, len(vs))
	for i, v := range vs {
		p, err := ix.opts.Metric.prepare(v, ix.opts.Dim)
		if err != nil {
			return fmt.Errorf("vector %d: %w", i, err)
		}
		prepared[i] = p
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	building := ix.bg.running // a build this batch starts copies it already
	if err := ix.upsertBatchLocked(ids, prepared); err != nil {
		return err
	}
	if building {
		for i, id := range ids {
			ix.bg.note(id, prepared[i])
		}
	}
	return nil
}

// upsertBatchLocked stores the prepared vectors; the caller holds the write
// lock.
func (ix *Index) upsertBatchLocked(ids []uint64, prepared [][]float32) error {
	if len(ix.ids)+len(ids) > maxSlots {
		return fmt.Errorf("%w: index full (%d slots)", ErrOptions, maxSlots)
	}
	from := len(ix.ids)
	ix.vecs = slices.Grow(ix.vecs, len(ids)*ix.opts.Dim)
	for i, id := range ids {
		v := prepared[i]
		if s, ok := ix.slots[id]; ok {
			if ix.g == nil {
				copy(ix.vec(s), v)
				continue
			}
			ix.tombstone(id, s)
		}
		ix.slots[id] = uint32(len(ix.ids))
		ix.ids = append(ix.ids, id)
		ix.vecs = append(ix.vecs, v...)
		if ix.g != nil {
			ix.dead = append(ix.dead, false)
		}
	}
	switch {
	case ix.g != nil:
		ix.g.build(ix, from, len(ix.ids))
		ix.maybeRebuild()
	case ix.opts.HNSWThreshold > 0 && len(ix.slots) >= ix.opts.HNSWThreshold:
		ix.graphDue()
	}
	return nil
}

// maxSlots bounds the arena so that slots fit in uint32.
const maxSlots = 1<<32 - 1

// Delete removes id and reports whether it was present.
func (ix *Index) Delete(id uint64) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	building := ix.bg.running // a rebuild this delete starts copies it already
	if !ix.deleteLocked(id) {
		return false
	}
	if building {
		ix.bg.note(id, nil)
	}
	return true
}

// deleteLocked removes id; the caller holds the write lock.
func (ix *Index) deleteLocked(id uint64) bool {
	s, ok := ix.slots[id]
	if !ok {
		return false
	}
	if ix.g != nil {
		ix.tombstone(id, s)
		ix.maybeRebuild()
		return true
	}
	delete(ix.slots, id)
	last := uint32(len(ix.ids) - 1)
	if s != last {
		lid := ix.ids[last]
		copy(ix.vec(s), ix.vec(last))
		ix.ids[s] = lid
		ix.slots[lid] = s
	}
	ix.ids = ix.ids[:last]
	ix.vecs = ix.vecs[:int(last)*ix.opts.Dim]
	return true
}

func (ix *Index) tombstone(id uint64, s uint32) {
	delete(ix.slots, id)
	ix.dead[s] = true
	ix.ndead++
}

// Search returns up to k hits closest to q, best first (ties by ascending id).
// filter, if not nil, admits ids; it is applied during the scan or graph
// traversal, may be called concurrently from several goroutines and must not
// call back into the index.
func (ix *Index) Search(q []float32, k int, filter func(id uint64) bool) ([]Hit, error) {
	q, err := ix.opts.Metric.prepare(q, ix.opts.Dim)
	if err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	return ix.search(q, k, ix.opts.EfSearch, filter), nil
}

// search runs a prepared query with candidate list size ef (graph only).
func (ix *Index) search(q []float32, k, ef int, filter func(uint64) bool) []Hit {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.g != nil {
		if cs, ok := ix.searchGraph(q, k, max(k, ef), filter); ok {
			return ix.hits(cs)
		}
	}
	return ix.hits(ix.exact(q, k, filter))
}

// SearchExact is Search by exhaustive scan, whatever the index size.
func (ix *Index) SearchExact(q []float32, k int, filter func(id uint64) bool) ([]Hit, error) {
	q, err := ix.opts.Metric.prepare(q, ix.opts.Dim)
	if err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.hits(ix.exact(q, k, filter)), nil
}

// hits sorts candidates closest first (ties by id) and converts them.
func (ix *Index) hits(cs []cand) []Hit {
	out := make([]Hit, len(cs))
	for i, c := range cs {
		out[i] = Hit{ID: ix.ids[c.s], Score: c.d}
	}
	slices.SortFunc(out, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score < b.Score {
				return -1
			}
			return 1
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	for i := range out {
		out[i].Score = ix.opts.Metric.score(out[i].Score)
	}
	return out
}
