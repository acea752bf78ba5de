package llm

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/engramhq/engram/graph"
)

// Bounds on one answer.
const (
	MaxEntities   = 100
	MaxRelations  = 100
	maxNameBytes  = 200
	speakerName   = graph.SpeakerUser
	scoreFromLLM  = 1.0
	minValidYear  = 1
	maxValidYear  = 9999
	dateOnlyShort = "2006-01"
)

// Result is the validated answer of the model.
type Result struct {
	// Entities are graph mentions; Start and End are the byte offsets of
	// the first case-insensitive occurrence of Name in the text, or 0, 0.
	Entities []graph.Mention
	// Relations are between the Canonical names of Entities, or the
	// speaker "user".
	Relations []Relation
	// Dropped counts the items of the answer that failed validation or
	// exceeded MaxEntities / MaxRelations.
	Dropped int
}

// Relation is one typed fact stated by the model.
type Relation struct {
	graph.Fact
	// ValidFrom is when the fact starts to hold; zero when the model gave
	// no (valid) date.
	ValidFrom time.Time
}

// answer is the JSON object the schema describes.
type answer struct {
	Entities *[]struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"entities"`
	Relations *[]struct {
		Subject   string  `json:"subject"`
		Predicate string  `json:"predicate"`
		Object    string  `json:"object"`
		ValidFrom *string `json:"valid_from"`
	} `json:"relations"`
}

// allowedTypes is types lower-cased and deduplicated, or graph.Types.
func allowedTypes(types []string) []string {
	var out []string
	for _, t := range types {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return slices.Clone(graph.Types)
	}
	return out
}

// parseAnswer validates the model's content against text.
func parseAnswer(content, text string, types []string) (*Result, error) {
	content = stripFence(content)
	var a answer
	if err := json.Unmarshal([]byte(content), &a); err != nil {
		return nil, fmt.Errorf("%w: content: %s", ErrBadResponse, jsonReason(err))
	}
	if a.Entities == nil || a.Relations == nil {
		return nil, fmt.Errorf("%w: content lacks the entities or relations array", ErrBadResponse)
	}
	res := &Result{Entities: []graph.Mention{}, Relations: []Relation{}}
	normText := " " + graph.Normalize(text) + " "
	lowerText := strings.ToLower(text)
	byNorm := map[string]string{} // Normalize(name) → canonical
	for _, e := range *a.Entities {
		name := strings.TrimSpace(e.Name)
		typ := strings.ToLower(strings.TrimSpace(e.Type))
		norm := graph.Normalize(name)
		switch {
		case norm == "" || len(name) > maxNameBytes || !slices.Contains(types, typ):
			res.Dropped++
			continue
		case !strings.Contains(normText, " "+norm+" "):
			res.Dropped++ // not in the text: invented
			continue
		case byNorm[norm] != "":
			continue // repeated
		case len(res.Entities) >= MaxEntities:
			res.Dropped++
			continue
		}
		m := graph.Mention{Name: name, Canonical: canonical(name, typ), Type: typ, Score: scoreFromLLM}
		if i := strings.Index(lowerText, strings.ToLower(name)); i >= 0 {
			m.Start, m.End = i, i+len(name)
		}
		byNorm[norm] = m.Canonical
		res.Entities = append(res.Entities, m)
	}
	end := func(s string) string {
		n := graph.Normalize(s)
		if n == speakerName {
			return speakerName
		}
		return byNorm[n]
	}
	seen := map[string]bool{}
	for _, r := range *a.Relations {
		pred := strings.ToLower(strings.Join(strings.FieldsFunc(r.Predicate, func(c rune) bool {
			return c == ' ' || c == '-' || c == '_'
		}), "_"))
		src, dst := end(r.Subject), end(r.Object)
		if !slices.Contains(Relations, pred) || src == "" || dst == "" || src == dst {
			res.Dropped++
			continue
		}
		key := src + "\x00" + pred + "\x00" + dst
		if graph.IsSymmetric(pred) && dst < src {
			key = dst + "\x00" + pred + "\x00" + src
		}
		if seen[key] {
			continue
		}
		if len(res.Relations) >= MaxRelations {
			res.Dropped++
			continue
		}
		seen[key] = true
		rel := Relation{Fact: graph.Fact{Source: src, Target: dst, Relation: pred,
			Exclusive: graph.IsExclusive(pred), Score: scoreFromLLM}}
		if r.ValidFrom != nil {
			rel.ValidFrom = parseDate(*r.ValidFrom)
		}
		res.Relations = append(res.Relations, rel)
	}
	return res, nil
}

// stripFence removes a Markdown code fence some models put around JSON.
func stripFence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") || !strings.HasSuffix(s, "```") || len(s) < 6 {
		return s
	}
	s = strings.TrimSuffix(s[3:], "```")
	if i := strings.IndexByte(s, '\n'); i >= 0 && !strings.ContainsAny(s[:i], "{[") {
		s = s[i+1:] // the language tag line
	}
	return strings.TrimSpace(s)
}

// canonical mirrors graph's matching key: the lower-cased surface for
// values whose punctuation matters, Normalize for names.
func canonical(name, typ string) string {
	switch typ {
	case graph.TypeEmail, graph.TypeURL, graph.TypePhone, graph.TypeHandle, graph.TypeHashtag,
		graph.TypeIdentifier, graph.TypeDate, graph.TypeTime, graph.TypeMoney, graph.TypeQuantity:
		return strings.Join(strings.Fields(strings.ToLower(name)), " ")
	}
	return graph.Normalize(name)
}

// parseDate reads YYYY-MM-DD, YYYY-MM, YYYY or RFC 3339 as UTC; zero when
// none fits or the year is out of range.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, time.DateOnly, dateOnlyShort, "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.Year(); y < minValidYear || y > maxValidYear {
				return time.Time{}
			}
			return t.UTC()
		}
	}
	return time.Time{}
}
