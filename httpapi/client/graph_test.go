package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
)

func TestGraphRoutes(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.Start(t, nil)
	c := newClient(t, srv.URL, clienttest.RootKey, &client.Options{Namespace: "kg"})
	if _, err := c.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "kg"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Entities(ctx, "", "", "", 0); err != nil {
		if client.IsNotFound(err) && strings.Contains(err.Error(), "ROUTE_NOT_FOUND") {
			t.Skip("knowledge-graph routes are not served yet")
		}
		t.Fatal(err)
	}
	a, err := c.Store(ctx, client.StoreRequest{AgentID: "bot", Content: "Marie Curie worked at the University of Paris."})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Store(ctx, client.StoreRequest{AgentID: "bot", Content: "Marie Curie discovered polonium with Pierre Curie."})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.Extract(ctx, "Ada Lovelace met Charles Babbage in London.", nil)
	if err != nil || len(ex) == 0 {
		t.Fatalf("extract = %+v, %v", ex, err)
	}
	if ents, err := c.MemoryEntities(ctx, a.Memory.ID); err != nil || len(ents) == 0 {
		t.Fatalf("memory entities = %+v, %v", ents, err)
	}
	list, err := c.Entities(ctx, "", "marie", "", 10)
	if err != nil || len(list.Entities) == 0 {
		t.Fatalf("entities = %+v, %v", list, err)
	}
	ent, err := c.GetEntity(ctx, "", list.Entities[0].ID)
	if err != nil || ent.Name == "" || len(ent.Memories) == 0 {
		t.Fatalf("entity = %+v, %v", ent, err)
	}
	rel, err := c.CreateRelation(ctx, "", client.RelationRequest{Source: "Marie Curie", Target: "Radium", Relation: "discovered"})
	if err != nil || !strings.HasPrefix(rel.ID, "rel_") {
		t.Fatalf("relation = %+v, %v", rel, err)
	}
	rels, err := c.Relations(ctx, "", "Radium", "discovered", 0)
	if err != nil || len(rels) != 1 {
		t.Fatalf("relations = %+v, %v", rels, err)
	}
	tr, err := c.Traverse(ctx, "", client.TraverseRequest{Start: []string{"Marie Curie"}, Depth: 2})
	if err != nil || len(tr.Entities) < 2 || len(tr.Relations) == 0 {
		t.Fatalf("traverse = %+v, %v", tr, err)
	}
	edge, err := c.Link(ctx, a.Memory.ID, client.LinkRequest{TargetID: b.Memory.ID})
	if err != nil || edge.SourceID != a.Memory.ID || edge.TargetID != b.Memory.ID {
		t.Fatalf("link = %+v, %v", edge, err)
	}
	g, err := c.GetMemoryGraph(ctx, a.Memory.ID, 2, nil)
	if err != nil || g.RootID != a.Memory.ID || len(g.Edges) == 0 {
		t.Fatalf("memory graph = %+v, %v", g, err)
	}
	p, err := c.GetMemoryPath(ctx, a.Memory.ID, b.Memory.ID)
	if err != nil || p.Hops < 1 {
		t.Fatalf("memory path = %+v, %v", p, err)
	}
	if _, err := c.KnowledgeGraph(ctx, client.KnowledgeGraphRequest{Namespace: "kg", MemoryID: a.Memory.ID}); err != nil {
		t.Fatal(err)
	}
	if q, err := c.KnowledgeQuery(ctx, client.KnowledgeQueryRequest{Namespace: "kg"}); err != nil || q.EdgeCount == 0 {
		t.Fatalf("knowledge query = %+v, %v", q, err)
	}
	if data, err := c.KnowledgeExport(ctx, "kg", "graphml"); err != nil || !strings.Contains(string(data), "graphml") {
		t.Fatalf("knowledge export = %.200s, %v", data, err)
	}
}
