package vector

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func benchIndex(b *testing.B, n, dim, threshold int) (*Index, [][]float32) {
	b.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), uint64(dim)))
	data := clustered(rng, n+100, dim, 100, 0.5)
	ix, err := New(Options{Dim: dim, HNSWThreshold: threshold})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i)
	}
	if err := ix.UpsertBatch(ids, data[:n]); err != nil {
		b.Fatal(err)
	}
	return ix, data[n:]
}

func BenchmarkExactSearch(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("n=%d/dim=256", n), func(b *testing.B) {
			ix, qs := benchIndex(b, n, 256, -1)
			b.ReportAllocs()
			i := 0
			start := time.Now()
			for b.Loop() {
				if _, err := ix.Search(qs[i%len(qs)], 10, nil); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i)/time.Since(start).Seconds(), "queries/s")
		})
	}
}

func BenchmarkHNSWSearch(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("n=%d/dim=256", n), func(b *testing.B) {
			ix, qs := benchIndex(b, n, 256, 1)
			found, total := 0, 0
			for _, q := range qs {
				got, _ := ix.Search(q, 10, nil)
				want, _ := ix.SearchExact(q, 10, nil)
				for _, h := range got {
					for _, w := range want {
						if h.ID == w.ID {
							found++
						}
					}
				}
				total += len(want)
			}
			b.ReportAllocs()
			i := 0
			start := time.Now()
			for b.Loop() {
				if _, err := ix.Search(qs[i%len(qs)], 10, nil); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i)/time.Since(start).Seconds(), "queries/s")
			b.ReportMetric(float64(found)/float64(total), "recall@10")
		})
	}
}
