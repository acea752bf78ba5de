package vector

import "slices"

// Background builds (Options.BackgroundBuild). Building an HNSW graph
// takes seconds to minutes (20,000 random 384-dimension vectors: 18 s on
// two cores; a rebuild at 100,000: 104 s), and a build inside the write
// that triggers it holds the write lock for all of it: every search of the
// namespace waits. A background build instead
//
//  1. copies the live vectors under the write lock (one memcpy; the copy
//     also drops tombstones, so a rebuild compacts),
//  2. builds a new arena and graph from the copy in a goroutine, holding no
//     lock, while the index goes on answering from its current structure
//     (an exact scan, or the old graph) and taking writes, each of which
//     it also notes in a log,
//  3. takes the write lock, replays the log onto the new structure (a few
//     incremental inserts and tombstones) and installs it.
//
// At most one build runs per index. Memory peaks at twice the vectors
// during a build.

// bgBuild is the state of an index's background build, guarded by the
// index lock.
type bgBuild struct {
	running bool
	log     []loggedWrite // writes since the copy, in order
	done    chan struct{} // closed once the running build is installed
	// hook, when set (tests), runs in the builder goroutine before it
	// builds.
	hook func()
}

// loggedWrite is an upsert (v != nil, prepared) or a delete (v == nil).
type loggedWrite struct {
	id uint64
	v  []float32
}

// note logs a write made while a build runs (the caller checks that one
// ran before the write: a build the write itself started has copied it).
// The caller holds the write lock.
func (b *bgBuild) note(id uint64, v []float32) {
	b.log = append(b.log, loggedWrite{id, slices.Clone(v)})
}

// graphDue is called when the index reaches HNSWThreshold without a graph:
// it builds the graph now, or starts a background build. The caller holds
// the write lock.
func (ix *Index) graphDue() {
	if ix.opts.BackgroundBuild {
		ix.startBuild()
		return
	}
	ix.buildGraph()
}

// startBuild copies the live vectors and builds a new graph from them in a
// goroutine, unless a build already runs. The caller holds the write lock.
func (ix *Index) startBuild() {
	if ix.bg.running || ix.closed.Load() {
		return
	}
	n := len(ix.slots)
	ids := make([]uint64, 0, n)
	vecs := make([]float32, 0, n*ix.opts.Dim)
	for s, id := range ix.ids {
		if ix.dead != nil && ix.dead[s] {
			continue
		}
		ids = append(ids, id)
		vecs = append(vecs, ix.vec(uint32(s))...)
	}
	done := make(chan struct{})
	ix.bg.running, ix.bg.log, ix.bg.done = true, nil, done
	go ix.buildInBackground(ids, vecs, ix.bg.hook, done)
}

func (ix *Index) buildInBackground(ids []uint64, vecs []float32, hook func(), done chan struct{}) {
	defer close(done)
	if hook != nil {
		hook()
	}
	// nx is private to this goroutine until it is installed: the graph
	// functions take the index whose arena they read, so they build on nx
	// exactly as they would on ix.
	nx := &Index{opts: ix.opts, dist: ix.dist, ids: ids, vecs: vecs,
		dead: make([]bool, len(ids)), slots: make(map[uint64]uint32, len(ids))}
	for s, id := range ids {
		nx.slots[id] = uint32(s)
	}
	nx.g = newGraph(nx.opts)
	nx.g.stop = ix.closed.Load
	nx.g.build(nx, 0, len(ids))
	nx.g.stop = nil
	if ix.closed.Load() {
		ix.mu.Lock()
		ix.bg.running, ix.bg.log = false, nil
		ix.mu.Unlock()
		return
	}
	// While the log is replayed onto nx, nx must not start a build of its
	// own: its bg is marked running and never started.
	nx.bg.running = true

	// Catch up without the lock while the writes made meanwhile are many
	// (nx is private; the logged entries never change once appended), then
	// replay the rest and install under the lock.
	ix.mu.Lock()
	defer ix.mu.Unlock()
	applied := 0
	for round := 0; len(ix.bg.log)-applied > catchUpLocked && round < maxCatchUpRounds; round++ {
		rest := ix.bg.log[applied:]
		ix.mu.Unlock()
		err := replay(nx, rest)
		ix.mu.Lock()
		if err != nil {
			ix.bg.running, ix.bg.log = false, nil
			return // only an index of 2^32 slots refuses: the old structure stays
		}
		applied += len(rest)
	}
	err := replay(nx, ix.bg.log[applied:])
	ix.bg.running, ix.bg.log = false, nil
	if err != nil {
		return
	}
	ix.vecs, ix.ids, ix.dead, ix.slots, ix.ndead, ix.g = nx.vecs, nx.ids, nx.dead, nx.slots, nx.ndead, nx.g
	// The replayed deletes may already call for the next rebuild.
	ix.maybeRebuild()
}

// Catch-up bounds: the writes left for the final replay under the lock,
// and the unlocked rounds before it is taken whatever is left.
const (
	catchUpLocked    = 256
	maxCatchUpRounds = 8
)

// replay applies logged writes to nx in order, consecutive upserts as one
// batch (linked into the graph on every core).
func replay(nx *Index, log []loggedWrite) error {
	var ids []uint64
	var vs [][]float32
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		err := nx.upsertBatchLocked(ids, vs)
		ids, vs = ids[:0], vs[:0]
		return err
	}
	for _, w := range log {
		if w.v != nil {
			ids, vs = append(ids, w.id), append(vs, w.v)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		nx.deleteLocked(w.id)
	}
	return flush()
}

// Close stops a background build: it gives up at its next node and
// installs nothing, and no new build starts, so an index dropped while its
// graph builds (a namespace closed or evicted) does not go on using the
// cores. The index still answers from the structure it has; Close does not
// wait for the builder (WaitBuild does).
func (ix *Index) Close() { ix.closed.Store(true) }

// WaitBuild waits until no background build is running, and reports
// whether the index then searches a graph.
func (ix *Index) WaitBuild() bool {
	for {
		ix.mu.RLock()
		running, done, hasGraph := ix.bg.running, ix.bg.done, ix.g != nil
		ix.mu.RUnlock()
		if !running {
			return hasGraph
		}
		<-done
	}
}
