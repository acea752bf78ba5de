package vector

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/viterin/vek/vek32"
)

// maxGraphLevel caps the HNSW layer of a node.
const maxGraphLevel = 30

// Filtered graph searches give up and fall back to an exact scan once they
// have computed this many distances: max(minFilterBudget, slots/filterBudgetDiv).
const (
	minFilterBudget = 2000
	filterBudgetDiv = 8
)

// graph is an HNSW graph whose nodes are arena slots of its Index. It is
// guarded by the Index lock; during a parallel build (locks != nil) each
// node's neighbour lists are guarded by locks[node] and entry/maxLevel by
// entryMu.
type graph struct {
	m, m0 int     // max out-degree on layers ≥ 1 and on layer 0
	efc   int     // candidate list size while inserting
	ml    float64 // level multiplier, 1/ln(M)
	rng   *rand.Rand

	// stop, when set, is polled between insertions by build, which
	// returns early once it reports true (the graph is then incomplete
	// and must be thrown away).
	stop func() bool

	levels []uint8    // node -> top layer
	l0     []uint32   // layer 0: node s owns m0+1 words at s*(m0+1): count, then neighbours
	upper  [][]uint32 // node -> layers 1..levels[s], m+1 words each (count, neighbours)

	hasEntry bool
	entry    uint32
	maxLevel int

	locks   []sync.Mutex
	entryMu sync.Mutex
	pool    sync.Pool // *scratch
}

// scratch is the pooled per-search state.
type scratch struct {
	vis     visited
	cands   minHeap
	res     maxHeap
	sel     []cand
	prune   []cand
	back    []cand // linkBack candidates
	backSel []cand
	buf     []uint32
	todo    []uint32 // unvisited neighbours of the current node
	touch   float32  // sink for the vector touches in searchLayer
}

func newGraph(o Options) *graph {
	return &graph{
		m:   o.M,
		m0:  2 * o.M,
		efc: o.EfConstruction,
		ml:  1 / math.Log(float64(o.M)),
		rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x5851f42d4c957f2d)),
	}
}

func (g *graph) getScratch(n int) *scratch {
	sc, _ := g.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	sc.vis.reset(n)
	return sc
}

// list returns node s's neighbour block on level: word 0 is the count.
func (g *graph) list(s uint32, level int) []uint32 {
	if level == 0 {
		w := g.m0 + 1
		o := int(s) * w
		return g.l0[o : o+w : o+w]
	}
	w := g.m + 1
	o := (level - 1) * w
	return g.upper[s][o : o+w : o+w]
}

// neighbours returns the neighbours of s on level, copied under the node
// lock during a parallel build.
func (g *graph) neighbours(s uint32, level int, sc *scratch) []uint32 {
	l := g.list(s, level)
	if g.locks == nil {
		return l[1 : 1+l[0]]
	}
	g.locks[s].Lock()
	sc.buf = append(sc.buf[:0], l[1:1+l[0]]...)
	g.locks[s].Unlock()
	return sc.buf
}

func (g *graph) randomLevel() int {
	l := int(-math.Log(1-g.rng.Float64()) * g.ml)
	return min(l, maxGraphLevel)
}

// grow appends an unlinked node with top layer lvl.
func (g *graph) grow(lvl int) {
	g.levels = append(g.levels, uint8(lvl))
	n := len(g.l0)
	g.l0 = slices.Grow(g.l0, g.m0+1)[:n+g.m0+1]
	clear(g.l0[n:])
	var up []uint32
	if lvl > 0 {
		up = make([]uint32, lvl*(g.m+1))
	}
	g.upper = append(g.upper, up)
}

// greedy walks level from ep to a local minimum of the distance to q.
func (g *graph) greedy(ix *Index, q []float32, ep cand, level int, sc *scratch) cand {
	for changed := true; changed; {
		changed = false
		for _, n := range g.neighbours(ep.s, level, sc) {
			if d := ix.dist(q, ix.vec(n)); d < ep.d {
				ep, changed = cand{d: d, s: n}, true
			}
		}
	}
	return ep
}

// searchLayer is the HNSW beam search on one level, starting from ep. Only
// nodes admitted by admit (nil: all) enter the result set, but all nodes are
// traversed, so a filtered search keeps going until it holds ef admitted
// nodes or the frontier is exhausted. budget ≥ 0 bounds the distance
// computations; running out returns false.
func (g *graph) searchLayer(ix *Index, q []float32, ep cand, ef, level int, sc *scratch, admit func(uint32) bool, budget int) (maxHeap, bool) {
	cands, res := append(sc.cands[:0], ep), sc.res[:0]
	defer func() { sc.cands = cands[:0] }()
	sc.vis.visit(ep.s)
	euclid := ix.opts.Metric == Euclidean
	lower := float32(math.Inf(1))
	if admit == nil || admit(ep.s) {
		res.push(ep)
		lower = ep.d
	}
	for len(cands) > 0 {
		c := cands.pop()
		if c.d > lower && len(res) >= ef {
			break
		}
		// Gather the unvisited neighbours and touch each one's vector
		// before computing any distance: the loads are independent, so
		// their cache misses overlap instead of queueing behind each dot
		// product (Go has no prefetch instruction).
		todo := sc.todo[:0]
		var touch float32
		for _, n := range g.neighbours(c.s, level, sc) {
			if !sc.vis.visit(n) {
				todo = append(todo, n)
				v := ix.vec(n)
				for i := 0; i < len(v); i += 16 {
					touch += v[i]
				}
			}
		}
		sc.todo, sc.touch = todo, touch
		if budget >= 0 {
			if budget < len(todo) {
				sc.res = res
				return nil, false
			}
			budget -= len(todo)
		}
		for _, n := range todo {
			var d float32
			if euclid {
				d = vek32.Distance(q, ix.vec(n))
			} else {
				d = -vek32.Dot(q, ix.vec(n))
			}
			if len(res) < ef || d < lower {
				cands.push(cand{d: d, s: n})
				if admit == nil || admit(n) {
					res.push(cand{d: d, s: n})
					if len(res) > ef {
						res.pop()
					}
					lower = res[0].d
				}
			}
		}
	}
	sc.res = res
	return res, true
}

// searchGraph returns the k closest admitted live nodes, or false when a
// filtered search ran out of budget and the caller should scan instead.
// The caller holds the read lock.
func (ix *Index) searchGraph(q []float32, k, ef int, filter func(uint64) bool) ([]cand, bool) {
	g := ix.g
	if !g.hasEntry || len(ix.slots) == 0 {
		return nil, true
	}
	sc := g.getScratch(len(ix.ids))
	defer g.pool.Put(sc)
	ep := cand{s: g.entry, d: ix.dist(q, ix.vec(g.entry))}
	for l := g.maxLevel; l > 0; l-- {
		ep = g.greedy(ix, q, ep, l, sc)
	}
	var admit func(uint32) bool
	budget := -1
	switch {
	case filter != nil:
		budget = max(minFilterBudget, len(ix.ids)/filterBudgetDiv)
		admit = func(s uint32) bool { return !ix.dead[s] && filter(ix.ids[s]) }
	case ix.ndead > 0:
		admit = func(s uint32) bool { return !ix.dead[s] }
	}
	res, ok := g.searchLayer(ix, q, ep, ef, 0, sc, admit, budget)
	if !ok {
		return nil, false
	}
	for len(res) > k {
		res.pop()
	}
	return slices.Clone(res), true
}
