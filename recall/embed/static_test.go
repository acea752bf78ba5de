package embed_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/engramhq/engram/recall"
	"github.com/engramhq/engram/recall/embed"
)

var _ recall.Embedder = (*embed.Static)(nil)

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func embedOne(tb testing.TB, e recall.Embedder, text string) []float32 {
	tb.Helper()
	v, err := e.Embed(context.Background(), []string{text})
	if err != nil {
		tb.Fatalf("Embed(%q): %v", text, err)
	}
	return v[0]
}

func TestStaticShape(t *testing.T) {
	e := embed.NewStatic()
	if got, want := e.ID(), fmt.Sprintf("engram-static-v1-%d", e.Dimension()); got != want {
		t.Fatalf("ID = %q, want %q", got, want)
	}
	texts := []string{
		"Alice loves Thai curry", "what food does Alice like?", "!!!", "🙂", "x",
		"日本語のテキスト", "don't won't can't Bob's", "2024-05-01 at 10:30", "UNKNOWNWORDZZZ qwxzv",
	}
	for _, text := range texts {
		t.Run("text="+text, func(t *testing.T) {
			v := embedOne(t, e, text)
			if len(v) != e.Dimension() {
				t.Fatalf("len = %d, want %d", len(v), e.Dimension())
			}
			var n float64
			for _, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("non-finite component %v", x)
				}
				n += float64(x) * float64(x)
			}
			if math.Abs(n-1) > 1e-4 {
				t.Fatalf("squared norm = %v, want 1", n)
			}
			again := embedOne(t, e, text)
			for i := range v {
				if v[i] != again[i] {
					t.Fatalf("not deterministic: component %d = %v then %v", i, v[i], again[i])
				}
			}
		})
	}
}

func TestStaticEmptyText(t *testing.T) {
	e := embed.NewStatic()
	for _, text := range []string{"", "   ", "\n\t"} {
		t.Run(fmt.Sprintf("text=%q", text), func(t *testing.T) {
			_, err := e.Embed(context.Background(), []string{"ok", text})
			if !errors.Is(err, embed.ErrEmptyText) {
				t.Fatalf("err = %v, want ErrEmptyText", err)
			}
		})
	}
	v, err := e.Embed(context.Background(), nil)
	if err != nil || len(v) != 0 {
		t.Fatalf("Embed(nil) = %v, %v; want empty, nil", v, err)
	}
}

func TestStaticCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := embed.NewStatic().Embed(ctx, []string{"hello"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestStaticSimilarity(t *testing.T) {
	e := embed.NewStatic()
	tests := []struct{ a, near, far string }{
		{"The cat rested on the carpet", "The kitten slept on the rug", "Quarterly revenue grew eight percent"},
		{"what food does Alice like", "Alice loves Thai curry", "The meeting moved to Tuesday"},
		{"my dentist appointment", "dental checkup booked for Friday", "Bob prefers dark mode in his editor"},
		{"kubernetes deployment failed", "the kubernetes deploy broke", "I bought flowers for my mother"},
	}
	for _, tt := range tests {
		t.Run("a="+tt.a, func(t *testing.T) {
			a := embedOne(t, e, tt.a)
			near, far := dot(a, embedOne(t, e, tt.near)), dot(a, embedOne(t, e, tt.far))
			if near <= far {
				t.Fatalf("cos(near) = %.3f <= cos(far) = %.3f", near, far)
			}
		})
	}
}

func TestStaticConcurrent(t *testing.T) {
	e := embed.NewStatic()
	want := embedOne(t, e, "concurrent embedding of the same text")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				v, err := e.Embed(context.Background(), []string{"concurrent embedding of the same text", "other"})
				if err != nil {
					errs <- err
					return
				}
				if !slices.Equal(v[0], want) {
					errs <- fmt.Errorf("vector differs under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func BenchmarkStaticEmbed(b *testing.B) {
	e := embed.NewStatic()
	texts := []string{
		"Alice loves Thai curry, especially green curry with extra basil.",
		"Remind me to renew the car insurance before the end of March.",
		"Bob's daughter starts kindergarten in September at Lincoln Elementary.",
		"The staging cluster runs Kubernetes 1.29 behind an nginx ingress.",
	}
	ctx := context.Background()
	if _, err := e.Embed(ctx, texts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := e.Embed(ctx, texts); err != nil {
			b.Fatal(err)
		}
		n += len(texts)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "texts/s")
}

// BenchmarkStaticLoad is the one-time cost of the first Embed call: decoding
// the embedded word table.
func BenchmarkStaticLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := embed.ParseWordTable(); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzStaticEmbed(f *testing.F) {
	for _, s := range []string{"Alice loves Thai curry", "don't", "’’’", "a'b'c'd", "ÅNGSTRÖM 123", "\x00\xff", "<>"} {
		f.Add(s)
	}
	e := embed.NewStatic()
	f.Fuzz(func(t *testing.T, text string) {
		v, err := e.Embed(context.Background(), []string{text})
		if err != nil {
			if errors.Is(err, embed.ErrEmptyText) {
				return
			}
			t.Fatal(err)
		}
		var n float64
		for _, x := range v[0] {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("non-finite component for %q", text)
			}
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-4 {
			t.Fatalf("squared norm %v for %q", n, text)
		}
	})
}
