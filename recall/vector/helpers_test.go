package vector

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randVecs returns n random vectors in [-1, 1)^dim.
func randVecs(rng *rand.Rand, n, dim int) [][]float32 {
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dim)
		for j := range v {
			v[j] = rng.Float32()*2 - 1
		}
		out[i] = v
	}
	return out
}

// clustered returns n vectors around nc random centres with Gaussian noise.
func clustered(rng *rand.Rand, n, dim, nc int, spread float64) [][]float32 {
	centres := randVecs(rng, nc, dim)
	out := make([][]float32, n)
	for i := range out {
		c := centres[rng.IntN(nc)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + float32(rng.NormFloat64()*spread)
		}
		out[i] = v
	}
	return out
}

// bruteScore is the reference similarity in float64.
func bruteScore(m Metric, a, b []float32) float64 {
	var dot, na, nb, l2 float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
		l2 += (x - y) * (x - y)
	}
	switch m {
	case Cosine:
		if na == 0 || nb == 0 {
			return 0
		}
		return dot / math.Sqrt(na*nb)
	case Euclidean:
		return 1 / (1 + math.Sqrt(l2))
	}
	return dot
}

type scored struct {
	id    uint64
	score float64
}

// bruteTopK ranks all vectors (id = position) admitted by filter.
func bruteTopK(m Metric, vs map[uint64][]float32, q []float32, k int, filter func(uint64) bool) []scored {
	var all []scored
	for id, v := range vs {
		if filter != nil && !filter(id) {
			continue
		}
		all = append(all, scored{id, bruteScore(m, q, v)})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if a.score > b.score {
			return -1
		}
		if a.score < b.score {
			return 1
		}
		return 0
	})
	return all[:min(k, len(all))]
}

// checkAgainstBrute asserts hits match the reference ranking up to float error.
func checkAgainstBrute(tb testing.TB, m Metric, vs map[uint64][]float32, q []float32, hits []Hit, want []scored) {
	tb.Helper()
	if len(hits) != len(want) {
		tb.Fatalf("got %d hits, want %d", len(hits), len(want))
	}
	for i, h := range hits {
		v, ok := vs[h.ID]
		if !ok {
			tb.Fatalf("hit %d: id %d not stored", i, h.ID)
		}
		ref := bruteScore(m, q, v)
		if math.Abs(ref-float64(h.Score)) > 1e-4*(1+math.Abs(ref)) {
			tb.Fatalf("hit %d id %d: score %v, reference %v", i, h.ID, h.Score, ref)
		}
		if math.Abs(want[i].score-float64(h.Score)) > 1e-4*(1+math.Abs(ref)) {
			tb.Fatalf("rank %d: score %v, reference rank score %v", i, h.Score, want[i].score)
		}
		if i > 0 && hits[i-1].Score < h.Score {
			tb.Fatalf("hits not sorted at %d: %v < %v", i, hits[i-1].Score, h.Score)
		}
	}
}

func newTestRand(tb testing.TB) (*rand.Rand, uint64) {
	tb.Helper()
	seed := rand.Uint64()
	tb.Logf("seed=%d", seed)
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), seed
}
