package memory

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/engramhq/engram/recall"
	"github.com/engramhq/engram/recall/text"
	"github.com/engramhq/engram/recall/vector"
)

// Bounds of document queries.
const (
	// DefaultDocTopK is top_k when a query does not set it.
	DefaultDocTopK = 10
	// MaxDocTopK bounds top_k.
	MaxDocTopK = 1000
)

// DocHit is one document result. Score is the route's ranking score: the
// vector similarity (vector.Hit.Score), the BM25 score, or the fused
// hybrid score in [0, 1], for which VectorScore and TextScore hold the
// min-max normalized source scores. Values, Text and Metadata are set when
// the document has them and the query asked for them.
type DocHit struct {
	ID          string
	Score       float64
	VectorScore float64
	TextScore   float64
	Values      []float32
	Text        string
	Metadata    json.RawMessage
}

// DocQuery is a query of the documents.
type DocQuery struct {
	// Vector is the query vector of QueryVectors and, optionally, Hybrid.
	Vector []float32
	// Text is the query text of QueryTexts, SearchTexts and Hybrid.
	Text string
	// TopK: 0 means DefaultDocTopK; at most MaxDocTopK.
	TopK int
	// Filter is a metadata filter (ParseMetadataFilter syntax).
	Filter json.RawMessage
	// IncludeValues, IncludeText and IncludeMetadata choose what hits carry.
	IncludeValues, IncludeText, IncludeMetadata bool
	// VectorWeight is Hybrid's weight of the vector score in [0, 1]; nil
	// means 0.5. The text score weighs 1-VectorWeight.
	VectorWeight *float64
}

// DocTiming reports where a text query spent its time.
type DocTiming struct {
	Model         string
	EmbeddingTime time.Duration
	SearchTime    time.Duration
}

func (q *DocQuery) prepare() (*MetadataFilter, error) {
	switch {
	case q.TopK == 0:
		q.TopK = DefaultDocTopK
	case q.TopK < 1 || q.TopK > MaxDocTopK:
		return nil, invalid("top_k", "must be between 1 and %d", MaxDocTopK)
	}
	return ParseMetadataFilter(q.Filter)
}

// QueryVectors returns the documents nearest to q.Vector (API.md POST
// /v1/namespaces/{ns}/query).
func (e *Engine) QueryVectors(ctx context.Context, q DocQuery) ([]DocHit, error) {
	f, err := q.prepare()
	if err != nil {
		return nil, err
	}
	if err := e.checkQueryVector(q.Vector, "vector", true); err != nil {
		return nil, err
	}
	d, err := e.docsForRead(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := d.vectorSearch(q.Vector, q.TopK, f)
	if err != nil {
		return nil, err
	}
	return d.hits(hits, q), nil
}

// QueryTexts embeds each text and returns the nearest documents of each
// (API.md POST .../query-text and .../batch-query-text).
func (e *Engine) QueryTexts(ctx context.Context, texts []string, q DocQuery, field string) ([][]DocHit, DocTiming, error) {
	tm := DocTiming{Model: e.s.emb.ID()}
	f, err := q.prepare()
	if err != nil {
		return nil, tm, err
	}
	if len(texts) == 0 {
		return nil, tm, invalid(field, "is required")
	}
	if len(texts) > e.s.opts.MaxBatch {
		return nil, tm, invalid(field, "at most %d queries per request", e.s.opts.MaxBatch)
	}
	for i, t := range texts {
		name := field
		if len(texts) > 1 || field == "queries" {
			name = fmt.Sprintf("%s[%d]", field, i)
		}
		if err := validateQueryText(t, name); err != nil {
			return nil, tm, err
		}
	}
	start := time.Now()
	vecs, err := e.embed(ctx, texts)
	tm.EmbeddingTime = time.Since(start)
	if err != nil {
		return nil, tm, err
	}
	d, err := e.docsForRead(ctx)
	if err != nil {
		return nil, tm, err
	}
	start = time.Now()
	out := make([][]DocHit, len(vecs))
	for i, v := range vecs {
		hits, err := d.vectorSearch(v, q.TopK, f)
		if err != nil {
			return nil, tm, err
		}
		out[i] = d.hits(hits, q)
	}
	tm.SearchTime = time.Since(start)
	return out, tm, nil
}

// SearchTexts returns the documents of the full-text index best matching
// q.Text by BM25 (API.md POST .../fulltext/search).
func (e *Engine) SearchTexts(ctx context.Context, q DocQuery) ([]DocHit, error) {
	f, err := q.prepare()
	if err != nil {
		return nil, err
	}
	if err := validateQueryText(q.Text, "query"); err != nil {
		return nil, err
	}
	d, err := e.docsForRead(ctx)
	if err != nil {
		return nil, err
	}
	cands, err := d.textSearch(ctx, q.Text, q.TopK, f)
	if err != nil {
		return nil, err
	}
	return d.hits(cands, q), nil
}

// Hybrid fuses the vector ranking (of q.Vector, or of q.Text embedded) and
// the BM25 ranking of q.Text with recall.FuseMinMax, weights VectorWeight
// and 1-VectorWeight (API.md POST .../hybrid). Each source contributes its
// best max(4×TopK, 100) documents that pass the filter.
func (e *Engine) Hybrid(ctx context.Context, q DocQuery) ([]DocHit, error) {
	f, err := q.prepare()
	if err != nil {
		return nil, err
	}
	if err := validateQueryText(q.Text, "text"); err != nil {
		return nil, err
	}
	w := 0.5
	if q.VectorWeight != nil {
		w = *q.VectorWeight
		if !(w >= 0 && w <= 1) {
			return nil, invalid("vector_weight", "must be between 0 and 1")
		}
	}
	qv := q.Vector
	if qv != nil {
		if err := e.checkQueryVector(qv, "vector", false); err != nil {
			return nil, err
		}
	} else {
		vs, err := e.embed(ctx, []string{q.Text})
		if err != nil {
			return nil, err
		}
		qv = vs[0]
	}
	d, err := e.docsForRead(ctx)
	if err != nil {
		return nil, err
	}
	n := min(max(4*q.TopK, 100), text.MaxK)
	vl, err := d.vectorSearch(qv, n, f)
	if err != nil {
		return nil, err
	}
	tl, err := d.textSearch(ctx, q.Text, n, f)
	if err != nil {
		return nil, err
	}
	fused := recall.FuseMinMax([]float64{w, 1 - w}, vl, tl)
	vn, tn := recall.Normalize(vl), recall.Normalize(tl)
	all := make([]recall.Candidate, 0, len(fused))
	for id, s := range fused {
		all = append(all, recall.Candidate{ID: id, Score: s})
	}
	sortCandidates(all)
	all = all[:min(len(all), q.TopK)]
	out := d.hits(all, q)
	for i := range out {
		k := all[i].ID
		out[i].VectorScore, out[i].TextScore = vn[k], tn[k]
	}
	return out, nil
}

func (e *Engine) checkQueryVector(v []float32, field string, required bool) error {
	if len(v) == 0 {
		if required {
			return invalid(field, "is required")
		}
		return nil
	}
	if dim := e.dimension(); len(v) != dim {
		return fmt.Errorf("%w: %s has %d dimensions, namespace has %d", ErrDimensionMismatch, field, len(v), dim)
	}
	return nil
}

func validateQueryText(t, field string) error {
	if len(t) == 0 {
		return invalid(field, "is required")
	}
	if len(t) > MaxDocTextBytes {
		return invalid(field, "must be at most %d bytes", MaxDocTextBytes)
	}
	return nil
}

// vectorSearch returns up to k documents nearest to q that pass f, as
// candidates best first. The filter runs per visited slot during the scan
// or graph traversal; evaluating it over every document first into a set
// measured 3-4x slower at 10k documents (BenchmarkDocsQuery) and would
// cost O(n) per query under HNSW.
func (d *docStore) vectorSearch(q []float32, k int, f *MetadataFilter) ([]recall.Candidate, error) {
	var admit func(uint64) bool
	if f != nil {
		admit = func(id uint64) bool {
			r := d.get(id)
			return r != nil && f.Match(r.meta)
		}
	}
	hits, err := d.vec.Search(q, k, admit)
	if err != nil {
		if errors.Is(err, vector.ErrDimension) {
			return nil, fmt.Errorf("%w: %v", ErrDimensionMismatch, err)
		}
		return nil, err
	}
	out := make([]recall.Candidate, len(hits))
	for i, h := range hits {
		out[i] = recall.Candidate{ID: h.ID, Score: float64(h.Score)}
	}
	return out, nil
}

// textSearch returns up to k documents of the full-text index that pass
// f, best BM25 score first. With a filter it asks Bleve for more hits,
// doubling until k pass or Bleve has no more.
func (d *docStore) textSearch(ctx context.Context, q string, k int, f *MetadataFilter) ([]recall.Candidate, error) {
	want := k
	if f != nil {
		want = min(max(8*k, 200), text.MaxK)
	}
	for {
		hits, err := d.text.Search(ctx, q, want)
		if err != nil {
			if errors.Is(err, text.ErrClosed) {
				return nil, fmt.Errorf("%w: namespace closed", ErrUnavailable)
			}
			return nil, err
		}
		out := make([]recall.Candidate, 0, min(k, len(hits)))
		for _, h := range hits {
			key, ok := parseDocID(h.ID)
			if !ok {
				continue
			}
			r := d.get(key)
			if r == nil || !r.HasText || !f.Match(r.meta) {
				continue
			}
			out = append(out, recall.Candidate{ID: key, Score: h.Score})
			if len(out) == k {
				break
			}
		}
		if len(out) == k || len(hits) < want || want >= text.MaxK {
			return out, nil
		}
		want = min(2*want, text.MaxK)
	}
}

// hits turns candidates into results, skipping documents deleted since.
func (d *docStore) hits(cs []recall.Candidate, q DocQuery) []DocHit {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]DocHit, 0, len(cs))
	for _, c := range cs {
		r := d.byKey[c.ID]
		if r == nil {
			continue
		}
		h := DocHit{ID: r.ID, Score: c.Score}
		if q.IncludeValues && r.Vector != nil {
			h.Values = r.Vector
		}
		if q.IncludeText && r.HasText {
			h.Text = r.Text
		}
		if q.IncludeMetadata && len(r.Metadata) > 0 {
			h.Metadata = r.Metadata
		}
		out = append(out, h)
	}
	return out
}

// sortCandidates orders by score, best first, ties by id.
func sortCandidates(cs []recall.Candidate) {
	slices.SortFunc(cs, func(a, b recall.Candidate) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 && !math.IsNaN(a.Score) && !math.IsNaN(b.Score) {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
