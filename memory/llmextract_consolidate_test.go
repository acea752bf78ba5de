package memory

import (
	"context"
	"testing"

	"github.com/engramhq/engram/graph/llm"
)

// TestModelExtractionConsolidateRequeues consolidates two memories whose
// model facts support one relation: rewriting the keeper takes back its
// model facts with its old mentions, so the merged memory must be queued
// again and the relation end up supported by the keeper alone.
func TestModelExtractionConsolidateRequeues(t *testing.T) {
	fastModels(t)
	ctx := context.Background()
	f := newFakeModel(t, llm.ProviderOpenAI)
	dup := hireText + "!"
	f.set("", map[string]string{hireText: hireAnswer, dup: hireAnswer})
	s, e := openModelNS(t, t.TempDir(), f, "")
	defer s.Close()
	keeper, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: hireText, Importance: ptr(0.9)})
	if err != nil {
		t.Fatal(err)
	}
	victim, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: dup})
	if err != nil {
		t.Fatal(err)
	}
	waitExtraction(t, e, settled(2))
	if rels := worksAt(t, e); len(rels) != 1 || rels[0].Support != 2 {
		t.Fatalf("works_at before consolidation = %+v, want one row supported twice", rels)
	}

	res, err := e.Consolidate(ctx, "a", 0.9, false)
	if err != nil || res.Removed != 1 || len(res.Consolidated) != 1 || res.Consolidated[0].ID != keeper.ID {
		t.Fatalf("consolidate = %+v, %v; want %s kept", res, err, keeper.ID)
	}
	st := waitExtraction(t, e, settled(3))
	if st.Processed != 3 || st.Failed != 0 || st.Dropped != 0 {
		t.Fatalf("status after consolidation = %+v, want the merged memory processed", st)
	}
	rels := worksAt(t, e)
	if len(rels) != 1 || rels[0].Support != 1 || !contains(rels[0].SourceMemoryIDs, keeper.ID) ||
		contains(rels[0].SourceMemoryIDs, victim.ID) {
		t.Fatalf("works_at after consolidation = %+v, want one row supported by %s only", rels, keeper.ID)
	}
}
