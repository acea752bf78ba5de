package memory

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/engramhq/engram/graph"
)

// The memory graph: memories are nodes; edges are explicit links
// (linked_by or any type a client chose), shares_entity (two memories
// mention a common entity), precedes (consecutive memories of one session,
// or of one agent when there is no session) and related_to (embedding
// similarity at least relatedThreshold). Only explicit links are stored;
// the others are derived on demand from the entity index, the session
// order and the vector index.
const (
	relatedThreshold = 0.8
	relatedFanout    = 5
	// sharedFanout bounds the shares_entity edges of one memory per entity,
	// rarest entities first.
	sharedFanout = 20
)

// memoryEdges returns the edges incident to memory id, of the given types
// (all when empty).
func (e *Engine) memoryEdges(ctx context.Context, id string, types []string) ([]graph.Edge, error) {
	want := func(t string) bool { return len(types) == 0 || contains(types, t) }
	e.mu.RLock()
	key, ok := e.byPub[id]
	r := e.mems[key]
	if !ok || r == nil {
		e.mu.RUnlock()
		return nil, ErrNotFound
	}
	var out []graph.Edge
	if want(EdgeLinkedBy) || len(types) > 0 {
		for lid := range e.kg.linksOf[id] {
			l := e.kg.links[lid]
			if want(l.EdgeType) {
				out = append(out, graph.Edge{ID: l.ID, Source: l.SourceID, Target: l.TargetID, Type: l.EdgeType,
					Weight: l.Weight, CreatedAt: time.Unix(l.CreatedAt, 0).UTC()})
			}
		}
	}
	if want(EdgeSharesEntity) {
		for _, ref := range r.Entities {
			ms := e.kg.mentions[ref.ID]
			n := 0
			for other := range ms {
				if other == key || n >= sharedFanout {
					continue
				}
				if o := e.mems[other]; o != nil {
					n++
					out = append(out, graph.Edge{Source: id, Target: o.ID, Type: EdgeSharesEntity, Weight: 1 / float64(len(ms))})
				}
			}
		}
	}
	if want(EdgePrecedes) {
		prev, next := e.neighboursInOrderLocked(r)
		if prev != nil {
			out = append(out, graph.Edge{Source: prev.ID, Target: id, Type: EdgePrecedes, Weight: 1})
		}
		if next != nil {
			out = append(out, graph.Edge{Source: id, Target: next.ID, Type: EdgePrecedes, Weight: 1})
		}
	}
	e.mu.RUnlock()
	if want(EdgeRelatedTo) {
		if v, ok := e.vec.Get(key); ok {
			hits, err := e.vec.Search(v, relatedFanout+1, func(k uint64) bool { return k != key })
			if err != nil {
				return nil, err
			}
			e.mu.RLock()
			for _, h := range hits {
				if float64(h.Score) < relatedThreshold {
					break
				}
				if o := e.mems[h.ID]; o != nil {
					out = append(out, graph.Edge{Source: id, Target: o.ID, Type: EdgeRelatedTo, Weight: float64(h.Score)})
				}
			}
			e.mu.RUnlock()
		}
	}
	return out, nil
}

// memoryNeighbors walks the memory graph. A memory forgotten while the
// walk runs has no edges: the walk goes on without it instead of failing.
func (e *Engine) memoryNeighbors(types []string) graph.Neighbors {
	return graph.NeighborsFunc(func(ctx context.Context, id string) ([]graph.Edge, error) {
		edges, err := e.memoryEdges(ctx, id, types)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return edges, err
	})
}

// MemoryNode is a node of a memory graph answer.
type MemoryNode struct {
	MemoryID       string  `json:"memory_id"`
	ContentPreview string  `json:"content_preview"`
	Importance     float64 `json:"importance"`
	Depth          int     `json:"depth"`
}

// MemoryGraph walks the memory graph from root up to depth hops.
func (e *Engine) MemoryGraph(ctx context.Context, root string, depth int, types []string, limit int) ([]MemoryNode, []graph.Edge, error) {
	if depth < 0 || depth > 5 {
		return nil, nil, invalid("depth", "must be between 0 and 5")
	}
	if _, err := e.Get(ctx, root); err != nil {
		return nil, nil, err
	}
	nodes, edges, err := graph.Traverse(ctx, e.memoryNeighbors(types), []string{root}, depth, limit, nil)
	if err != nil {
		return nil, nil, err
	}
	out := make([]MemoryNode, 0, len(nodes))
	e.mu.RLock()
	for id, d := range nodes {
		if r := e.mems[e.byPub[id]]; r != nil && r.ID == id {
			out = append(out, MemoryNode{MemoryID: id, ContentPreview: preview(r.Content), Importance: r.Importance, Depth: d})
		}
	}
	e.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Depth != out[j].Depth {
			return out[i].Depth < out[j].Depth
		}
		return out[i].MemoryID < out[j].MemoryID
	})
	if edges == nil {
		edges = []graph.Edge{}
	}
	return out, edges, nil
}

// MemoryPath finds a shortest path between two memories.
func (e *Engine) MemoryPath(ctx context.Context, from, to string, maxDepth int) ([]string, []graph.Edge, error) {
	for _, id := range []string{from, to} {
		if _, err := e.Get(ctx, id); err != nil {
			return nil, nil, err
		}
	}
	path, edges, err := graph.ShortestPath(ctx, e.memoryNeighbors(nil), from, to, maxDepth)
	if err != nil {
		return nil, nil, err
	}
	return path, edges, nil
}

// Associated returns graph neighbours of the given memories (not among
// them), nearest first, at most cap, up to depth hops.
func (e *Engine) Associated(ctx context.Context, ids []string, capN, depth int) ([]RecallItem, []int, error) {
	if capN <= 0 {
		capN = 5
	}
	if depth <= 0 {
		depth = 1
	}
	nodes, _, err := graph.Traverse(ctx, e.memoryNeighbors([]string{EdgeLinkedBy, EdgeSharesEntity, EdgePrecedes}), ids, min(depth, 3), 1000, nil)
	if err != nil {
		return nil, nil, err
	}
	type cand struct {
		id    string
		depth int
	}
	var cs []cand
	for id, d := range nodes {
		if d > 0 && !contains(ids, id) {
			cs = append(cs, cand{id, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].depth != cs[j].depth {
			return cs[i].depth < cs[j].depth
		}
		return cs[i].id < cs[j].id
	})
	var items []RecallItem
	var depths []int
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, c := range cs {
		if len(items) >= capN {
			break
		}
		if r := e.mems[e.byPub[c.id]]; r != nil && r.ID == c.id {
			items = append(items, RecallItem{Memory: r.Memory, GraphScore: 1 / float64(1+c.depth)})
			depths = append(depths, c.depth)
		}
	}
	return items, depths, nil
}

func preview(s string) string {
	const n = 160
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
