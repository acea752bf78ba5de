package embed_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/engramhq/engram/recall"
	"github.com/engramhq/engram/recall/embed"
)

type pair struct {
	Query  string `json:"query"`
	Memory string `json:"memory"`
}

func loadPairs(tb testing.TB) []pair {
	tb.Helper()
	f, err := os.Open("testdata/paraphrase.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var ps []pair
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p pair
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			tb.Fatalf("line %d: %v", len(ps)+1, err)
		}
		ps = append(ps, p)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return ps
}

// quality embeds every memory as the corpus and every query, and returns
// recall@1 and MRR of each query's own memory under cosine similarity.
func quality(tb testing.TB, e recall.Embedder, ps []pair) (r1, mrr float64) {
	tb.Helper()
	qs, ms := make([]string, len(ps)), make([]string, len(ps))
	for i, p := range ps {
		qs[i], ms[i] = p.Query, p.Memory
	}
	ctx := context.Background()
	qv, err := e.Embed(ctx, qs)
	if err != nil {
		tb.Fatal(err)
	}
	mv, err := e.Embed(ctx, ms)
	if err != nil {
		tb.Fatal(err)
	}
	for i, q := range qv {
		own := dot(q, mv[i])
		rank := 1
		for j, m := range mv {
			if j != i && dot(q, m) > own {
				rank++
			}
		}
		if rank == 1 {
			r1++
		}
		mrr += 1 / float64(rank)
	}
	n := float64(len(ps))
	return r1 / n, mrr / n
}

type variantResult struct {
	name    string
	r1, mrr float64
}

func TestStaticQuality(t *testing.T) {
	ps := loadPairs(t)
	if len(ps) < 200 {
		t.Fatalf("%d pairs, want at least 200", len(ps))
	}
	def := embed.DefaultVariant()
	with := func(f func(*embed.StaticVariant)) embed.StaticVariant {
		v := def
		f(&v)
		return v
	}
	variants := []struct {
		name string
		v    embed.StaticVariant
	}{
		{"ngrams-only", with(func(v *embed.StaticVariant) { v.WordWeight = 0 })},
		{"ngrams-only+sif", with(func(v *embed.StaticVariant) { v.WordWeight, v.SIFNgrams = 0, true })},
		{"words-only", with(func(v *embed.StaticVariant) { v.NgramDim = 0 })},
		{"default", def},
		{"ngram-weight=0.4", with(func(v *embed.StaticVariant) { v.NgramWeight = 0.4 })},
		{"ngram-weight=1.0", with(func(v *embed.StaticVariant) { v.NgramWeight = 1 })},
		{"ngram-dim=156", with(func(v *embed.StaticVariant) { v.NgramDim = 156 })},
		{"remove-pcs=0", with(func(v *embed.StaticVariant) { v.RemovePCs = 0 })},
		{"remove-pcs=1", with(func(v *embed.StaticVariant) { v.RemovePCs = 1 })},
		{"remove-pcs=2", with(func(v *embed.StaticVariant) { v.RemovePCs = 2 })},
		{"remove-pcs=3", with(func(v *embed.StaticVariant) { v.RemovePCs = 3 })},
		{"words=20000", with(func(v *embed.StaticVariant) { v.MaxWords = 20000 })},
		{"words=50000", with(func(v *embed.StaticVariant) { v.MaxWords = 50000 })},
		{"words=80000", with(func(v *embed.StaticVariant) { v.MaxWords = 80000 })},
		{"unit-words=toggled", with(func(v *embed.StaticVariant) { v.UnitWords = !v.UnitWords })},
		{"sif-ngrams=toggled", with(func(v *embed.StaticVariant) { v.SIFNgrams = !v.SIFNgrams })},
		{"whole-word=toggled", with(func(v *embed.StaticVariant) { v.WholeWord = !v.WholeWord })},
		{"sif-a=1e-4", with(func(v *embed.StaticVariant) { v.SIFA = 1e-4 })},
		{"sif-a=3e-4", with(func(v *embed.StaticVariant) { v.SIFA = 3e-4 })},
		{"ngrams=3-6", with(func(v *embed.StaticVariant) { v.MinN, v.MaxN = 3, 6 })},
		{"ngrams=2-5", with(func(v *embed.StaticVariant) { v.MinN, v.MaxN = 2, 5 })},
		{"sif-a=1e-2", with(func(v *embed.StaticVariant) { v.SIFA = 1e-2 })},
	}
	res := map[string]variantResult{}
	var rows []variantResult
	for _, v := range variants {
		e := embed.NewStaticVariant(v.v)
		r1, mrr := quality(t, e, ps)
		r := variantResult{v.name, r1, mrr}
		res[v.name] = r
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].mrr > rows[j].mrr })
	t.Logf("%d pairs, corpus = all memories", len(ps))
	t.Logf("%-20s %8s %8s", "variant", "recall@1", "MRR")
	for _, r := range rows {
		t.Logf("%-20s %8.3f %8.3f", r.name, r.r1, r.mrr)
	}
	d := res["default"]
	for _, part := range []string{"ngrams-only", "ngrams-only+sif", "words-only"} {
		if p := res[part]; d.r1 < p.r1 || d.mrr < p.mrr {
			t.Errorf("default (recall@1 %.3f, MRR %.3f) is worse than %s (%.3f, %.3f)", d.r1, d.mrr, part, p.r1, p.mrr)
		}
	}
	if got := embed.NewStatic(); got.Dimension() != embed.NewStaticVariant(def).Dimension() {
		t.Errorf("NewStatic dimension %d differs from the default variant", got.Dimension())
	}
}
