package vector

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/viterin/vek/vek32"
)

func TestVekDotMatchesLoop(t *testing.T) {
	if !vek32.Info().Acceleration {
		t.Logf("vek32 runs without SIMD acceleration on this CPU")
	}
	rng, _ := newTestRand(t)
	for n := 1; n <= 70; n++ {
		a, b := randVecs(rng, 1, n)[0], randVecs(rng, 1, n)[0]
		var want float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
		}
		if got := vek32.Dot(a, b); abs64(float64(got)-want) > 1e-4 {
			t.Fatalf("n=%d: vek32.Dot=%v, loop=%v", n, got, want)
		}
	}
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestParseMetric(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Metric
	}{{"cosine", Cosine}, {"euclidean", Euclidean}, {"dot_product", Dot}, {"dot", Dot}, {"COSINE", Cosine}} {
		t.Run("in="+tc.in, func(t *testing.T) {
			got, err := ParseMetric(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseMetric(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	if _, err := ParseMetric("manhattan"); !errors.Is(err, ErrMetric) {
		t.Fatalf("ParseMetric(manhattan) err = %v, want ErrMetric", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	_, err := New(Options{Dim: 0, Metric: Metric(9), M: 1})
	for _, want := range []error{ErrOptions, ErrMetric} {
		if !errors.Is(err, want) {
			t.Fatalf("err = %v, want it to wrap %v", err, want)
		}
	}
}

func TestExactMatchesBruteForce(t *testing.T) {
	for _, m := range []Metric{Cosine, Euclidean, Dot} {
		for _, n := range []int{50, 3000, parallelScanMin + 500} {
			t.Run(fmt.Sprintf("metric=%v/n=%d", m, n), func(t *testing.T) {
				rng, _ := newTestRand(t)
				const dim = 37
				ix, err := New(Options{Dim: dim, Metric: m, HNSWThreshold: -1})
				if err != nil {
					t.Fatal(err)
				}
				vs := map[uint64][]float32{}
				for i, v := range randVecs(rng, n, dim) {
					id := uint64(i*7 + 3)
					vs[id] = v
					if err := ix.Upsert(id, v); err != nil {
						t.Fatal(err)
					}
				}
				filters := map[string]func(uint64) bool{
					"none": nil,
					"odd":  func(id uint64) bool { return id%2 == 1 },
					"rare": func(id uint64) bool { return id%97 == 0 },
				}
				for name, f := range filters {
					for range 3 {
						q := randVecs(rng, 1, dim)[0]
						hits, err := ix.Search(q, 10, f)
						if err != nil {
							t.Fatal(err)
						}
						for _, h := range hits {
							if f != nil && !f(h.ID) {
								t.Fatalf("filter=%s: hit %d not admitted", name, h.ID)
							}
						}
						checkAgainstBrute(t, m, vs, q, hits, bruteTopK(m, vs, q, 10, f))
					}
				}
			})
		}
	}
}

func TestUpsertDeleteGet(t *testing.T) {
	ix, err := New(Options{Dim: 3, Metric: Euclidean})
	if err != nil {
		t.Fatal(err)
	}
	for i := range uint64(10) {
		if err := ix.Upsert(i, []float32{float32(i), 0, 0}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Upsert(99, []float32{1, 2}); !errors.Is(err, ErrDimension) {
		t.Fatalf("short vector err = %v, want ErrDimension", err)
	}
	// Replace 3 with a vector far away; the nearest to (3,0,0) must change.
	if err := ix.Upsert(3, []float32{100, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if got := ix.Len(); got != 10 {
		t.Fatalf("Len after replace = %d, want 10", got)
	}
	hits, _ := ix.Search([]float32{3, 0, 0}, 1, nil)
	if len(hits) != 1 || hits[0].ID == 3 {
		t.Fatalf("after replace, nearest to (3,0,0) = %+v, want not id 3", hits)
	}
	if !ix.Delete(0) || ix.Delete(0) {
		t.Fatalf("Delete(0) twice: want true then false")
	}
	if _, ok := ix.Get(0); ok {
		t.Fatalf("Get(0) after delete found it")
	}
	v, ok := ix.Get(9)
	if !ok || v[0] != 9 {
		t.Fatalf("Get(9) = %v, %v (slot moved by swap-remove?)", v, ok)
	}
	v[0] = -1 // must be a copy
	if w, _ := ix.Get(9); w[0] != 9 {
		t.Fatalf("Get returned the arena, not a copy")
	}
	hits, _ = ix.Search([]float32{0, 0, 0}, 20, nil)
	if len(hits) != 9 || hits[0].ID != 1 || hits[0].Score != 0.5 {
		t.Fatalf("hits = %+v, want 9 hits, first id 1 score 0.5", hits)
	}
}

func TestCosineNormalizesAndKeepsCaller(t *testing.T) {
	ix, _ := New(Options{Dim: 2})
	in := []float32{3, 4}
	if err := ix.Upsert(1, in); err != nil {
		t.Fatal(err)
	}
	if in[0] != 3 {
		t.Fatalf("Upsert modified the caller's slice")
	}
	got, _ := ix.Get(1)
	if abs64(float64(got[0])-0.6) > 1e-6 || abs64(float64(got[1])-0.8) > 1e-6 {
		t.Fatalf("stored %v, want (0.6, 0.8)", got)
	}
	if err := ix.Upsert(2, []float32{0, 0}); err != nil {
		t.Fatalf("zero vector: %v", err)
	}
	hits, _ := ix.Search([]float32{6, 8}, 2, nil)
	if len(hits) != 2 || hits[0].ID != 1 || abs64(float64(hits[0].Score)-1) > 1e-6 || hits[1].Score != 0 {
		t.Fatalf("hits = %+v, want id 1 score 1 then zero vector score 0", hits)
	}
}

func TestConcurrentSearchAndWrites(t *testing.T) {
	for _, threshold := range []int{-1, 500} {
		t.Run(fmt.Sprintf("threshold=%d", threshold), func(t *testing.T) {
			rng, _ := newTestRand(t)
			const dim = 16
			ix, _ := New(Options{Dim: dim, HNSWThreshold: threshold, EfConstruction: 40})
			base := randVecs(rng, 1500, dim)
			for i := range 600 {
				if err := ix.Upsert(uint64(i), base[i]); err != nil {
					t.Fatal(err)
				}
			}
			queries := randVecs(rng, 50, dim)
			var wg sync.WaitGroup
			for r := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 200 {
						hits, err := ix.Search(queries[(i+r)%len(queries)], 5, func(id uint64) bool { return id%3 != 0 })
						if err != nil {
							t.Error(err)
							return
						}
						for _, h := range hits {
							if h.ID%3 == 0 {
								t.Errorf("filtered id %d returned", h.ID)
								return
							}
						}
					}
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 600; i < 1500; i++ {
					if err := ix.Upsert(uint64(i), base[i]); err != nil {
						t.Error(err)
						return
					}
					if i%4 == 0 {
						ix.Delete(uint64(i - 300))
					}
				}
			}()
			wg.Wait()
			if got, want := ix.Len(), 1500-225; got != want {
				t.Fatalf("Len = %d, want %d", got, want)
			}
		})
	}
}

func TestSearchErrors(t *testing.T) {
	ix, _ := New(Options{Dim: 4})
	if _, err := ix.Search([]float32{1, 2, 3}, 3, nil); !errors.Is(err, ErrDimension) {
		t.Fatalf("err = %v, want ErrDimension", err)
	}
	nan := float32(0)
	nan = nan / nan
	if err := ix.Upsert(1, []float32{1, nan, 0, 0}); !errors.Is(err, ErrNonFinite) {
		t.Fatalf("NaN upsert err = %v, want ErrNonFinite", err)
	}
	if hits, err := ix.Search([]float32{1, 0, 0, 0}, 3, nil); err != nil || len(hits) != 0 {
		t.Fatalf("empty index: %v, %v", hits, err)
	}
	for i := range 30 {
		ix.Upsert(uint64(i), []float32{float32(i), 1, 0, 0})
	}
	if hits, err := ix.Search([]float32{1, 0, 0, 0}, 1<<40, nil); err != nil || len(hits) != 30 {
		t.Fatalf("huge k: %d hits, %v; want 30", len(hits), err)
	}
	_ = rand.Int
}
