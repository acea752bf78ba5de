package memory

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestSpeakerLabel(t *testing.T) {
	for _, tc := range []struct {
		content string
		want    []string
	}{
		{"Melanie: I painted that lake sunrise.", []string{"melanie"}},
		{"Dr. Ada Moreau: the results are in", []string{"dr", "ada", "moreau"}},
		{"Jean-Luc: engage", []string{"jean-luc"}},
		{"note: buy milk", nil},                     // not capitalized
		{"Reminder:call mom", nil},                  // no space after the colon
		{"The meeting is at 10:30 tomorrow", nil},   // a colon inside a sentence
		{"One Two Three Four: too many words", nil}, // more than three words
		{"Bob2: digits are not a name", nil},        // not letters
		{"https://example.com is down", nil},        // a URL
		{"Melanie:", nil},                           // nothing said
		{"", nil},
	} {
		t.Run("content="+tc.content, func(t *testing.T) {
			if got := speakerLabel(tc.content); !slices.Equal(got, tc.want) {
				t.Fatalf("speakerLabel(%q) = %q, want %q", tc.content, got, tc.want)
			}
		})
	}
}

func TestNamesSpeaker(t *testing.T) {
	for _, tc := range []struct {
		label []string
		query string
		want  bool
	}{
		{[]string{"melanie"}, "What did Melanie paint?", true},
		{[]string{"melanie"}, "What are Melanie's pets' names?", true},
		{[]string{"melanie"}, "What did Caroline paint?", false},
		{[]string{"dr", "ada", "moreau"}, "What did Ada Moreau find?", true}, // the title may be left out
		{[]string{"dr", "ada", "moreau"}, "What did Ada find?", false},       // every name word is needed
		{[]string{"jo"}, "What did Jo say?", false},                          // too short to match safely
	} {
		t.Run("query="+tc.query, func(t *testing.T) {
			if got := namesSpeaker(tc.label, queryWords(tc.query)); got != tc.want {
				t.Fatalf("namesSpeaker(%q, %q) = %v, want %v", tc.label, tc.query, got, tc.want)
			}
		})
	}
}

// TestRecallRaisesTheNamedSpeaker: a line that only addresses Melanie
// matches "What did Melanie paint?" better by words than the line Melanie
// said; the speaker weight puts hers first and explains why.
func TestRecallRaisesTheNamedSpeaker(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	e, err := s.EnsureNamespace(ctx, "org_test", "chat", true)
	if err != nil {
		t.Fatal(err)
	}
	var in []StoreInput
	for _, c := range []string{
		"Caroline: Melanie, your painting is lovely!",
		"Melanie: My painting is of the lake at dawn.",
		"Caroline: The adoption agency called back today, Melanie.",
		"Caroline: Melanie, how was the camping trip with the kids?",
		"Caroline: I went to a support group meeting yesterday.",
		"Melanie: The kids loved the museum, Caroline.",
	} {
		in = append(in, StoreInput{AgentID: "chat", Content: c})
	}
	ms, _, err := e.StoreBatch(ctx, in, "memories")
	if err != nil {
		t.Fatal(err)
	}
	top := func(w *float64) RecallItem {
		items, _, err := e.Recall(ctx, RecallInput{Query: "What did Melanie paint?", TopK: 6, SpeakerWeight: w, ContextWeight: ptr(0.0), Explain: true})
		if err != nil || len(items) == 0 {
			t.Fatalf("recall: %v, %d items", err, len(items))
		}
		return items[0]
	}
	if off := top(ptr(0.0)); off.Memory.ID != ms[0].ID {
		t.Fatalf("without the speaker weight the addressing line should lead by words, got %q", off.Memory.Content)
	}
	on := top(nil)
	if on.Memory.ID != ms[1].ID {
		t.Fatalf("with the default speaker weight Melanie's line should lead, got %q", on.Memory.Content)
	}
	if !strings.Contains(on.Explanation, "spoken by someone the query names") || on.Score > 1 {
		t.Fatalf("explanation %q, score %.3f", on.Explanation, on.Score)
	}
	if _, _, err := e.Recall(ctx, RecallInput{Query: "x", SpeakerWeight: ptr(-0.1)}); err == nil || !strings.Contains(err.Error(), "speaker_weight") {
		t.Fatalf("speaker_weight -0.1: err = %v, want a speaker_weight error", err)
	}
}
