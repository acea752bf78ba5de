package graph

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// Targets for the built-in labelled set; see doc.go for the measured figures.
const (
	minEntityF1   = 0.80
	minRelationF1 = 0.60

	minHoldoutEntityF1   = 0.80
	minHoldoutRelationF1 = 0.60
)

func TestDefaultCasesQuality(t *testing.T) {
	cases := DefaultCases()
	if len(cases) < 150 {
		t.Fatalf("only %d labelled cases, want >= 150", len(cases))
	}
	rep := Evaluate(cases)
	for _, l := range rep.Lines() {
		t.Log(l)
	}
	if os.Getenv("GRAPH_EVAL_MISSES") != "" {
		for _, m := range rep.Misses {
			kind := "FN"
			if m.FP {
				kind = "FP"
			}
			t.Logf("%s %s %-50s | %s", kind, m.Kind, m.Item, cases[m.Case].Text)
		}
	}
	if rep.Entities.F1 < minEntityF1 {
		t.Errorf("entity F1 = %.3f, want >= %.2f", rep.Entities.F1, minEntityF1)
	}
	if rep.Relations.F1 < minRelationF1 {
		t.Errorf("relation F1 = %.3f, want >= %.2f", rep.Relations.F1, minRelationF1)
	}
}

func TestHoldoutQuality(t *testing.T) {
	rep := Evaluate(HoldoutCases())
	for _, l := range rep.Lines()[:4] {
		t.Log("holdout", l)
	}
	if rep.Cases < 40 || rep.Entities.F1 < minHoldoutEntityF1 || rep.Relations.F1 < minHoldoutRelationF1 {
		t.Errorf("holdout: %d cases, entity F1 %.3f, relation F1 %.3f", rep.Cases, rep.Entities.F1, rep.Relations.F1)
	}
}

func TestEvaluateCounts(t *testing.T) {
	rep := Evaluate([]Case{{
		Text:      "Alice works at Google.",
		Entities:  []CaseEntity{{"Alice", TypePerson}, {"Google", TypeLocation}, {"Mars", TypeLocation}},
		Relations: []CaseRelation{{"Alice", RelWorksAt, "Google"}, {"Google", RelLocatedIn, "Mars"}},
	}})
	if e := rep.Entities; e.TP != 1 || e.FP != 1 || e.FN != 2 {
		t.Errorf("entities = %+v, want tp=1 fp=1 fn=2", e)
	}
	if e := rep.EntitiesUntyped; e.TP != 2 || e.FP != 0 || e.FN != 1 {
		t.Errorf("untyped = %+v, want tp=2 fp=0 fn=1", e)
	}
	if r := rep.Relations; r.TP != 1 || r.FN != 1 || r.Precision != 1 || r.Recall != 0.5 {
		t.Errorf("relations = %+v", r)
	}
}

func TestLoadCases(t *testing.T) {
	cs, err := LoadCases(strings.NewReader("# comment\n\n{\"text\":\"a\",\"entities\":[{\"name\":\"A\",\"type\":\"person\"}]}\n"))
	if err != nil || len(cs) != 1 || cs[0].Entities[0].Type != TypePerson {
		t.Fatalf("LoadCases = %+v, %v", cs, err)
	}
	for _, bad := range []string{"{", `{"text":""}`, `[1]`} {
		if _, err := LoadCases(strings.NewReader(bad)); !errors.Is(err, ErrBadCase) {
			t.Errorf("LoadCases(%q) err = %v, want ErrBadCase", bad, err)
		}
	}
}

func BenchmarkExtract(b *testing.B) {
	cases := DefaultCases()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		Extract(cases[n%len(cases)].Text, ExtractOptions{})
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "sentences/s")
}
