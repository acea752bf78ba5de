package memory

import (
	"context"
	"errors"
	"math"
	"sort"

	"github.com/engramhq/engram/graph"
)

// The knowledge views of a namespace: a similarity graph between memories
// (KnowledgeGraph), the memory-graph edges of the whole namespace
// (NamespaceEdges) and the explicit links (Links) for export.

// Bounds of the knowledge views.
const (
	// knowledgeNodes bounds the memories of a KnowledgeGraph answer.
	knowledgeNodes = 50
	// knowledgeFanout is how many nearest memories each hop of a
	// KnowledgeGraph walk examines per node.
	knowledgeFanout = 10
	// namespaceEdgeScan bounds the memories NamespaceEdges examines.
	namespaceEdgeScan = 500
)

// KnowledgeNode is a memory in a knowledge-graph answer.
type KnowledgeNode struct {
	ID         string  `json:"id"`
	Content    string  `json:"content"`
	Type       string  `json:"memory_type"`
	Importance float64 `json:"importance"`
}

// KnowledgeEdge joins two memories of a knowledge-graph answer: their
// cosine similarity and the relationship (related_to for similarity, or the
// type of an explicit link).
type KnowledgeEdge struct {
	Source       string  `json:"source"`
	Target       string  `json:"target"`
	Similarity   float64 `json:"similarity"`
	Relationship string  `json:"relationship"`
}

// KnowledgeGraph returns a similarity graph of memories: from root, the
// memories reached in up to depth hops of nearest neighbours whose cosine
// similarity is at least minSim; without root, the namespace's most
// important memories. Edges join every pair of nodes at least minSim alike,
// plus the explicit links between nodes. At most 50 nodes.
func (e *Engine) KnowledgeGraph(ctx context.Context, root string, depth int, minSim float64) ([]KnowledgeNode, []KnowledgeEdge, error) {
	if depth < 0 || depth > 5 {
		return nil, nil, invalid("depth", "must be between 0 and 5")
	}
	if minSim < -1 || minSim > 1 || math.IsNaN(minSim) {
		return nil, nil, invalid("min_similarity", "must be between -1 and 1")
	}
	var keys []uint64
	var err error
	if root != "" {
		keys, err = e.similarNeighbourhood(ctx, root, depth, minSim)
		if err != nil {
			return nil, nil, err
		}
	} else {
		keys = e.mostImportant(knowledgeNodes)
	}
	vecs := make([][]float32, len(keys))
	for i, k := range keys {
		vecs[i], _ = e.vec.Get(k)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	nodes := make([]KnowledgeNode, 0, len(keys))
	inGraph := map[string]bool{}
	var ids []string
	var kept [][]float32
	for i, k := range keys {
		r := e.mems[k]
		if r == nil {
			continue
		}
		nodes = append(nodes, KnowledgeNode{ID: r.ID, Content: r.Content, Type: r.Type, Importance: r.Importance})
		inGraph[r.ID] = true
		ids = append(ids, r.ID)
		kept = append(kept, vecs[i])
	}
	edges := []KnowledgeEdge{}
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if s, ok := cosine(kept[i], kept[j]); ok && s >= minSim {
				edges = append(edges, KnowledgeEdge{Source: ids[i], Target: ids[j], Similarity: s, Relationship: EdgeRelatedTo})
			}
		}
	}
	seen := map[string]bool{}
	for i, id := range ids {
		for lid := range e.kg.linksOf[id] {
			l := e.kg.links[lid]
			if seen[lid] || !inGraph[l.SourceID] || !inGraph[l.TargetID] {
				continue
			}
			seen[lid] = true
			other := l.TargetID
			if other == id {
				other = l.SourceID
			}
			s, _ := cosine(kept[i], kept[position(ids, other)])
			edges = append(edges, KnowledgeEdge{Source: l.SourceID, Target: l.TargetID, Similarity: s, Relationship: l.EdgeType})
		}
	}
	sort.SliceStable(edges, func(i, j int) bool { return edges[i].Similarity > edges[j].Similarity })
	return nodes, edges, nil
}

// similarNeighbourhood walks nearest neighbours from root breadth-first.
func (e *Engine) similarNeighbourhood(ctx context.Context, root string, depth int, minSim float64) ([]uint64, error) {
	e.mu.RLock()
	rk, ok := e.byPub[root]
	if r := e.mems[rk]; !ok || r == nil || r.ID != root {
		e.mu.RUnlock()
		return nil, ErrNotFound
	}
	e.mu.RUnlock()
	keys := []uint64{rk}
	seen := map[uint64]bool{rk: true}
	frontier := []uint64{rk}
	for d := 0; d < depth && len(frontier) > 0 && len(keys) < knowledgeNodes; d++ {
		var next []uint64
		for _, k := range frontier {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			v, ok := e.vec.Get(k)
			if !ok {
				continue
			}
			hits, err := e.vec.Search(v, knowledgeFanout, func(id uint64) bool { return !seen[id] })
			if err != nil {
				return nil, err
			}
			for _, h := range hits {
				w, ok := e.vec.Get(h.ID)
				if s, okS := cosine(v, w); !ok || !okS || s < minSim || seen[h.ID] || len(keys) >= knowledgeNodes {
					continue
				}
				seen[h.ID] = true
				keys = append(keys, h.ID)
				next = append(next, h.ID)
			}
		}
		frontier = next
	}
	return keys, nil
}

// mostImportant returns the keys of the n most important memories, newest
// first among equals.
func (e *Engine) mostImportant(n int) []uint64 {
	e.mu.RLock()
	recs := make([]*record, 0, len(e.mems))
	for _, r := range e.mems {
		recs = append(recs, r)
	}
	e.mu.RUnlock()
	sort.Slice(recs, func(i, j int) bool {
		a, b := recs[i], recs[j]
		if a.Importance != b.Importance {
			return a.Importance > b.Importance
		}
		if a.CreatedAt != b.CreatedAt {
			return a.CreatedAt > b.CreatedAt
		}
		return a.ID < b.ID
	})
	if len(recs) > n {
		recs = recs[:n]
	}
	keys := make([]uint64, len(recs))
	for i, r := range recs {
		keys[i] = r.Key
	}
	return keys
}

func position(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// cosine is the cosine similarity of a and b (false when either is empty,
// zero or they differ in length).
func cosine(a, b []float32) (float64, bool) {
	if len(a) == 0 || len(a) != len(b) {
		return 0, false
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0, false
	}
	return dot / math.Sqrt(na*nb), true
}

// NamespaceEdges returns memory-graph edges of the namespace (of the given
// types, all when empty), gathered from its most important memories (at
// most 500 examined) until limit edges, and how many memories they join.
func (e *Engine) NamespaceEdges(ctx context.Context, types []string, limit int) ([]graph.Edge, int, error) {
	if limit <= 0 {
		limit = 100
	}
	seen := map[string]bool{}
	nodes := map[string]bool{}
	out := []graph.Edge{}
	for _, k := range e.mostImportant(namespaceEdgeScan) {
		if len(out) >= limit {
			break
		}
		e.mu.RLock()
		r := e.mems[k]
		e.mu.RUnlock()
		if r == nil {
			continue
		}
		es, err := e.memoryEdges(ctx, r.ID, types)
		if errors.Is(err, ErrNotFound) {
			continue // forgotten meanwhile
		}
		if err != nil {
			return nil, 0, err
		}
		for _, ed := range es {
			key := edgeKey(ed)
			if seen[key] || len(out) >= limit {
				continue
			}
			seen[key] = true
			nodes[ed.Source], nodes[ed.Target] = true, true
			out = append(out, ed)
		}
	}
	return out, len(nodes), nil
}

// edgeKey identifies an edge whatever the direction it was found from.
func edgeKey(ed graph.Edge) string {
	if ed.ID != "" {
		return ed.ID
	}
	a, b := ed.Source, ed.Target
	if (ed.Type == EdgeSharesEntity || ed.Type == EdgeRelatedTo) && b < a {
		a, b = b, a
	}
	return a + "\x00" + ed.Type + "\x00" + b
}

// Links returns the namespace's explicit memory links, oldest first.
func (e *Engine) Links() []Link {
	e.mu.RLock()
	out := make([]Link, 0, len(e.kg.links))
	for _, l := range e.kg.links {
		out = append(out, *l)
	}
	e.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].CreatedAt != out[j].CreatedAt {
			return out[i].CreatedAt < out[j].CreatedAt
		}
		return out[i].ID < out[j].ID
	})
	return out
}
