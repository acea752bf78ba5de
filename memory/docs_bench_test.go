package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkDocsQuery measures /query over n raw-vector documents of the
// namespace dimension, without a filter and with a metadata filter that
// admits 10% of them (evaluated during the scan).
func BenchmarkDocsQuery(b *testing.B) {
	ctx := context.Background()
	s := openTest(b, b.TempDir(), nil)
	defer s.Close()
	e, err := s.EnsureNamespace(ctx, "org_bench", "docs", true)
	if err != nil {
		b.Fatal(err)
	}
	dim := e.dimension()
	rng := rand.New(rand.NewPCG(1, 2))
	randVec := func() []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	const n = 10_000
	for start := 0; start < n; start += 1000 {
		batch := make([]DocInput, 1000)
		for i := range batch {
			id := start + i
			md := json.RawMessage(fmt.Sprintf(`{"bucket":%d,"tag":"t%d"}`, id%10, id%3))
			batch[i] = DocInput{ID: fmt.Sprintf("doc-%d", id), Values: randVec(), Metadata: md}
		}
		if _, err := e.UpsertVectors(ctx, batch, "vectors"); err != nil {
			b.Fatal(err)
		}
	}
	q := randVec()
	for _, c := range []struct {
		name   string
		filter string
	}{
		{"none", ""},
		{"10pct", `{"bucket":{"$eq":3}}`},
		{"or_10pct", `{"$or":[{"bucket":3},{"$and":[{"bucket":{"$gt":100}},{"tag":"t1"}]}]}`},
	} {
		b.Run(fmt.Sprintf("n=%d/dim=%d/filter=%s", n, dim, c.name), func(b *testing.B) {
			dq := DocQuery{Vector: q, TopK: 10, Filter: json.RawMessage(c.filter)}
			b.ReportAllocs()
			for b.Loop() {
				hits, err := e.QueryVectors(ctx, dq)
				if err != nil || len(hits) != 10 {
					b.Fatalf("%d hits, %v", len(hits), err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		})
	}
}

// BenchmarkMetadataFilterMatch measures one evaluation of a mixed filter.
func BenchmarkMetadataFilterMatch(b *testing.B) {
	f, err := ParseMetadataFilter(json.RawMessage(`{"$or":[{"genre":{"$in":["drama","comedy"]},"year":{"$gte":2000}},{"author.name":"ann"}]}`))
	if err != nil {
		b.Fatal(err)
	}
	md := decodeMeta(json.RawMessage(`{"genre":"horror","year":2019,"author":{"name":"ann"},"tags":["a","b"]}`))
	b.ReportAllocs()
	for b.Loop() {
		if !f.Match(md) {
			b.Fatal("no match")
		}
	}
}
