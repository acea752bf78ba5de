package memory

import (
	"context"
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
