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
	e, ms := conversation(t,
		"Caroline: Melanie, your painting is lovely!",
		"Melanie: My painting is of the lake at dawn.",
		"Caroline: The adoption agency called back today, Melanie.",
		"Caroline: Melanie, how was the camping trip with the kids?",
		"Caroline: I went to a support group meeting yesterday.",
		"Melanie: The kids loved the museum, Caroline.",
	)
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

// TestWithoutSpeakers: the vector query leaves out the words that name a
// speaker of the namespace, and the speaker set follows writes, updates and
// forgets.
func TestWithoutSpeakers(t *testing.T) {
	ctx := context.Background()
	e, ms := conversation(t,
		"Melanie: I painted the lake.",
		"Dr Ada Moreau: The results are in.",
		"Caroline: Hi!",
		"no label here, Bob",
	)
	strip := func(q string) string {
		e.mu.RLock()
		defer e.mu.RUnlock()
		return e.withoutSpeakersLocked(q)
	}
	for q, want := range map[string]string{
		"What did Melanie's kids paint?":     "What did kids paint?",
		"What did Ada Moreau say to Dr Lee?": "What did say to Dr Lee?", // "Dr" is too short to be counted
		"Did Bob call Caroline?":             "Did Bob call",            // Bob is named in content, not a speaker
		"Melanie?":                           "Melanie?",                // only names: kept whole
		"What did she paint?":                "What did she paint?",
	} {
		if got := strip(q); got != want {
			t.Errorf("withoutSpeakers(%q) = %q, want %q", q, got, want)
		}
	}
	// Caroline's only line becomes unlabelled, Melanie's is forgotten:
	// neither is a speaker any more; reopening rebuilds the same set.
	if _, err := e.Update(ctx, ms[2].ID, UpdateInput{Content: ptr("hi again")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Forget(ctx, Filter{IDs: []string{ms[0].ID}}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		for _, q := range []string{"Did Melanie paint?", "Did Caroline call?"} {
			if got := strip(q); got != q {
				t.Errorf("%s: withoutSpeakers(%q) = %q, want it unchanged", when, q, got)
			}
		}
		if got := strip("What did Ada say?"); got != "What did say?" {
			t.Errorf("%s: Ada should still be a speaker, got %q", when, got)
		}
	}
	check("after update and forget")
	e.mu.RLock()
	rebuilt := buildSpeakers(e.mems)
	e.mu.RUnlock()
	if len(rebuilt) != len(e.speakers) {
		t.Fatalf("maintained speakers %v, rebuilt %v", e.speakers, rebuilt)
	}
	for w, n := range rebuilt {
		if e.speakers[w] != n {
			t.Fatalf("maintained speakers %v, rebuilt %v", e.speakers, rebuilt)
		}
	}
}

// TestVectorRecallLeavesSpeakersOut: a line that is only names is close to
// "What did Melanie paint?" in a word-vector embedding because of the name;
// with the speaker left out of the vector query, the line about painting
// has the better vector score, and speaker_weight 0 keeps the old query.
func TestVectorRecallLeavesSpeakersOut(t *testing.T) {
	ctx := context.Background()
	e, ms := conversation(t,
		"Caroline: Melanie! Hi Melanie, Melanie!",
		"Melanie: I painted a watercolor picture of the lake.",
		"Caroline: Work was busy all week.",
	)
	vecScores := func(w *float64) map[string]float64 {
		items, _, err := e.Recall(ctx, RecallInput{Query: "What did Melanie paint?", TopK: 3, Routing: "vector", SpeakerWeight: w})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, it := range items {
			out[it.Memory.ID] = it.VectorScore
		}
		return out
	}
	on, off := vecScores(nil), vecScores(ptr(0.0))
	names, painting := ms[0].ID, ms[1].ID
	if on[painting] <= on[names] {
		t.Fatalf("speaker left out: painting line %.3f should beat the names-only line %.3f", on[painting], on[names])
	}
	if off[names] <= on[names] {
		t.Fatalf("speaker_weight 0 keeps the name in the vector query: names-only line %.3f, want above %.3f", off[names], on[names])
	}
}
