package memory

import (
	"context"
	"fmt"
	"testing"
)

func TestKnowledgeGraphSimilarity(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	e, _ := s.EnsureNamespace(ctx, "o", "kn", true)
	a, _, _ := e.Store(ctx, StoreInput{AgentID: "a", Content: "Green tea in the morning helps me focus."})
	b, _, _ := e.Store(ctx, StoreInput{AgentID: "a", Content: "Green tea in the morning helps me focus at work."})
	imp := 0.9
	c, _, _ := e.Store(ctx, StoreInput{AgentID: "a", Content: "The quarterly tax filing is due in April.", Importance: &imp})
	nodes, edges, err := e.KnowledgeGraph(ctx, a.ID, 2, 0.7)
	if err != nil || len(nodes) != 2 || nodes[0].ID != a.ID || nodes[1].ID != b.ID {
		t.Fatalf("nodes = %+v, %v", nodes, err)
	}
	if len(edges) != 1 || edges[0].Similarity < 0.7 || edges[0].Relationship != EdgeRelatedTo {
		t.Fatalf("edges = %+v", edges)
	}
	all, _, err := e.KnowledgeGraph(ctx, "", 2, 0.7)
	if err != nil || len(all) != 3 || all[0].ID != c.ID {
		t.Fatalf("namespace nodes = %+v, %v", all, err)
	}
	if _, _, err := e.KnowledgeGraph(ctx, "mem_nope", 2, 0.7); err != ErrNotFound {
		t.Fatalf("unknown root: %v", err)
	}
}

// BenchmarkKnowledgeViews measures the knowledge views over a namespace of
// n chat-like memories (stored once, outside the loop).
func BenchmarkKnowledgeViews(b *testing.B) {
	for _, n := range []int{2000} {
		ctx := context.Background()
		s := openTest(b, b.TempDir(), nil)
		e, err := s.EnsureNamespace(ctx, "o", "bench", true)
		if err != nil {
			b.Fatal(err)
		}
		people := []string{"Alice Johnson", "Bob Smith", "Carol White", "Dan Brown", "Eve Adams"}
		places := []string{"Boston", "Denver", "Paris", "Tokyo", "Chicago"}
		ins := make([]StoreInput, n)
		for i := range ins {
			ins[i] = StoreInput{AgentID: "a", Content: fmt.Sprintf("%s met %s in %s to talk about project %d and green tea.",
				people[i%5], people[(i/5)%5], places[(i/25)%5], i%97)}
		}
		for i := 0; i < n; i += 500 {
			if _, _, err := e.StoreBatch(ctx, ins[i:i+500], "memories"); err != nil {
				b.Fatal(err)
			}
		}
		ms, _ := e.List(ctx, Filter{}, 1, 0)
		root := ms[0].ID
		b.Run(fmt.Sprintf("n=%d/graph_root_depth=2", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := e.KnowledgeGraph(ctx, root, 2, 0.7); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/graph_namespace", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := e.KnowledgeGraph(ctx, "", 2, 0.7); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("n=%d/namespace_edges_limit=100", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := e.NamespaceEdges(ctx, nil, 100); err != nil {
					b.Fatal(err)
				}
			}
		})
		s.Close()
	}
}
