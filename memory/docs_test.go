package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/engramhq/engram/recall/text"
)

func docIDs(hits []DocHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	slices.Sort(out)
	return out
}

func searchIDs(tb testing.TB, e *Engine, q string) []string {
	tb.Helper()
	hits, err := e.SearchTexts(context.Background(), DocQuery{Text: q, TopK: 100})
	if err != nil {
		tb.Fatal(err)
	}
	return docIDs(hits)
}

// TestDocsTextCatchUp simulates a crash between the commit of document
// writes and their text-index update: the index is rewound to the
// checkpoint before them. The next load replays the change log.
func TestDocsTextCatchUp(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	e, err := s.EnsureNamespace(ctx, "org_test", "docs", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.IndexTexts(ctx, []DocInput{{ID: "base", Text: "orchard apples"}}, "documents"); err != nil {
		t.Fatal(err)
	}
	cp, err := e.docs.text.Checkpoint()
	if err != nil || cp == 0 {
		t.Fatalf("checkpoint %d, %v", cp, err)
	}
	if _, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "a memory about apples"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.UpsertTexts(ctx, []DocInput{{ID: "late1", Text: "green apples"}, {ID: "late2", Text: "apples and pears"}}, "documents"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DeleteDocs(ctx, DocDelete{IDs: []string{"base"}}); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, e, "apples"); !slices.Equal(got, []string{"late1", "late2"}) {
		t.Fatalf("before crash: %v", got)
	}
	// Rewind: the index forgets the later writes and the delete.
	var ops []text.Op
	for _, id := range []string{"late1", "late2"} {
		ops = append(ops, text.Op{ID: docID(docKey(e.sealer, id)), Delete: true})
	}
	ops = append(ops, text.Op{ID: docID(docKey(e.sealer, "base")), Text: "orchard apples"})
	if err := e.docs.text.Apply(ops, cp); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, dir, nil)
	e, err = s.EnsureNamespace(ctx, "org_test", "docs", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, e, "apples"); !slices.Equal(got, []string{"late1", "late2"}) {
		t.Fatalf("after catch-up: %v", got)
	}
	// The memories' index skipped the document changes and still works.
	if res, err := e.text.Search(ctx, "apples", 10); err != nil || len(res) != 1 {
		t.Fatalf("memory text search after catch-up: %d results, %v", len(res), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A lost index folder is rebuilt from the rows.
	if err := os.RemoveAll(s.docsTextDir(e.id)); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, nil)
	defer s.Close()
	e, err = s.EnsureNamespace(ctx, "org_test", "docs", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, e, "apples"); !slices.Equal(got, []string{"late1", "late2"}) {
		t.Fatalf("after rebuild: %v", got)
	}
}

// TestDocsConcurrent runs writers and filtered readers together (run with
// -race).
func TestDocsConcurrent(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	e, err := s.EnsureNamespace(ctx, "org_test", "conc", true)
	if err != nil {
		t.Fatal(err)
	}
	dim := e.dimension()
	filter := json.RawMessage(`{"w":{"$in":[0,1]}}`)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				v := make([]float32, dim)
				v[(w*20+i)%dim] = 1
				md := json.RawMessage(fmt.Sprintf(`{"w":%d}`, w))
				if _, err := e.UpsertVectors(ctx, []DocInput{{ID: fmt.Sprintf("w%d-%d", w, i), Values: v, Metadata: md}}, "vectors"); err != nil {
					errs <- err
					return
				}
				if _, err := e.IndexTexts(ctx, []DocInput{{ID: fmt.Sprintf("t%d-%d", w, i), Text: "shared words here", Metadata: md}}, "documents"); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := make([]float32, dim)
			q[0] = 1
			for range 20 {
				if _, err := e.QueryVectors(ctx, DocQuery{Vector: q, Filter: filter}); err != nil {
					errs <- err
					return
				}
				if _, err := e.SearchTexts(ctx, DocQuery{Text: "shared", Filter: filter}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	q := make([]float32, dim)
	q[0] = 1
	hits, err := e.QueryVectors(ctx, DocQuery{Vector: q, TopK: 100})
	if err != nil || len(hits) != 40 {
		t.Fatalf("%d hits, %v", len(hits), err)
	}
	n, err := e.DeleteDocs(ctx, DocDelete{All: true, Filter: json.RawMessage(`{"w":1}`)})
	if err != nil || n != 40 {
		t.Fatalf("deleted %d, %v", n, err)
	}
}
