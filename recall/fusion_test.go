package recall

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// cands builds a list from id, score pairs.
func cands(pairs ...float64) []Candidate {
	out := make([]Candidate, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Candidate{ID: uint64(pairs[i]), Score: pairs[i+1]})
	}
	return out
}

// checkScores compares got with want, entry by entry, within 1e-12.
func checkScores(tb testing.TB, got, want map[uint64]float64) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Errorf("got %d entries %v, want %d %v", len(got), got, len(want), want)
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			tb.Errorf("id %d missing, want %g", id, w)
			continue
		}
		if math.Abs(g-w) > 1e-12 {
			tb.Errorf("id %d = %.15g, want %.15g", id, g, w)
		}
	}
}

func rrf(k float64, ranks ...int) float64 {
	s := 0.0
	for _, r := range ranks {
		s += 1 / (k + float64(r))
	}
	return s
}

func TestFuseRRF(t *testing.T) {
	tests := []struct {
		name  string
		k     float64
		lists [][]Candidate
		want  map[uint64]float64
	}{
		{"lists=0", 60, nil, map[uint64]float64{}},
		{"lists=empty", 60, [][]Candidate{nil, {}}, map[uint64]float64{}},
		{"lists=one", 60, [][]Candidate{cands(7, 0.9, 3, 0.5, 9, 0.1)},
			map[uint64]float64{7: rrf(60, 1), 3: rrf(60, 2), 9: rrf(60, 3)}},
		{"lists=one/k=1", 1, [][]Candidate{cands(7, 0.9, 3, 0.5)},
			map[uint64]float64{7: 0.5, 3: 1.0 / 3}},
		{"k=0/default", 0, [][]Candidate{cands(7, 0.9)}, map[uint64]float64{7: rrf(DefaultRRFK, 1)}},
		{"k=-5/default", -5, [][]Candidate{cands(7, 0.9)}, map[uint64]float64{7: rrf(DefaultRRFK, 1)}},
		{"k=NaN/default", math.NaN(), [][]Candidate{cands(7, 0.9)}, map[uint64]float64{7: rrf(DefaultRRFK, 1)}},
		{"k=Inf/default", math.Inf(1), [][]Candidate{cands(7, 0.9)}, map[uint64]float64{7: rrf(DefaultRRFK, 1)}},
		{"lists=overlap", 60, [][]Candidate{cands(1, 0.9, 2, 0.8, 3, 0.7), cands(3, 12, 1, 8)},
			map[uint64]float64{1: rrf(60, 1, 2), 2: rrf(60, 2), 3: rrf(60, 3, 1)}},
		{"lists=disjoint", 60, [][]Candidate{cands(1, 0.9, 2, 0.8), cands(3, 5, 4, 4), cands(5, 1)},
			map[uint64]float64{1: rrf(60, 1), 2: rrf(60, 2), 3: rrf(60, 1), 4: rrf(60, 2), 5: rrf(60, 1)}},
		{"ties=middle", 60, [][]Candidate{cands(1, 0.9, 2, 0.5, 3, 0.5, 4, 0.1)},
			map[uint64]float64{1: rrf(60, 1), 2: rrf(60, 2), 3: rrf(60, 2), 4: rrf(60, 4)}},
		{"ties=all", 60, [][]Candidate{cands(1, 3, 2, 3, 3, 3)},
			map[uint64]float64{1: rrf(60, 1), 2: rrf(60, 1), 3: rrf(60, 1)}},
		{"dup=within_list", 60, [][]Candidate{cands(1, 0.9, 2, 0.8, 1, 0.1)},
			map[uint64]float64{1: rrf(60, 1), 2: rrf(60, 2)}},
		{"three_sources", 60, [][]Candidate{cands(1, 0.9, 2, 0.8), cands(2, 9, 1, 1), cands(2, 1)},
			map[uint64]float64{1: rrf(60, 1, 2), 2: rrf(60, 2, 1, 1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkScores(t, FuseRRF(tc.k, tc.lists...), tc.want)
		})
	}
}

func TestFuseRRFAgreementWins(t *testing.T) {
	// A memory second in both lists beats one first in one list only.
	got := FuseRRF(60, cands(1, 0.9, 2, 0.8), cands(3, 0.9, 2, 0.8))
	if !(got[2] > got[1] && got[2] > got[3]) {
		t.Errorf("agreement did not win: %v", got)
	}
}

func TestNormalize(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name string
		list []Candidate
		want map[uint64]float64
	}{
		{"len=0", nil, map[uint64]float64{}},
		{"len=1", cands(4, 0.3), map[uint64]float64{4: 1}},
		{"len=1/negative", cands(4, -7), map[uint64]float64{4: 1}},
		{"len=3", cands(1, 0.9, 2, 0.5, 3, 0.1), map[uint64]float64{1: 1, 2: 0.5, 3: 0}},
		{"bm25_scale", cands(1, 12.5, 2, 5, 3, 2.5), map[uint64]float64{1: 1, 2: 0.25, 3: 0}},
		{"negative", cands(1, -1, 2, -2, 3, -3), map[uint64]float64{1: 1, 2: 0.5, 3: 0}},
		{"ties=all", cands(1, 0.4, 2, 0.4), map[uint64]float64{1: 1, 2: 1}},
		{"ties=bottom", cands(1, 0.8, 2, 0.4, 3, 0.4), map[uint64]float64{1: 1, 2: 0, 3: 0}},
		{"unsorted", cands(1, 0.1, 2, 0.9, 3, 0.5), map[uint64]float64{1: 0, 2: 1, 3: 0.5}},
		{"dup=keeps_best", cands(1, 0.9, 2, 0.5, 2, 0.7, 3, 0.1), map[uint64]float64{1: 1, 2: 0.75, 3: 0}},
		{"nonfinite", cands(1, inf, 2, 0.8, 3, 0.4, 4, nan, 5, -inf), map[uint64]float64{1: 1, 2: 1, 3: 0, 4: 0, 5: 0}},
		{"only_nan", cands(1, nan), map[uint64]float64{1: 0}},
		{"huge_range", cands(1, math.MaxFloat64, 2, 0, 3, -math.MaxFloat64), map[uint64]float64{1: 1, 2: 0.5, 3: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkScores(t, Normalize(tc.list), tc.want)
		})
	}
}

func TestFuseMinMax(t *testing.T) {
	vec := cands(1, 0.9, 2, 0.7, 3, 0.5) // normalized 1, 0.5, 0
	txt := cands(3, 10, 4, 6, 5, 2)      // normalized 1, 0.5, 0
	tests := []struct {
		name    string
		weights []float64
		lists   [][]Candidate
		want    map[uint64]float64
	}{
		{"lists=0", nil, nil, map[uint64]float64{}},
		{"lists=empty", []float64{1, 1}, [][]Candidate{nil, {}}, map[uint64]float64{}},
		{"lists=one", []float64{0.7}, [][]Candidate{vec}, map[uint64]float64{1: 1, 2: 0.5, 3: 0}},
		{"lists=one/len=1", []float64{0.7}, [][]Candidate{cands(9, 0.2)}, map[uint64]float64{9: 1}},
		{"weights=0.7,0.3", []float64{0.7, 0.3}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 0.7, 2: 0.35, 3: 0.3, 4: 0.15, 5: 0}},
		{"weights=7,3/sum=10", []float64{7, 3}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 0.7, 2: 0.35, 3: 0.3, 4: 0.15, 5: 0}},
		{"weights=1,1/sum=2", []float64{1, 1}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 0.5, 2: 0.25, 3: 0.5, 4: 0.25, 5: 0}},
		{"weights=nil/equal", nil, [][]Candidate{vec, txt},
			map[uint64]float64{1: 0.5, 2: 0.25, 3: 0.5, 4: 0.25, 5: 0}},
		{"weights=short", []float64{3}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 0.75, 2: 0.375, 3: 0.25, 4: 0.125, 5: 0}},
		{"weights=extra", []float64{1, 1, 5}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 0.5, 2: 0.25, 3: 0.5, 4: 0.25, 5: 0}},
		{"weights=0,0/equal", []float64{0, 0}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 0.5, 2: 0.25, 3: 0.5, 4: 0.25, 5: 0}},
		{"weights=1,0", []float64{1, 0}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 1, 2: 0.5, 3: 0, 4: 0, 5: 0}},
		{"weights=1,-2", []float64{1, -2}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 1, 2: 0.5, 3: 0, 4: 0, 5: 0}},
		{"weights=1,NaN", []float64{1, math.NaN()}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 1, 2: 0.5, 3: 0, 4: 0, 5: 0}},
		{"weights=huge", []float64{math.MaxFloat64, math.MaxFloat64}, [][]Candidate{vec, txt},
			map[uint64]float64{1: 0.5, 2: 0.25, 3: 0.5, 4: 0.25, 5: 0}},
		{"empty_list_no_weight", []float64{0.7, 0.3}, [][]Candidate{vec, nil},
			map[uint64]float64{1: 1, 2: 0.5, 3: 0}},
		{"disjoint", []float64{1, 1}, [][]Candidate{cands(1, 0.9, 2, 0.1), cands(3, 4, 4, 2)},
			map[uint64]float64{1: 0.5, 2: 0, 3: 0.5, 4: 0}},
		{"ties", []float64{1, 1}, [][]Candidate{cands(1, 0.5, 2, 0.5), cands(2, 3, 1, 1)},
			map[uint64]float64{1: 0.5, 2: 1}},
		{"three_sources", []float64{0.5, 0.3, 0.2}, [][]Candidate{vec, txt, cands(3, 1)},
			map[uint64]float64{1: 0.5, 2: 0.25, 3: 0.5, 4: 0.15, 5: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkScores(t, FuseMinMax(tc.weights, tc.lists...), tc.want)
		})
	}
}

// TestFusionProperties checks, on random lists, that FuseMinMax stays in
// [0, 1], that both methods return exactly the union of IDs, and that RRF
// of a single list keeps its order.
func TestFusionProperties(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, seed>>1))
	for round := range 2000 {
		nLists := r.IntN(4)
		lists := make([][]Candidate, nLists)
		union := map[uint64]bool{}
		for i := range lists {
			n := r.IntN(20)
			s := r.NormFloat64() * math.Exp(r.Float64()*10)
			for range n {
				id := uint64(r.IntN(40))
				lists[i] = append(lists[i], Candidate{ID: id, Score: s})
				union[id] = true
				if r.IntN(4) > 0 { // else a tie with the next one
					s -= r.ExpFloat64()
				}
			}
		}
		weights := make([]float64, r.IntN(5))
		for i := range weights {
			weights[i] = r.Float64()*2 - 0.5
		}
		what := fmt.Sprintf("round %d: lists %v weights %v", round, lists, weights)
		mm, rr := FuseMinMax(weights, lists...), FuseRRF(60, lists...)
		if len(mm) != len(union) || len(rr) != len(union) {
			t.Fatalf("%s: %d minmax and %d rrf entries, want %d", what, len(mm), len(rr), len(union))
		}
		for id := range union {
			if v, ok := mm[id]; !ok || !(v >= 0 && v <= 1) {
				t.Fatalf("%s: minmax[%d] = %g, %v; want in [0, 1]", what, id, v, ok)
			}
			if v, ok := rr[id]; !ok || !(v > 0 && v <= float64(nLists)/61) {
				t.Fatalf("%s: rrf[%d] = %g, %v; want in (0, n/(k+1)]", what, id, v, ok)
			}
		}
		if nLists == 1 {
			l := lists[0]
			for i := 1; i < len(l); i++ {
				if l[i].ID != l[i-1].ID && rr[l[i].ID] > rr[l[i-1].ID] && firstIndex(l, l[i].ID) == i {
					t.Fatalf("%s: rrf raised %d above %d", what, l[i].ID, l[i-1].ID)
				}
			}
		}
	}
}

func firstIndex(l []Candidate, id uint64) int {
	for i, c := range l {
		if c.ID == id {
			return i
		}
	}
	return -1
}

func BenchmarkFuse(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	lists := make([][]Candidate, 3)
	for i := range lists {
		s := 1.0
		for range 100 {
			lists[i] = append(lists[i], Candidate{ID: uint64(r.IntN(200)), Score: s})
			s -= r.Float64() / 100
		}
	}
	b.Run("method=rrf/lists=3/n=100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			FuseRRF(60, lists...)
		}
	})
	b.Run("method=minmax/lists=3/n=100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			FuseMinMax([]float64{0.6, 0.3, 0.1}, lists...)
		}
	})
}
