package recall

import "math"

// Fusion merges the ranked candidate lists of the sources (vector index,
// BM25, entity graph) into one relevance per memory: FuseRRF by ranks,
// FuseMinMax by normalized scores. Both are pure functions over the lists of
// the sources (sorted best first; only FuseRRF depends on the order) and
// return one entry per distinct ID of any list, in no order (the caller
// sorts).

// DefaultRRFK is the RRF constant used when FuseRRF gets k <= 0.
const DefaultRRFK = 60

// Candidate is one hit of one source: a memory ID and the source's score,
// higher is better.
type Candidate struct {
	ID    uint64
	Score float64
}

// FuseRRF fuses lists sorted best first by reciprocal rank fusion
// (Cormack, Clarke and Büttcher, SIGIR 2009). It uses ranks only, so sources
// whose scores are not comparable (cosine similarity, BM25) fuse without
// calibration:
//
//	rrf(d) = Σ over lists containing d of 1 / (k + rank(d))
//
// rank is 1-based; candidates with equal adjacent scores share the rank of
// the first of them (competition ranking "1224"), so a tie never favours an
// arbitrary order. An ID repeated within a list counts once, at its first
// (best) position. k <= 0 or non-finite means DefaultRRFK. rrf(d) lies in
// (0, n/(k+1)] for n lists: divide by n/(k+1) to map it into [0, 1].
func FuseRRF(k float64, lists ...[]Candidate) map[uint64]float64 {
	if !(k > 0) || math.IsInf(k, 1) {
		k = DefaultRRFK
	}
	out := make(map[uint64]float64, maxLen(lists))
	seen := make(map[uint64]struct{})
	for _, list := range lists {
		clear(seen)
		rank := 0
		for i, c := range list {
			if i == 0 || c.Score != list[i-1].Score {
				rank = i + 1
			}
			if _, dup := seen[c.ID]; dup {
				continue
			}
			seen[c.ID] = struct{}{}
			out[c.ID] += 1 / (k + float64(rank))
		}
	}
	return out
}

// FuseMinMax fuses lists by the weighted mean of their min-max normalized
// scores, so score magnitudes count, not only ranks:
//
//	minmax(d) = Σ_i w_i × norm_i(d) / Σ_i w_i
//
// where norm_i = Normalize(lists[i]), norm_i(d) is 0 when list i lacks d,
// and both sums run over the non-empty lists (an empty list has no opinion).
// Weight i is weights[i], or 1 when weights is shorter than lists; extra
// weights are ignored; negative or non-finite weights count as 0, and when
// every weight is 0 all lists weigh the same. Weights need not sum to 1:
// only their ratios matter, and the result always lies in [0, 1].
func FuseMinMax(weights []float64, lists ...[]Candidate) map[uint64]float64 {
	w := make([]float64, len(lists))
	top := 0.0
	for i, list := range lists {
		if len(list) == 0 {
			continue // an empty list has no opinion and no weight
		}
		w[i] = 1
		if i < len(weights) {
			w[i] = weights[i]
			if !(w[i] > 0) || math.IsInf(w[i], 1) {
				w[i] = 0
			}
		}
		top = math.Max(top, w[i])
	}
	sum := 0.0
	for i, list := range lists {
		switch {
		case len(list) == 0:
		case top == 0:
			w[i] = 1 // every weight 0: equal weights
		default:
			w[i] /= top // keeps the sum finite
		}
		sum += w[i]
	}
	out := make(map[uint64]float64, maxLen(lists))
	for i, list := range lists {
		if len(list) == 0 {
			continue
		}
		for id, s := range Normalize(list) {
			out[id] += w[i] * s / sum
		}
	}
	for id, s := range out {
		out[id] = math.Min(s, 1) // rounding never leaves [0, 1]
	}
	return out
}

// Normalize maps the scores of one list into [0, 1] by min-max
// normalization, (s - min) / (max - min), over its finite scores; it is
// how per-source scores (vector_score, text_score, graph_score) are
// reported. A list of one element, or whose finite scores are all equal,
// normalizes to 1. +Inf scores give 1; -Inf and NaN give 0. An ID repeated
// in the list keeps its best value. The list need not be sorted.
func Normalize(list []Candidate) map[uint64]float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range list {
		if !math.IsInf(c.Score, 0) && !math.IsNaN(c.Score) {
			lo, hi = math.Min(lo, c.Score), math.Max(hi, c.Score)
		}
	}
	span := hi - lo
	scale := 1.0
	if math.IsInf(span, 1) { // finite scores so far apart the range overflows
		span, scale = hi/2-lo/2, 0.5
	}
	out := make(map[uint64]float64, len(list))
	for _, c := range list {
		var v float64
		switch {
		case math.IsNaN(c.Score) || math.IsInf(c.Score, -1):
			v = 0
		case math.IsInf(c.Score, 1) || !(span > 0):
			v = 1
		default:
			v = math.Min(1, math.Max(0, (c.Score*scale-lo*scale)/span))
		}
		if old, ok := out[c.ID]; !ok || v > old {
			out[c.ID] = v
		}
	}
	return out
}

func maxLen(lists [][]Candidate) int {
	n := 0
	for _, l := range lists {
		n = max(n, len(l))
	}
	return n
}
