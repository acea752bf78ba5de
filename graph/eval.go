package graph

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Case is one labelled text for measuring extraction quality.
type Case struct {
	Text      string         `json:"text"`
	Speaker   string         `json:"speaker,omitempty"` // passed as ExtractOptions.Speaker
	Entities  []CaseEntity   `json:"entities"`
	Relations []CaseRelation `json:"relations"`
}

// CaseEntity is an expected entity: surface name and type.
type CaseEntity struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// CaseRelation is an expected relation between entity names; first-person
// statements use the speaker's name or "user".
type CaseRelation struct {
	Source   string `json:"source"`
	Relation string `json:"relation"`
	Target   string `json:"target"`
}

// Score is a precision/recall/F1 triple with its counts.
type Score struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func (s *Score) finish() {
	if s.TP+s.FP > 0 {
		s.Precision = float64(s.TP) / float64(s.TP+s.FP)
	}
	if s.TP+s.FN > 0 {
		s.Recall = float64(s.TP) / float64(s.TP+s.FN)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
}

func (s Score) String() string {
	return fmt.Sprintf("P=%.3f R=%.3f F1=%.3f (tp=%d fp=%d fn=%d)", s.Precision, s.Recall, s.F1, s.TP, s.FP, s.FN)
}

// Report is the result of Evaluate. Scores are micro-averaged over cases;
// entities match on normalized name and type (EntitiesUntyped: name only),
// relations on normalized ends and relation name (either direction for
// symmetric relations); co_occurs facts are not scored.
type Report struct {
	Cases           int              `json:"cases"`
	Entities        Score            `json:"entities"`
	EntitiesUntyped Score            `json:"entities_untyped"`
	Relations       Score            `json:"relations"`
	ByType          map[string]Score `json:"by_type"` // typed entity score per expected/predicted type
	Misses          []Miss           `json:"-"`       // every false positive and negative, for debugging
}

// Miss is one scoring error of a case.
type Miss struct {
	Case int    // index in the cases
	Kind string // "entity" or "relation"
	FP   bool   // predicted but not expected (else expected but missed)
	Item string
}

// Lines renders the report one figure per line, for a bench command.
func (r Report) Lines() []string {
	out := []string{
		fmt.Sprintf("extract cases=%d", r.Cases),
		"extract entities " + r.Entities.String(),
		"extract entities_untyped " + r.EntitiesUntyped.String(),
		"extract relations " + r.Relations.String(),
	}
	types := make([]string, 0, len(r.ByType))
	for t := range r.ByType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		out = append(out, "extract type="+t+" "+r.ByType[t].String())
	}
	return out
}

// Evaluate runs Extract on every case and scores it against the labels.
func Evaluate(cases []Case) Report {
	rep := Report{Cases: len(cases), ByType: map[string]Score{}}
	for i, c := range cases {
		x := Extract(c.Text, ExtractOptions{Speaker: c.Speaker})
		want, got := map[string]bool{}, map[string]bool{}
		wantU, gotU := map[string]bool{}, map[string]bool{}
		for _, e := range c.Entities {
			want[Normalize(e.Name)+"|"+e.Type] = true
			wantU[Normalize(e.Name)] = true
		}
		for _, m := range x.Entities {
			got[Normalize(m.Name)+"|"+m.Type] = true
			gotU[Normalize(m.Name)] = true
		}
		score(&rep, i, "entity", want, got, &rep.Entities)
		score(&rep, -1, "", wantU, gotU, &rep.EntitiesUntyped)
		for k := range union(want, got) {
			t := k[strings.LastIndexByte(k, '|')+1:]
			s := rep.ByType[t]
			switch {
			case want[k] && got[k]:
				s.TP++
			case got[k]:
				s.FP++
			default:
				s.FN++
			}
			rep.ByType[t] = s
		}
		wantR, gotR := map[string]bool{}, map[string]bool{}
		for _, r := range c.Relations {
			wantR[relKey(Normalize(r.Source), r.Relation, Normalize(r.Target))] = true
		}
		for _, f := range x.Relations {
			if f.Relation != RelCoOccurs {
				gotR[relKey(Normalize(f.Source), f.Relation, Normalize(f.Target))] = true
			}
		}
		score(&rep, i, "relation", wantR, gotR, &rep.Relations)
	}
	rep.Entities.finish()
	rep.EntitiesUntyped.finish()
	rep.Relations.finish()
	for t, s := range rep.ByType {
		s.finish()
		rep.ByType[t] = s
	}
	return rep
}

func relKey(src, rel, dst string) string {
	if IsSymmetric(rel) && dst < src {
		src, dst = dst, src
	}
	return src + " -" + rel + "-> " + dst
}

func union(a, b map[string]bool) map[string]bool {
	u := make(map[string]bool, len(a)+len(b))
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

func score(rep *Report, ci int, kind string, want, got map[string]bool, s *Score) {
	keys := make([]string, 0, len(want)+len(got))
	for k := range union(want, got) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case want[k] && got[k]:
			s.TP++
			continue
		case got[k]:
			s.FP++
		default:
			s.FN++
		}
		if ci >= 0 {
			rep.Misses = append(rep.Misses, Miss{Case: ci, Kind: kind, FP: got[k], Item: k})
		}
	}
}

// LoadCases reads labelled cases, one JSON object per line; blank lines
// and lines starting with '#' are skipped.
func LoadCases(r io.Reader) ([]Case, error) {
	var cases []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		var c Case
		if err := json.Unmarshal(line, &c); err != nil {
			return nil, fmt.Errorf("line %d: %w: %w", n, ErrBadCase, err)
		}
		if c.Text == "" {
			return nil, fmt.Errorf("line %d: %w: empty text", n, ErrBadCase)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return cases, nil
}

//go:embed testdata/extract.jsonl
var defaultCases []byte

//go:embed testdata/holdout.jsonl
var holdoutCases []byte

// DefaultCases returns the built-in labelled set (testdata/extract.jsonl,
// 190 cases), the set the rules were developed against.
func DefaultCases() []Case { return mustCases(defaultCases) }

// HoldoutCases returns a smaller labelled set (testdata/holdout.jsonl)
// written after the rules and never used to tune them: its figures are the
// fairer estimate of quality on new text.
func HoldoutCases() []Case { return mustCases(holdoutCases) }

func mustCases(b []byte) []Case {
	cs, err := LoadCases(bytes.NewReader(b))
	if err != nil {
		panic("graph: embedded cases: " + err.Error()) // programmer error: the files ship with the package
	}
	return cs
}
