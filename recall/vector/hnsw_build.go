package vector

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Tombstones trigger a compaction and rebuild once they reach
// max(rebuildMinDead, slots/rebuildDiv).
const (
	rebuildMinDead = 64
	rebuildDiv     = 4
)

// parallelBuildMin is the node count from which a build uses GOMAXPROCS
// goroutines.
const parallelBuildMin = 2000

// buildGraph builds the HNSW graph over the whole arena. The caller holds
// the write lock and the index has no tombstones.
func (ix *Index) buildGraph() {
	g := newGraph(ix.opts)
	n := len(ix.ids)
	ix.dead = make([]bool, n)
	ix.ndead = 0
	g.build(ix, 0, n)
	ix.g = g
}

// add links the freshly appended slot s into the graph.
func (g *graph) add(ix *Index, s uint32) {
	g.grow(g.randomLevel())
	sc := g.getScratch(len(g.levels))
	g.insert(ix, s, sc)
	g.pool.Put(sc)
}

// build grows and inserts nodes [from, n), in parallel when there are many.
func (g *graph) build(ix *Index, from, n int) {
	if from >= n {
		return
	}
	for range n - from {
		g.grow(g.randomLevel())
	}
	sc := g.getScratch(n)
	g.insert(ix, uint32(from), sc)
	from++
	workers := runtime.GOMAXPROCS(0)
	if n-from < parallelBuildMin || workers < 2 {
		for s := from; s < n && !g.stopped(); s++ {
			g.insert(ix, uint32(s), sc)
		}
		g.pool.Put(sc)
		return
	}
	g.pool.Put(sc)
	g.locks = make([]sync.Mutex, n)
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := g.getScratch(n)
			defer g.pool.Put(sc)
			for {
				s := next.Add(1) - 1
				if s >= int64(n) || g.stopped() {
					return
				}
				g.insert(ix, uint32(s), sc)
			}
		}()
	}
	wg.Wait()
	g.locks = nil
}

// stopped reports whether the build was asked to stop (graph.stop).
func (g *graph) stopped() bool { return g.stop != nil && g.stop() }

// insert links node s (already grown) into every layer up to its level.
func (g *graph) insert(ix *Index, s uint32, sc *scratch) {
	lvl := int(g.levels[s])
	q := ix.vec(s)
	parallel := g.locks != nil
	if parallel {
		g.entryMu.Lock()
	}
	ep, top, has := g.entry, g.maxLevel, g.hasEntry
	// A node that raises the top layer holds entryMu for its whole
	// insertion, as hnswlib does; it is rare (probability 1/M per layer).
	holding := parallel && lvl > top
	if parallel && !holding {
		g.entryMu.Unlock()
	}
	if !has {
		g.entry, g.maxLevel, g.hasEntry = s, lvl, true
		if holding {
			g.entryMu.Unlock()
		}
		return
	}
	cur := cand{s: ep, d: ix.dist(q, ix.vec(ep))}
	for l := top; l > lvl; l-- {
		cur = g.greedy(ix, q, cur, l, sc)
	}
	for l := min(lvl, top); l >= 0; l-- {
		sc.vis.reset(len(g.levels))
		res, _ := g.searchLayer(ix, q, cur, g.efc, l, sc, nil, -1)
		sorted := append(sc.prune[:0], res...)
		slices.SortFunc(sorted, cmpCand)
		sc.prune = sorted
		if len(sorted) > 0 {
			cur = sorted[0]
		}
		sc.sel = g.heuristic(ix, sorted, g.m, s, sc.sel[:0])
		g.setLinks(s, l, sc.sel)
		for _, c := range sc.sel {
			g.linkBack(ix, c.s, s, c.d, l, sc)
		}
	}
	if lvl > top {
		g.entry, g.maxLevel = s, lvl
	}
	if holding {
		g.entryMu.Unlock()
	}
}

func cmpCand(a, b cand) int {
	switch {
	case a.d < b.d:
		return -1
	case a.d > b.d:
		return 1
	case a.s < b.s:
		return -1
	case a.s > b.s:
		return 1
	}
	return 0
}

// heuristic is hnswlib's getNeighborsByHeuristic2: walking the candidates
// closest first (sorted ascending), keep one only if it is closer to the
// base than to every candidate already kept, up to m. self is never kept.
func (g *graph) heuristic(ix *Index, sorted []cand, m int, self uint32, out []cand) []cand {
	for _, c := range sorted {
		if len(out) >= m {
			break
		}
		if c.s == self {
			continue
		}
		good := true
		cv := ix.vec(c.s)
		for _, o := range out {
			if ix.dist(cv, ix.vec(o.s)) < c.d {
				good = false
				break
			}
		}
		if good {
			out = append(out, c)
		}
	}
	return out
}

// setLinks replaces the neighbours of s on level.
func (g *graph) setLinks(s uint32, level int, sel []cand) {
	if g.locks != nil {
		g.locks[s].Lock()
		defer g.locks[s].Unlock()
	}
	l := g.list(s, level)
	l[0] = uint32(len(sel))
	for i, c := range sel {
		l[1+i] = c.s
	}
}

// linkBack adds s (at distance d) to n's neighbours on level, pruning n's
// list with the heuristic when it is full.
func (g *graph) linkBack(ix *Index, n, s uint32, d float32, level int, sc *scratch) {
	if g.locks != nil {
		g.locks[n].Lock()
		defer g.locks[n].Unlock()
	}
	l := g.list(n, level)
	capacity := g.m
	if level == 0 {
		capacity = g.m0
	}
	cnt := int(l[0])
	if slices.Contains(l[1:1+cnt], s) {
		return
	}
	if cnt < capacity {
		l[1+cnt] = s
		l[0]++
		return
	}
	nv := ix.vec(n)
	cs := append(sc.back[:0], cand{d: d, s: s})
	for _, x := range l[1 : 1+cnt] {
		cs = append(cs, cand{d: ix.dist(nv, ix.vec(x)), s: x})
	}
	slices.SortFunc(cs, cmpCand)
	sel := g.heuristic(ix, cs, capacity, n, sc.backSel[:0])
	sc.back, sc.backSel = cs, sel
	l[0] = uint32(len(sel))
	for i, c := range sel {
		l[1+i] = c.s
	}
}

// maybeRebuild compacts the arena and rebuilds the graph once tombstones
// pass their limit; below the HNSW threshold the index goes back to exact.
// The caller holds the write lock.
func (ix *Index) maybeRebuild() {
	if ix.ndead < max(rebuildMinDead, len(ix.ids)/rebuildDiv) {
		return
	}
	if ix.opts.BackgroundBuild {
		ix.startBuild() // compacts into the copy; the old graph serves meanwhile
		return
	}
	ix.compact()
	if t := ix.opts.HNSWThreshold; t > 0 && len(ix.ids) >= t {
		ix.buildGraph()
	}
}

// compact drops tombstoned slots and the graph, leaving an exact index.
func (ix *Index) compact() {
	dim := ix.opts.Dim
	w := 0
	for s, id := range ix.ids {
		if ix.dead != nil && ix.dead[s] {
			continue
		}
		if w != s {
			copy(ix.vecs[w*dim:(w+1)*dim], ix.vecs[s*dim:(s+1)*dim])
			ix.ids[w] = id
		}
		ix.slots[id] = uint32(w)
		w++
	}
	ix.ids = ix.ids[:w]
	ix.vecs = ix.vecs[:w*dim]
	ix.dead, ix.ndead, ix.g = nil, 0, nil
}
