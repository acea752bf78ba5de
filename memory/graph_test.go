package memory

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestGraphExtractionTemporalAndForget(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	s := openTest(t, t.TempDir(), &Options{Now: func() time.Time { return now }})
	defer s.Close()
	e, err := s.EnsureNamespace(ctx, "o", "kg", true)
	if err != nil {
		t.Fatal(err)
	}
	t1, t2 := int64(1_600_000_000), int64(1_650_000_000)
	m1, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "Alice Johnson works at Acme Corp in Boston.", CreatedAt: &t1})
	if err != nil {
		t.Fatal(err)
	}
	if len(m1.Entities) < 2 {
		t.Fatalf("entities of m1 = %+v", m1.Entities)
	}
	m2, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "Alice Johnson works at Globex Inc now.", CreatedAt: &t2})
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := e.Entities("alice", "", 10)
	if len(ents) != 1 || ents[0].MentionCount != 2 {
		t.Fatalf("alice resolved to %+v", ents)
	}
	rels, err := e.Relations("Alice Johnson", "works_at", nil)
	if err != nil || len(rels) != 2 {
		t.Fatalf("works_at relations = %+v, %v", rels, err)
	}
	// The older employer's relation was ended when the new one began.
	var acmeEnded bool
	for _, r := range rels {
		if r.ValidFrom == t1 && r.ValidTo != nil && *r.ValidTo == t2 {
			acmeEnded = true
		}
	}
	if !acmeEnded {
		t.Fatalf("old works_at not ended at the new fact: %+v", rels)
	}
	asOf := time.Unix(t1+10, 0)
	then, _ := e.Relations("Alice Johnson", "works_at", &asOf)
	if len(then) != 1 || then[0].ValidFrom != t1 {
		t.Fatalf("as_of view = %+v", then)
	}
	// Graph-aware recall: the entity named in the query scores its memories.
	items, _, err := e.Recall(ctx, RecallInput{Query: "Where does Alice Johnson work?", TopK: 5})
	if err != nil || len(items) == 0 || items[0].GraphScore == 0 {
		t.Fatalf("recall graph scores = %+v, %v", items, err)
	}
	// Traverse from Alice reaches both employers.
	tr, err := e.Traverse(ctx, []string{"Alice Johnson"}, 1, []string{"works_at"}, nil, 100)
	if err != nil || len(tr.Entities) < 3 || len(tr.Memories) != 2 {
		t.Fatalf("traverse = %+v, %v", tr, err)
	}
	// Forgetting a memory removes its mentions and relations only it supported.
	if _, err := e.Forget(ctx, Filter{IDs: []string{m2.ID}}); err != nil {
		t.Fatal(err)
	}
	rels, _ = e.Relations("Alice Johnson", "works_at", nil)
	if len(rels) != 1 {
		t.Fatalf("after forget: %+v", rels)
	}
	if _, err := e.Entity("Globex Inc"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("entity only m2 mentioned still exists: %v", err)
	}
	// The graph survives a restart.
	s.Close()
	s = openTest(t, s.dir, &Options{Now: func() time.Time { return now }})
	defer s.Close()
	e, _ = s.Engine(ctx, "o", "kg")
	d, err := e.Entity("Alice Johnson")
	if err != nil || d.MentionCount != 1 || len(d.Memories) != 1 || d.Memories[0].ID != m1.ID {
		t.Fatalf("after restart: %+v, %v", d, err)
	}
}

// TestRelationSupportIsBounded states one fact in many memories: the row
// lists a bounded number of them, counts them all, and survives forgetting
// some of them.
func TestRelationSupportIsBounded(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	e, _ := s.EnsureNamespace(ctx, "o", "support", true)
	var ids []string
	for i := 0; i < 40; i++ {
		m, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: fmt.Sprintf("Alice Moreau works at Initech Corp (note %d).", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	rels, _ := e.Relations("Alice Moreau", "works_at", nil)
	if len(rels) != 1 || rels[0].Support != 40 || len(rels[0].SourceMemoryIDs) > maxRelationSources {
		t.Fatalf("relation = %+v", rels)
	}
	if _, err := e.Forget(ctx, Filter{IDs: ids[:39]}); err != nil {
		t.Fatal(err)
	}
	rels, _ = e.Relations("Alice Moreau", "works_at", nil)
	if len(rels) != 1 || rels[0].Support != 1 || rels[0].SourceMemoryIDs[0] != ids[39] {
		t.Fatalf("after forgetting 39 = %+v", rels)
	}
	if _, err := e.Forget(ctx, Filter{IDs: ids[39:]}); err != nil {
		t.Fatal(err)
	}
	if rels, _ := e.Relations("", "works_at", nil); len(rels) != 0 {
		t.Fatalf("relation outlived its last supporter: %+v", rels)
	}
}

func TestMemoryGraphEdges(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	e, _ := s.EnsureNamespace(ctx, "o", "mg", true)
	a, _, _ := e.Store(ctx, StoreInput{AgentID: "a", Content: "Bob Smith moved to Denver last spring."})
	b, _, _ := e.Store(ctx, StoreInput{AgentID: "a", Content: "Bob Smith loves hiking in the Rockies."})
	c, _, _ := e.Store(ctx, StoreInput{AgentID: "z", Content: "An unrelated note about taxes."})
	nodes, edges, err := e.MemoryGraph(ctx, a.ID, 1, []string{EdgeSharesEntity}, 100)
	if err != nil || len(nodes) != 2 || len(edges) == 0 {
		t.Fatalf("graph = %+v %+v %v", nodes, edges, err)
	}
	if _, err := e.AddLink(ctx, b.ID, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	path, _, err := e.MemoryPath(ctx, a.ID, c.ID, 4)
	if err != nil || len(path) != 3 || path[2] != c.ID {
		t.Fatalf("path = %v, %v", path, err)
	}
	assoc, depths, err := e.Associated(ctx, []string{a.ID}, 5, 2)
	if err != nil || len(assoc) != 2 || depths[0] != 1 {
		t.Fatalf("associated = %+v %v %v", assoc, depths, err)
	}
}

// TestAddRelationSameTripleMerges adds the same fact twice: the second call
// returns the existing row, strengthened, instead of failing.
func TestAddRelationSameTripleMerges(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	e, _ := s.EnsureNamespace(ctx, "o", "rel", true)
	from := int64(1_600_000_000)
	in := RelationInput{Source: "Ada Lovelace", Target: "Analytical Engine", Relation: "wrote about", ValidFrom: &from}
	r1, err := e.AddRelation(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := e.AddRelation(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if r2.ID != r1.ID || r2.Weight <= r1.Weight {
		t.Fatalf("second add = %+v, first %+v", r2, r1)
	}
	rels, _ := e.Relations("Ada Lovelace", "", nil)
	if len(rels) != 1 {
		t.Fatalf("relations = %+v", rels)
	}
}
