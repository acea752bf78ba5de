package vector

import (
	"fmt"
	"math"
	"strings"

	"github.com/viterin/vek/vek32"
)

// Metric is the similarity an index ranks by.
type Metric int

const (
	// Cosine ranks by cosine similarity. Vectors and queries are
	// L2-normalized on the way in, so Score is in [-1, 1].
	Cosine Metric = iota
	// Euclidean ranks by L2 distance d, reported as Score = 1/(1+d), in (0, 1].
	Euclidean
	// Dot ranks by the raw inner product, reported as Score.
	Dot
)

// ParseMetric accepts "cosine", "euclidean" (or "l2"), "dot_product" and "dot".
func ParseMetric(s string) (Metric, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "cosine":
		return Cosine, nil
	case "euclidean", "l2":
		return Euclidean, nil
	case "dot_product", "dot":
		return Dot, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrMetric, s)
}

// String returns the canonical name: "cosine", "euclidean" or "dot_product".
func (m Metric) String() string {
	switch m {
	case Cosine:
		return "cosine"
	case Euclidean:
		return "euclidean"
	case Dot:
		return "dot_product"
	}
	return fmt.Sprintf("metric(%d)", int(m))
}

func (m Metric) valid() bool { return m >= Cosine && m <= Dot }

// distFunc returns the internal distance for m: lower is closer. It is the
// negated inner product for Cosine and Dot and the L2 distance for Euclidean.
func (m Metric) distFunc() func(a, b []float32) float32 {
	if m == Euclidean {
		return vek32.Distance
	}
	return negDot
}

func negDot(a, b []float32) float32 { return -vek32.Dot(a, b) }

// score converts an internal distance to the public similarity.
func (m Metric) score(d float32) float32 {
	if m == Euclidean {
		return 1 / (1 + d)
	}
	return -d
}

// prepare validates v and returns a copy, normalized for Cosine.
// A zero vector stays zero under Cosine: it scores 0 against everything.
func (m Metric) prepare(v []float32, dim int) ([]float32, error) {
	if len(v) != dim {
		return nil, fmt.Errorf("%w: got %d, want %d", ErrDimension, len(v), dim)
	}
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, ErrNonFinite
		}
	}
	out := make([]float32, dim)
	copy(out, v)
	if m == Cosine {
		var ss float64
		for _, x := range out {
			ss += float64(x) * float64(x)
		}
		if ss > 0 {
			inv := 1 / math.Sqrt(ss)
			for i, x := range out {
				out[i] = float32(float64(x) * inv)
			}
		}
	}
	return out, nil
}
