package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Edge is one edge of a graph walk: an entity relation or a memory-to-
// memory edge (related_to, shares_entity, precedes, linked_by). JSON names
// follow the API's GraphEdge.
type Edge struct {
	ID        string    `json:"id"`
	Source    string    `json:"source_id"`
	Target    string    `json:"target_id"`
	Type      string    `json:"edge_type"`
	Weight    float64   `json:"weight"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	ValidFrom time.Time `json:"valid_from,omitzero"`
	ValidTo   time.Time `json:"valid_to,omitzero"`
}

// Other returns the end of e that is not id.
func (e Edge) Other(id string) string {
	if e.Source == id {
		return e.Target
	}
	return e.Source
}

func (e Edge) key() string {
	if e.ID != "" {
		return e.ID
	}
	return e.Source + "\x00" + e.Type + "\x00" + e.Target
}

// Neighbors is what a store provides for traversal: the edges incident to
// a node, in either direction. Traversal treats edges as undirected; an
// allow function can restrict direction, type or validity.
type Neighbors interface {
	Neighbors(ctx context.Context, id string) ([]Edge, error)
}

// NeighborsFunc adapts a function to Neighbors.
type NeighborsFunc func(ctx context.Context, id string) ([]Edge, error)

// Neighbors calls f.
func (f NeighborsFunc) Neighbors(ctx context.Context, id string) ([]Edge, error) { return f(ctx, id) }

// sortedEdges returns the allowed edges of id in a stable order, so that
// walks are deterministic whatever order the store returns.
func sortedEdges(ctx context.Context, n Neighbors, id string, allow func(Edge) bool) ([]Edge, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	es, err := n.Neighbors(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("neighbors of %q: %w", id, err)
	}
	out := make([]Edge, 0, len(es))
	for _, e := range es {
		if (e.Source == id || e.Target == id) && (allow == nil || allow(e)) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Edge) int {
		if c := strings.Compare(a.Other(id), b.Other(id)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.key(), b.key())
	})
	return out, nil
}

// Traverse walks breadth-first from start up to depth hops, following the
// edges allow accepts (nil = all). nodes maps each node reached to its
// distance from the nearest start node; edges holds each allowed edge
// between two reached nodes once, in discovery order. limit caps the
// number of nodes (0 = no cap); start nodes always count. The result is
// deterministic for a given store content.
func Traverse(ctx context.Context, n Neighbors, start []string, depth, limit int, allow func(Edge) bool) (map[string]int, []Edge, error) {
	nodes := map[string]int{}
	var frontier []string
	for _, s := range start {
		if _, ok := nodes[s]; !ok && s != "" {
			nodes[s] = 0
			frontier = append(frontier, s)
		}
	}
	var edges []Edge
	seen := map[string]bool{}
	full := func() bool { return limit > 0 && len(nodes) >= limit }
	for d := 0; d < depth && len(frontier) > 0; d++ {
		var next []string
		for _, id := range frontier {
			es, err := sortedEdges(ctx, n, id, allow)
			if err != nil {
				return nodes, edges, err
			}
			for _, e := range es {
				o := e.Other(id)
				if _, ok := nodes[o]; !ok {
					if full() {
						continue
					}
					nodes[o] = d + 1
					next = append(next, o)
				}
				if k := e.key(); !seen[k] {
					seen[k] = true
					edges = append(edges, e)
				}
			}
		}
		frontier = next
	}
	return nodes, edges, nil
}

// DefaultMaxDepth is ShortestPath's hop limit when maxDepth is 0.
const DefaultMaxDepth = 6

// ShortestPath returns a fewest-hops path from one node to another (the
// node ids, from first, and the edges along it), searching breadth-first
// up to maxDepth hops (0 = DefaultMaxDepth). It returns ErrNoPath when
// there is none. Among equally short paths the first in edge order wins.
func ShortestPath(ctx context.Context, n Neighbors, from, to string, maxDepth int) ([]string, []Edge, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if from == to {
		return []string{from}, nil, nil
	}
	type step struct {
		prev string
		edge Edge
	}
	parent := map[string]step{from: {}}
	frontier := []string{from}
	for d := 0; d < maxDepth && len(frontier) > 0; d++ {
		var next []string
		for _, id := range frontier {
			es, err := sortedEdges(ctx, n, id, nil)
			if err != nil {
				return nil, nil, err
			}
			for _, e := range es {
				o := e.Other(id)
				if _, ok := parent[o]; ok {
					continue
				}
				parent[o] = step{prev: id, edge: e}
				if o == to {
					var path []string
					var edges []Edge
					for cur := to; cur != from; cur = parent[cur].prev {
						path = append(path, cur)
						edges = append(edges, parent[cur].edge)
					}
					path = append(path, from)
					slices.Reverse(path)
					slices.Reverse(edges)
					return path, edges, nil
				}
				next = append(next, o)
			}
		}
		frontier = next
	}
	return nil, nil, ErrNoPath
}

// EdgeFilter returns an allow function for Traverse that keeps edges of
// the given types (any type when none is given) valid at asOf: ValidFrom
// <= asOf < ValidTo, zero bounds being open (no time check when asOf is
// zero).
func EdgeFilter(asOf time.Time, types ...string) func(Edge) bool {
	return func(e Edge) bool {
		if len(types) > 0 && !slices.Contains(types, e.Type) {
			return false
		}
		return asOf.IsZero() || ValidAt(Relation{ValidFrom: e.ValidFrom, ValidTo: e.ValidTo}, asOf)
	}
}
