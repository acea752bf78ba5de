package memory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// BenchmarkRecallConversation measures hybrid recall over one long
// two-speaker conversation (every memory in one stream, the worst case for
// the order lookups of the context weight), with the conversation lifts
// off and at their defaults, so the cost of the lifts reads as a ratio
// against a baseline taken in the same run.
func BenchmarkRecallConversation(b *testing.B) {
	ctx := context.Background()
	s := openTest(b, b.TempDir(), nil)
	defer s.Close()
	e, err := s.EnsureNamespace(ctx, "org_bench", "chat", true)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.UpdateConfig(ctx, "org_bench", "chat", []byte(`{"extract_entities":false}`)); err != nil {
		b.Fatal(err)
	}
	words := strings.Fields(`garden painting lake camping kids museum studio dance store job
		opening night support group adoption counseling pottery running shoes book concert
		guitar trip beach hike dinner family friend school work weekend summer project`)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 20_000
	for start := 0; start < n; start += 500 {
		batch := make([]StoreInput, 500)
		for i := range batch {
			speaker := [2]string{"Melanie", "Caroline"}[(start+i)%2]
			var t strings.Builder
			fmt.Fprintf(&t, "%s: I", speaker)
			for range 8 + rng.IntN(12) {
				t.WriteString(" " + words[rng.IntN(len(words))])
			}
			if rng.IntN(4) == 0 {
				t.WriteString("?")
			}
			batch[i] = StoreInput{AgentID: "chat", Content: t.String()}
		}
		if _, _, err := e.StoreBatch(ctx, batch, "memories"); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		w    *float64
	}{{"lifts=off", ptr(0.0)}, {"lifts=default", nil}} {
		b.Run(fmt.Sprintf("n=%d/%s", n, c.name), func(b *testing.B) {
			in := RecallInput{Query: "What did Melanie paint at the lake with her kids?", TopK: 10,
				ContextWeight: c.w, SpeakerWeight: c.w}
			for b.Loop() {
				if items, _, err := e.Recall(ctx, in); err != nil || len(items) != 10 {
					b.Fatalf("%d items, %v", len(items), err)
				}
			}
		})
	}
}
