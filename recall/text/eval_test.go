package text

import (
	"context"
	"testing"
)

// Quality is recall@k and mean reciprocal rank of a labelled query set.
type Quality struct {
	RecallAt5 float64
	MRR       float64
}

// evalAnalyzer indexes the built-in memory set with analyzer in a fresh
// index under dir and scores the built-in questions against it.
func evalAnalyzer(tb testing.TB, dir, analyzer string) Quality {
	tb.Helper()
	ix := openT(tb, dir, testKey(tb), &Options{Analyzer: analyzer})
	ops := make([]Op, 0, len(evalMemories))
	for id, text := range evalMemories {
		ops = append(ops, Op{ID: id, Text: text})
	}
	if err := ix.Apply(ops, 1); err != nil {
		tb.Fatal(err)
	}
	var q Quality
	for _, c := range evalQueries {
		hits, err := ix.Search(context.Background(), c.q, 5)
		if err != nil {
			tb.Fatal(err)
		}
		for rank, h := range hits {
			if h.ID == c.want {
				q.RecallAt5++
				q.MRR += 1 / float64(rank+1)
				break
			}
		}
	}
	n := float64(len(evalQueries))
	q.RecallAt5 /= n
	q.MRR /= n
	return q
}

// TestAnalyzerQuality compares the analyzers on the labelled set and checks
// that DefaultAnalyzer is at least as good as every other one.
func TestAnalyzerQuality(t *testing.T) {
	if len(evalQueries) < 40 {
		t.Fatalf("only %d labelled queries", len(evalQueries))
	}
	for _, c := range evalQueries {
		if _, ok := evalMemories[c.want]; !ok {
			t.Fatalf("query %q wants unknown memory %s", c.q, c.want)
		}
	}
	got := map[string]Quality{}
	for _, a := range []string{AnalyzerStandard, AnalyzerEnglish, AnalyzerSnowball} {
		q := evalAnalyzer(t, t.TempDir(), a)
		got[a] = q
		t.Logf("analyzer=%-11s queries=%d recall@5=%.3f mrr=%.3f", a, len(evalQueries), q.RecallAt5, q.MRR)
	}
	def := got[DefaultAnalyzer]
	for a, q := range got {
		if q.MRR > def.MRR+1e-9 {
			t.Errorf("analyzer %s (MRR %.3f) beats default %s (MRR %.3f)", a, q.MRR, DefaultAnalyzer, def.MRR)
		}
	}
}
