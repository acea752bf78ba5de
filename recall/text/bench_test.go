package text

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
)

// benchIndex opens an encrypted index, or with enc=false the same Bleve
// mapping in a folder never registered with the hooks (plaintext), as a
// baseline for the cost of encryption.
func benchIndex(tb testing.TB, enc, sync bool) *Index {
	tb.Helper()
	if enc {
		return openT(tb, tb.TempDir(), testKey(tb), &Options{SyncApply: sync})
	}
	m, err := newMapping(DefaultAnalyzer)
	if err != nil {
		tb.Fatal(err)
	}
	idx, err := bleve.NewUsing(filepath.Join(tb.TempDir(), "plain"), m,
		bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, map[string]any{"unsafe_batch": !sync})
	if err != nil {
		tb.Fatal(err)
	}
	ix := &Index{idx: idx, sync: sync}
	tb.Cleanup(func() { _ = ix.Close() })
	return ix
}

// synth makes short chat-like documents: 8–20 words drawn from a Zipf
// distribution over a 20k-word vocabulary, with common English glue words.
type synth struct {
	r    *rand.Rand
	zipf *rand.Zipf
}

var glue = []string{"the", "user", "said", "likes", "is", "with", "about", "and", "to", "my"}

func newSynth(seed uint64) *synth {
	r := rand.New(rand.NewPCG(seed, 1))
	return &synth{r: r, zipf: rand.NewZipf(r, 1.1, 2, 19_999)}
}

func (s *synth) words(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		if s.r.IntN(3) == 0 {
			b.WriteString(glue[s.r.IntN(len(glue))])
		} else {
			fmt.Fprintf(&b, "word%d", s.zipf.Uint64())
		}
	}
	return b.String()
}

func (s *synth) doc() string { return s.words(8 + s.r.IntN(13)) }

func fill(tb testing.TB, ix *Index, s *synth, n int) {
	tb.Helper()
	const batch = 1000
	for start := 0; start < n; start += batch {
		ops := make([]Op, 0, batch)
		for i := start; i < min(n, start+batch); i++ {
			ops = append(ops, Op{ID: fmt.Sprintf("mem-%08d", i), Text: s.doc()})
		}
		if err := ix.Apply(ops, uint64(start/batch+1)); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkApply applies batches of 100 short documents (one Bleve batch)
// to a growing index; sync=true waits for each batch to be on disk.
func BenchmarkApply(b *testing.B) {
	for _, bc := range []struct{ enc, sync bool }{{true, false}, {false, false}, {true, true}, {false, true}} {
		b.Run(fmt.Sprintf("batch=100/enc=%v/sync=%v", bc.enc, bc.sync), func(b *testing.B) { benchApply(b, bc.enc, bc.sync) })
	}
}

func benchApply(b *testing.B, enc, sync bool) {
	ix := benchIndex(b, enc, sync)
	s := newSynth(1)
	const size = 100
	batches := make([][]Op, 64)
	for j := range batches {
		batches[j] = make([]Op, size)
		for i := range batches[j] {
			batches[j][i] = Op{Text: s.doc()}
		}
	}
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		ops := batches[seq%uint64(len(batches))]
		for i := range ops {
			ops[i].ID = fmt.Sprintf("mem-%d-%d", seq, i)
		}
		seq++
		if err := ix.Apply(ops, seq); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size*b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkSearch runs 3–6 word queries, k=10, against n documents.
func BenchmarkSearch(b *testing.B) {
	for _, bc := range []struct {
		n   int
		enc bool
	}{{10_000, true}, {100_000, true}, {10_000, false}, {100_000, false}} {
		b.Run(fmt.Sprintf("n=%d/k=10/enc=%v", bc.n, bc.enc), func(b *testing.B) {
			n := bc.n
			ix := benchIndex(b, bc.enc, false)
			s := newSynth(2)
			fill(b, ix, s, n)
			queries := make([]string, 256)
			for i := range queries {
				queries[i] = "what did I say about " + s.words(3+s.r.IntN(4))
			}
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := ix.Search(ctx, queries[i%len(queries)], 10); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}

// BenchmarkOpenClose opens and closes an existing 1,000-document index:
// the cost of a Pool miss plus an eviction.
func BenchmarkOpenClose(b *testing.B) {
	dir, key := b.TempDir(), testKey(b)
	ix, err := Open(dir, key, nil)
	if err != nil {
		b.Fatal(err)
	}
	fill(b, ix, newSynth(3), 1000)
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ix, err := Open(dir, key, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "opens/s")
}
