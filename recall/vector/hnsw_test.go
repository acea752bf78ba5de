package vector

import (
	"fmt"
	"testing"
)

// recallAt compares graph hits with exact hits for each query.
func recallAt(tb testing.TB, ix *Index, queries [][]float32, k int, filter func(uint64) bool) float64 {
	tb.Helper()
	found, total := 0, 0
	for _, q := range queries {
		got, err := ix.Search(q, k, filter)
		if err != nil {
			tb.Fatal(err)
		}
		want, err := ix.SearchExact(q, k, filter)
		if err != nil {
			tb.Fatal(err)
		}
		in := map[uint64]bool{}
		for _, h := range want {
			in[h.ID] = true
		}
		for _, h := range got {
			if filter != nil && !filter(h.ID) {
				tb.Fatalf("hit %d not admitted by filter", h.ID)
			}
			if in[h.ID] {
				found++
			}
		}
		total += len(want)
	}
	if total == 0 {
		return 1
	}
	return float64(found) / float64(total)
}

func TestHNSWRecall(t *testing.T) {
	const (
		spread = 0.6
		n      = 5000
		dim    = 64
	)
	for _, m := range []Metric{Cosine, Euclidean} {
		t.Run("metric="+m.String(), func(t *testing.T) {
			t.Parallel()
			rng, _ := newTestRand(t)
			data := clustered(rng, n+200, dim, 50, spread)
			ix, err := New(Options{Dim: dim, Metric: m, HNSWThreshold: 1000, EfConstruction: 100, EfSearch: 64})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range data[:n] {
				if err := ix.Upsert(uint64(i), v); err != nil {
					t.Fatal(err)
				}
			}
			if ix.g == nil {
				t.Fatal("graph not built above threshold")
			}
			queries := data[n:]
			if r := recallAt(t, ix, queries, 10, nil); r < 0.95 {
				t.Fatalf("recall@10 = %.3f, want ≥ 0.95", r)
			} else {
				t.Logf("recall@10 = %.3f", r)
			}
			for _, sel := range []int{2, 10, 500} {
				f := func(id uint64) bool { return id%uint64(sel) == 0 }
				if r := recallAt(t, ix, queries[:50], 10, f); r < 0.9 {
					t.Fatalf("filter=1/%d: recall@10 = %.3f, want ≥ 0.9", sel, r)
				}
			}
			if m != Cosine {
				return
			}
			// Delete a fifth: tombstones, then a rebuild past a quarter.
			for i := 0; i < n; i += 5 {
				ix.Delete(uint64(i))
			}
			if r := recallAt(t, ix, queries[:50], 10, nil); r < 0.95 {
				t.Fatalf("after deletes: recall@10 = %.3f", r)
			}
			for i := 1; i < n; i += 5 {
				ix.Delete(uint64(i))
			}
			if len(ix.ids) >= n || ix.g == nil || ix.ndead >= len(ix.ids)/rebuildDiv {
				t.Fatalf("no rebuild: ndead=%d slots=%d live=%d", ix.ndead, len(ix.ids), ix.Len())
			}
			if r := recallAt(t, ix, queries[:50], 10, nil); r < 0.95 {
				t.Fatalf("after rebuild: recall@10 = %.3f", r)
			}
		})
	}
}

func TestHNSWUpsertReplaces(t *testing.T) {
	rng, _ := newTestRand(t)
	const dim = 8
	ix, _ := New(Options{Dim: dim, Metric: Euclidean, HNSWThreshold: 100})
	for i, v := range randVecs(rng, 300, dim) {
		if err := ix.Upsert(uint64(i), v); err != nil {
			t.Fatal(err)
		}
	}
	far := make([]float32, dim)
	for i := range far {
		far[i] = 50
	}
	for _, id := range []uint64{7, 7, 8} {
		if err := ix.Upsert(id, far); err != nil {
			t.Fatal(err)
		}
	}
	if got := ix.Len(); got != 300 {
		t.Fatalf("Len = %d, want 300", got)
	}
	hits, _ := ix.Search(far, 3, nil)
	if len(hits) != 3 || fmt.Sprint(hits[0].ID, hits[1].ID) != "7 8" || hits[0].Score != 1 {
		t.Fatalf("hits = %+v, want ids 7 and 8 at score 1 first", hits)
	}
	got, _ := ix.Get(7)
	if got[0] != 50 {
		t.Fatalf("Get(7) = %v, want the replacement", got)
	}
}
