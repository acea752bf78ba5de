package embed_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/engramhq/engram/recall"
	"github.com/engramhq/engram/recall/embed"
)

// conformance checks the recall.Embedder contract on any implementation:
// one unit vector of Dimension() per text, in order, deterministic, empty
// text rejected, safe for concurrent use.
func conformance(t *testing.T, e recall.Embedder) {
	t.Helper()
	ctx := context.Background()
	texts := []string{"Alice loves Thai curry", "the staging cluster", "Bob's birthday is in May", "日本語", "!!!"}
	vecs, err := e.Embed(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(vecs), len(texts))
	}
	if e.Dimension() <= 0 || e.ID() == "" {
		t.Fatalf("ID %q, Dimension %d", e.ID(), e.Dimension())
	}
	for i, v := range vecs {
		if len(v) != e.Dimension() {
			t.Fatalf("vector %d has %d dims, want %d", i, len(v), e.Dimension())
		}
		var n float64
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("vector %d is not finite", i)
			}
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-4 {
			t.Fatalf("vector %d squared norm %v", i, n)
		}
	}
	// Order: embedding one text alone gives the same vector as in the batch.
	var wg sync.WaitGroup
	errs := make([]error, len(texts))
	for i, text := range texts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			one, err := e.Embed(ctx, []string{text})
			if err == nil && !slices.Equal(one[0], vecs[i]) {
				err = errors.New("vector differs from the batch's: " + text)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(ctx, []string{""}); !errors.Is(err, embed.ErrEmptyText) {
		t.Fatalf("empty text: err = %v, want ErrEmptyText", err)
	}
	if got, err := e.Embed(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("Embed(nil) = %d vectors, %v", len(got), err)
	}
}

func TestConformance(t *testing.T) {
	t.Run("kind=static", func(t *testing.T) { conformance(t, embed.NewStatic()) })
	for _, kind := range kinds {
		t.Run("kind="+kind, func(t *testing.T) {
			_, srv := newFake(t, kind, 12, nil)
			conformance(t, newProvider(t, kind, embed.Config{BaseURL: srv.URL, BatchSize: 2}))
		})
	}
}
