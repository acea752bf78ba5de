package memory

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func exportAll(tb testing.TB, e *Engine, withEmb bool) []ExportRecord {
	tb.Helper()
	var out []ExportRecord
	err := e.Export(context.Background(), withEmb, func(line any) error {
		if r, ok := line.(*ExportRecord); ok {
			out = append(out, *r)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func toInputs(recs []ExportRecord) []StoreInput {
	ins := make([]StoreInput, len(recs))
	for i, r := range recs {
		imp, created := r.Importance, r.CreatedAt
		ins[i] = StoreInput{ID: r.ID, AgentID: r.AgentID, Content: r.Content, Type: r.Type, Importance: &imp,
			Tags: r.Tags, Metadata: r.Metadata, SessionID: r.SessionID, ExpiresAt: r.ExpiresAt,
			ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, CreatedAt: &created, Embedding: r.Embedding}
	}
	return ins
}

func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	src, err := s.EnsureNamespace(ctx, "org_a", "src", true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		created := int64(1_700_000_000 + i*60)
		_, _, err := src.Store(ctx, StoreInput{AgentID: "bot", Content: fmt.Sprintf("fact number %d about tea", i),
			Tags: []string{"t"}, Metadata: []byte(`{"i":1}`), CreatedAt: &created, Type: TypeSemantic})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, withEmb := range []bool{false, true} {
		t.Run(fmt.Sprintf("embeddings=%v", withEmb), func(t *testing.T) {
			recs := exportAll(t, src, withEmb)
			if len(recs) != 5 {
				t.Fatalf("exported %d, want 5", len(recs))
			}
			for i, r := range recs {
				if r.Kind != ExportKindMemory || r.CreatedAt != int64(1_700_000_000+i*60) {
					t.Fatalf("record %d: kind %q created_at %d (want oldest first)", i, r.Kind, r.CreatedAt)
				}
				if got := len(r.Embedding) > 0; got != withEmb {
					t.Fatalf("record %d has embedding = %v, want %v", i, got, withEmb)
				}
			}
			// Another server: same ids are free there.
			s2 := openTest(t, t.TempDir(), nil)
			defer s2.Close()
			dst, err := s2.EnsureNamespace(ctx, "org_b", "dst", true)
			if err != nil {
				t.Fatal(err)
			}
			res, err := dst.Import(ctx, toInputs(recs))
			if err != nil {
				t.Fatal(err)
			}
			if res.Imported != 5 || res.Skipped != 0 || len(res.Failures) != 0 {
				t.Fatalf("first import = %+v, want 5 imported", res)
			}
			res, err = dst.Import(ctx, toInputs(recs))
			if err != nil {
				t.Fatal(err)
			}
			if res.Imported != 0 || res.Skipped != 5 {
				t.Fatalf("second import = %+v, want 0 imported, 5 skipped", res)
			}
			got := exportAll(t, dst, false)
			for i := range got {
				if got[i].ID != recs[i].ID || got[i].CreatedAt != recs[i].CreatedAt || got[i].Content != recs[i].Content ||
					got[i].Type != TypeSemantic || string(got[i].Metadata) != `{"i":1}` {
					t.Fatalf("imported %d = %+v, want %+v", i, got[i].Memory, recs[i].Memory)
				}
			}
			items, _, err := dst.Recall(ctx, RecallInput{Query: "fact about tea", TopK: 3})
			if err != nil || len(items) == 0 {
				t.Fatalf("recall after import: %d items, err %v", len(items), err)
			}
		})
	}
}

func TestImportFailuresAndConflicts(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	a, _ := s.EnsureNamespace(ctx, "org_a", "a", true)
	b, _ := s.EnsureNamespace(ctx, "org_a", "b", true)
	m, _, err := a.Store(ctx, StoreInput{AgentID: "bot", Content: "owned by a"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Import(ctx, []StoreInput{
		{ID: m.ID, AgentID: "bot", Content: "same id, other namespace"},
		{ID: "mem_x1", AgentID: "bot", Content: ""},
		{ID: "mem_x2", AgentID: "bot", Content: "fine", Embedding: []float32{1, 2}},
		{ID: "mem_x2", AgentID: "bot", Content: "repeated id"},
		{AgentID: "bot", Content: "no id gets a new one"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 2 || res.Skipped != 1 || len(res.Failures) != 2 {
		t.Fatalf("import = %+v, want 2 imported, 1 skipped, 2 failures", res)
	}
	if res.Failures[0].Index != 1 || !strings.Contains(res.Failures[0].Reason, "content") {
		t.Fatalf("failure 0 = %+v", res.Failures[0])
	}
	if res.Failures[1].Index != 0 || !strings.Contains(res.Failures[1].Reason, "another namespace") {
		t.Fatalf("failure 1 = %+v", res.Failures[1])
	}
	if got, err := a.Get(ctx, m.ID); err != nil || got.Content != "owned by a" {
		t.Fatalf("a's memory changed: %+v, %v", got, err)
	}
}

func TestExportImportRelations(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	src, _ := s.EnsureNamespace(ctx, "org_a", "src", true)
	if _, _, err := src.Store(ctx, StoreInput{AgentID: "bot", Content: "Alice Smith works at Acme Corp in Berlin."}); err != nil {
		t.Fatal(err)
	}
	from := int64(1_700_000_000)
	if _, err := src.AddRelation(ctx, RelationInput{Source: "Alice Smith", Target: "Project Falcon", Relation: "leads", ValidFrom: &from}); err != nil {
		t.Fatal(err)
	}
	var ents, rels int
	var lines []ExportRelation
	err := src.Export(ctx, false, func(line any) error {
		switch l := line.(type) {
		case *ExportEntity:
			ents++
		case *ExportRelation:
			rels++
			lines = append(lines, *l)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ents < 2 || rels < 1 {
		t.Fatalf("exported %d entities and %d relations", ents, rels)
	}
	dst, _ := s.EnsureNamespace(ctx, "org_a", "dst", true)
	for i, want := range []int{1, 0} {
		res, err := dst.ImportRelations(ctx, lines)
		if err != nil || res.Imported != want || len(res.Failures) != 0 {
			t.Fatalf("import %d = %+v, %v; want %d imported", i, res, err, want)
		}
	}
	got, err := dst.Relations("Project Falcon", "leads", nil)
	if err != nil || len(got) != 1 || got[0].ValidFrom != from {
		t.Fatalf("imported relations = %+v, %v", got, err)
	}
}
