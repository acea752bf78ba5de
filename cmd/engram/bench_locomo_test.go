package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseLocomoDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1:56 pm on 8 May, 2023", time.Date(2023, 5, 8, 13, 56, 0, 0, time.UTC), true},
		{"12:09 am on 13 September, 2023", time.Date(2023, 9, 13, 0, 9, 0, 0, time.UTC), true},
		{"12:28 pm on 8 November, 2023", time.Date(2023, 11, 8, 12, 28, 0, 0, time.UTC), true},
		{"10:37 am on 27 June, 2023", time.Date(2023, 6, 27, 10, 37, 0, 0, time.UTC), true},
		{"  4:10 PM on 26  october, 2023 ", time.Date(2023, 10, 26, 16, 10, 0, 0, time.UTC), true},
		{"9:55 am on 22 Oct, 2023", time.Date(2023, 10, 22, 9, 55, 0, 0, time.UTC), true},
		{"3:31 pm on 23 August 2023", time.Date(2023, 8, 23, 15, 31, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"25:61 pm on 40 Smarch, 2023", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run("in="+tt.in, func(t *testing.T) {
			got, err := parseLocomoDate(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("parseLocomoDate(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if tt.ok && !got.Equal(tt.want) {
				t.Fatalf("parseLocomoDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeDiaIDAndEvidence(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{"name=list", `["D1:3","D2:10"]`, []string{"D1:3", "D2:10"}},
		{"name=joined", `["D8:6; D9:17", "D8:6"]`, []string{"D8:6", "D9:17"}},
		{"name=padded", `["d2:01", " D3:4 "]`, []string{"D2:1", "D3:4"}},
		{"name=string", `"D1:1, D1:2"`, []string{"D1:1", "D1:2"}},
		{"name=junk", `["D", "1:2", "Dx:3"]`, nil},
		{"name=empty", `[]`, nil},
		{"name=number", `7`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseEvidence(json.RawMessage(tt.raw)); !slices.Equal(got, tt.want) {
				t.Fatalf("parseEvidence(%s) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestEvidenceRecall(t *testing.T) {
	ranked := []string{"D1:1", "D2:2", "D3:3", "D4:4", "D5:5", "D6:6"}
	tests := []struct {
		name     string
		evidence []string
		k        int
		want     float64
	}{
		{"case=first/k=1", []string{"D1:1"}, 1, 1},
		{"case=outside/k=5", []string{"D6:6"}, 5, 0},
		{"case=inside/k=10", []string{"D6:6"}, 10, 1},
		{"case=half/k=5", []string{"D2:2", "D9:9"}, 5, 0.5},
		{"case=third/k=3", []string{"D3:3", "D4:4", "D5:5"}, 3, 1.0 / 3},
		{"case=none/k=5", nil, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evidenceRecall(tt.evidence, ranked, tt.k); got != tt.want {
				t.Fatalf("evidenceRecall = %v, want %v", got, tt.want)
			}
		})
	}
}

func loadTiny(t *testing.T) *locomoConv {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "locomo", "tiny.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseLocomo("tiny", raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseLocomoFixture(t *testing.T) {
	c := loadTiny(t)
	if len(c.Turns) != 5 {
		t.Fatalf("turns = %d, want 5", len(c.Turns))
	}
	s1 := time.Date(2023, 5, 8, 13, 56, 0, 0, time.UTC).Unix()
	s2 := time.Date(2023, 9, 13, 0, 9, 0, 0, time.UTC).Unix()
	wantTurns := []locomoTurn{
		{"locomo.tiny.D1:1", "D1:1", "Ana: Hi Ben! I adopted a tortoise named Sheldon last week.", s1},
		{"locomo.tiny.D1:2", "D1:2", "Ben: Congrats! Here is my new kayak. [photo: a photo of a red kayak on a lake]", s1 + 1},
		{"locomo.tiny.D1:3", "D1:3", "Ana: Lovely. I am training for the Lisbon marathon in October.", s1 + 2},
		{"locomo.tiny.D2:1", "D2:1", "Ben: I started a pottery class on Thursdays.", s2},
		{"locomo.tiny.D2:2", "D2:2", "Ana: Sheldon the tortoise loves strawberries.", s2 + 1},
	}
	for i, want := range wantTurns {
		if c.Turns[i] != want {
			t.Errorf("turn %d = %+v, want %+v", i, c.Turns[i], want)
		}
	}
	for _, turn := range c.Turns {
		if strings.Contains(turn.Content, "zebra") {
			t.Errorf("turn %s carries a derived field: %q", turn.DiaID, turn.Content)
		}
	}
	// session_3 has a date but no turns: the end is session 2 + 1 day.
	if want := time.Unix(s2, 0).UTC().Add(24 * time.Hour); !c.End.Equal(want) {
		t.Errorf("End = %v, want %v", c.End, want)
	}
	if len(c.Questions) != 5 || c.Skipped != 2 {
		t.Fatalf("questions = %d skipped = %d, want 5 and 2", len(c.Questions), c.Skipped)
	}
	if q := c.Questions[1]; q.Category != 1 || !slices.Equal(q.Evidence, []string{"D2:2", "D1:1"}) {
		t.Errorf("question 1 = %+v", q)
	}
	if q := c.Questions[3]; !slices.Equal(q.Evidence, []string{"D2:1"}) {
		t.Errorf("question 3 evidence = %q, want D2:1", q.Evidence)
	}
}

func TestParseLocomoErrors(t *testing.T) {
	tests := []struct {
		name, raw string
	}{
		{"case=not-json", `{`},
		{"case=no-sessions", `{"qa": []}`},
		{"case=bad-session", `{"session_1": "x"}`},
		{"case=empty-turns", `{"session_1": [{"speaker": "A", "dia_id": "D1:1", "text": "  "}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseLocomo("x", []byte(tt.raw)); err == nil {
				t.Fatal("parseLocomo succeeded, want an error")
			}
		})
	}
}

func TestParseLocomoDuplicateDiaIDAndBadDate(t *testing.T) {
	raw := `{"session_1_date_time": "sometime", "session_1": [
		{"speaker": "A", "dia_id": "D1:1", "text": "one"},
		{"speaker": "B", "dia_id": "D1:1", "text": "two"},
		{"speaker": "A", "text": "three"}]}`
	c, err := parseLocomo("dup/../x", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{c.Turns[0].ID, c.Turns[1].ID, c.Turns[2].ID}
	if want := []string{"locomo.dup_x.D1:1", "locomo.dup_x.D1:1.2", "locomo.dup_x.D1:3"}; !slices.Equal(ids, want) {
		t.Fatalf("ids = %q, want %q", ids, want)
	}
	if c.Turns[1].DiaID != "D1:1" || c.DateFallbacks != 1 {
		t.Fatalf("turn 1 dia = %q, fallbacks = %d", c.Turns[1].DiaID, c.DateFallbacks)
	}
}

// TestBenchLocomoFixture runs the whole benchmark on the fixture: real
// Badger and Bleve in a temporary directory, every mode.
func TestBenchLocomoFixture(t *testing.T) {
	c := loadTiny(t)
	configs := []locomoConfig{{Label: "bm25", Routing: "bm25"}, {Label: "vector", Routing: "vector"},
		{Label: "hybrid", Routing: "hybrid"}, {Label: "hybrid/decay=flat", Routing: "hybrid", Flat: true}}
	res, err := benchLocomo(context.Background(), []*locomoConv{c}, configs, 1, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Turns != 5 || res.Questions != 5 || len(res.Configurations) != 4 {
		t.Fatalf("result = %+v", res)
	}
	for _, f := range res.Configurations {
		if f.Questions != 5 {
			t.Errorf("%s: questions = %d", f.Config.Label, f.Questions)
		}
		// With 5 turns every evidence turn that exists is in the top 5:
		// only D9:9 (absent) of the category-3 question is missed.
		if got, want := f.Recall["5"], (4+0.5)/5; got != want {
			t.Errorf("%s: recall@5 = %v, want %v", f.Config.Label, got, want)
		}
		if f.Categories["3"].Recall["20"] != 0.5 || f.Categories["2"].Questions != 1 {
			t.Errorf("%s: categories = %+v", f.Config.Label, f.Categories)
		}
	}
	bm := res.Configurations[0]
	if bm.Recall["1"] < 0.5 {
		t.Errorf("bm25 recall@1 = %v; the fixture's questions share rare words with their evidence", bm.Recall["1"])
	}
	var out bytes.Buffer
	res.Files = []string{"tiny.json"}
	if err := writeLocomoText(&out, res); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[1], "BenchmarkLocomo/bm25 ") || !strings.Contains(lines[1], "recall@5") {
		t.Errorf("first figure line = %q", lines[1])
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "locomo recall@1 ") {
		t.Errorf("summary line = %q", last)
	}
}

func TestBenchLocomoCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench", "locomo", "--data", filepath.Join("testdata", "locomo"),
		"--json", "--sweep", "--sweep-weights", "0.3", "--decay"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var res locomoResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, stdout.String())
	}
	var labels []string
	for _, c := range res.Configurations {
		labels = append(labels, c.Config.Label)
	}
	want := []string{"bm25", "vector", "hybrid", "hybrid/fusion=rrf", "hybrid/fusion=minmax/w=0.3", "hybrid/decay=flat"}
	if !slices.Equal(labels, want) {
		t.Fatalf("configurations = %q, want %q", labels, want)
	}
	if res.Conversations != 1 || res.K != 10 || !strings.Contains(res.Summary, "target hybrid recall@10>=0.75") ||
		res.Margin == nil || res.Margin.K != 10 || !strings.Contains(res.Summary, "95% CI") {
		t.Fatalf("result = %+v", res)
	}

	stdout.Reset()
	if code := run(context.Background(), []string{"bench", "locomo", "--data", t.TempDir()}, &stdout, &stderr); code != 1 {
		t.Fatalf("empty dir: exit %d, want 1", code)
	}
	if code := run(context.Background(), []string{"bench", "locomo"}, &stdout, &stderr); code != 2 {
		t.Fatalf("no --data: exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"bench", "locomo", "--data", "x", "--modes", "graph"}, &stdout, &stderr); code != 1 {
		t.Fatalf("bad mode: exit %d, want 1", code)
	}
}

// TestPairedMargin: the margin is the mean per-question difference, its
// bootstrap interval holds it and narrows to a point when every question
// moves alike, and the win/loss counts are exact.
func TestPairedMargin(t *testing.T) {
	a := []float64{1, 1, 1, 0.5, 0, 1, 0, 1}
	b := []float64{0, 1, 0, 0.5, 1, 0, 0, 0}
	m := pairedMargin(a, b, 10)
	if m == nil || m.K != 10 || m.Better != 4 || m.Worse != 1 || math.Abs(m.Diff-3.0/8) > 1e-12 {
		t.Fatalf("margin = %+v, want diff 0.375, 4 better, 1 worse", m)
	}
	if !(m.CILow < m.Diff && m.Diff < m.CIHigh) || m.CILow < -1 || m.CIHigh > 1 {
		t.Fatalf("interval %.3f..%.3f does not hold the difference %.3f", m.CILow, m.CIHigh, m.Diff)
	}
	if again := pairedMargin(a, b, 10); *again != *m {
		t.Fatalf("not repeatable: %+v then %+v", m, again)
	}
	same := pairedMargin([]float64{0.5, 1, 0}, []float64{0.25, 0.75, -0.25}, 5)
	if same.CILow != 0.25 || same.CIHigh != 0.25 || same.Worse != 0 {
		t.Fatalf("every question +0.25: %+v", same)
	}
	if pairedMargin(a, b[:3], 10) != nil || pairedMargin(nil, nil, 10) != nil {
		t.Fatal("mismatched or empty inputs should give no margin")
	}
}
