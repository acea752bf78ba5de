package graph

import (
	"regexp"
	"sort"
	"strings"
)

// arg is one possible relation argument: an entity mention or a pronoun
// standing for the speaker or for an earlier person.
type arg struct {
	start, end int
	canonical  string
	typ        string
	mention    int  // index into ms, -1 for pronouns
	possessive bool // "my", "his", "her" before a noun
}

type relExtractor struct {
	text     string
	toks     []token
	ms       []Mention
	speakers []turn
	speaker  string
	used     map[string]bool // speaker canonicals that appear in facts
	newlines []int           // offsets of '\n', filled by lineOf
}

// speakerAt is who "I" means at byte offset off: the speaker of the chat
// turn on the same line, else the default speaker.
func (x *relExtractor) speakerAt(off int) string {
	k := sort.Search(len(x.speakers), func(i int) bool { return x.speakers[i].start > off }) - 1
	if k >= 0 && x.lineOf(x.speakers[k].start) == x.lineOf(off) {
		return x.speakers[k].canonical
	}
	return x.speaker
}

// lineOf is the number of newlines before off.
func (x *relExtractor) lineOf(off int) int {
	if x.newlines == nil {
		x.newlines = []int{}
		for i := 0; i < len(x.text); i++ {
			if x.text[i] == '\n' {
				x.newlines = append(x.newlines, i)
			}
		}
	}
	return sort.SearchInts(x.newlines, off)
}

func (x *relExtractor) speakerSet() map[string]bool { return x.used }

// args merges mentions and pronouns in text order.
func (x *relExtractor) args() []arg {
	var as []arg
	for i, m := range x.ms {
		switch m.Type {
		case TypeTime, TypeMoney, TypeQuantity, TypePhone, TypeURL, TypeEmail:
			continue
		}
		as = append(as, arg{start: m.Start, end: m.End, canonical: m.Canonical, typ: m.Type, mention: i})
	}
	mi := 0
	lastPerson := arg{}
	for k, t := range x.toks {
		if !t.word {
			continue
		}
		for mi < len(x.ms) && x.ms[mi].End <= t.start {
			if x.ms[mi].Type == TypePerson {
				lastPerson = arg{canonical: x.ms[mi].Canonical, typ: TypePerson}
			}
			mi++
		}
		next := ""
		if k+1 < len(x.toks) {
			next = x.toks[k+1].lower
		}
		a := arg{start: t.start, end: t.end, mention: -1, typ: TypePerson}
		switch t.lower {
		case "i", "me", "myself":
			a.canonical = x.speakerAt(t.start)
		case "my":
			a.canonical, a.possessive = x.speakerAt(t.start), true
		case "he", "she", "him":
			a.canonical = lastPerson.canonical
		case "his":
			a.canonical, a.possessive = lastPerson.canonical, true
		case "her":
			if kinWords[next] == "" && !kinMods[next] {
				a.canonical = lastPerson.canonical
			} else {
				a.canonical, a.possessive = lastPerson.canonical, true
			}
		default:
			continue
		}
		if a.canonical != "" {
			as = append(as, a)
		}
	}
	sort.SliceStable(as, func(i, j int) bool { return as[i].start < as[j].start })
	return as
}

var appositive = regexp.MustCompile(`^,[^,]*<e>[^,]*, ?(.*)$`)

var kinMods = set(`older|younger|little|big|baby|twin|best|oldest|youngest|eldest|good|close|childhood|old|new|step|half|dear`)

// run finds relations between neighbouring arguments of each sentence.
func (x *relExtractor) run() []Fact {
	x.used = map[string]bool{}
	as := x.args()
	bounds := sentenceBounds(x.toks)
	var facts []Fact
	seen := map[string]int{}
	add := func(f Fact) {
		k := f.Source + "\x00" + f.Relation + "\x00" + f.Target
		if IsSymmetric(f.Relation) && f.Target < f.Source {
			k = f.Target + "\x00" + f.Relation + "\x00" + f.Source
		}
		if i, ok := seen[k]; ok {
			if f.Score > facts[i].Score {
				facts[i].Score = f.Score
			}
			return
		}
		seen[k] = len(facts)
		facts = append(facts, f)
	}
	subj := map[int]arg{} // arg index → subject of the clause it is the object of
	for i := range as {
		for j := i + 1; j < len(as) && j <= i+3; j++ {
			a, b := as[i], as[j]
			if sentenceOf(bounds, a.start) != sentenceOf(bounds, b.start) || a.canonical == b.canonical {
				continue
			}
			mid := x.middle(as, i, j)
			if j > i+1 {
				// Skip an apposition: "Bob, the CEO of Acme, lives in Rome".
				if m := appositive.FindStringSubmatch(mid); m != nil {
					mid = m[1]
				}
				if strings.Count(mid, "<e>") > 1 {
					continue
				}
			}
			if len(mid) > 80 {
				continue
			}
			if a.possessive {
				mid = strings.TrimSpace("'s " + mid)
			}
			if m := coordVerb.FindStringSubmatch(mid); m != nil && j == i+1 {
				// "Greg works at Shopify and lives in Ottawa": the subject
				// of the first clause carries over.
				if s, ok := subj[i]; ok {
					a, mid = s, m[1]
				}
			}
			tail := x.tail(b.end, bounds)
			f, ok := matchRelation(mid, tail, a, b)
			if !ok {
				continue
			}
			src, dst := a, b
			if f.reverse {
				src, dst = b, a
			}
			subj[j] = src
			x.record(f, a, b, add)
			// Coordinated objects and subjects: "friends with Clara and
			// Mei", "Astrid and I bought a Volvo".
			if !f.reverse {
				for k := j + 1; k < len(as) && x.joined(as[k-1], as[k], bounds); k++ {
					if g, ok := x.refit(f, src, as[k]); ok {
						x.record(g, src, as[k], add)
					}
				}
				if i > 0 && as[i-1].canonical != dst.canonical && x.joined(as[i-1], as[i], bounds) && strings.TrimSpace(x.text[as[i-1].end:as[i].start]) == "and" {
					if g, ok := x.refit(f, as[i-1], dst); ok {
						x.record(g, as[i-1], dst, add)
					}
				}
			}
		}
	}
	return facts
}

var coordVerb = regexp.MustCompile(`^(?:,\s*)?(?:and|but|, and|then|and then|and now|but now)\s+(.+)$`)

// joined reports whether two neighbouring arguments of one sentence are
// joined only by "and", "or" or a comma.
func (x *relExtractor) joined(p, q arg, bounds []int) bool {
	if q.start < p.end || sentenceOf(bounds, p.start) != sentenceOf(bounds, q.start) || p.mention < 0 && q.mention < 0 {
		return false
	}
	switch strings.TrimSpace(x.text[p.end:q.start]) {
	case "and", "or", ", and", ", or", "&":
		return true
	case ",":
		// "Austin, Texas" names one place, not two.
		return p.typ != TypeLocation || q.typ != TypeLocation
	}
	return false
}

// refit applies a found relation to another pair of arguments when their
// types allow it.
func (x *relExtractor) refit(f matched, src, dst arg) (matched, bool) {
	if src.canonical == dst.canonical || !typesFit(f.fact.Relation, src.typ, dst.typ) {
		return matched{}, false
	}
	g := f
	g.fact.Source, g.fact.Target = src.canonical, dst.canonical
	g.fact.Score = f.fact.Score - 0.1
	return g, true
}

func (x *relExtractor) record(f matched, a, b arg, add func(Fact)) {
	x.retype(f, a, b)
	for _, e := range []arg{a, b} {
		if e.mention < 0 {
			x.used[e.canonical] = true
		}
	}
	add(f.fact)
}

// middle is the lower-cased text between as[i] and as[j], arguments in
// between replaced by "<e>", trailing articles removed.
func (x *relExtractor) middle(as []arg, i, j int) string {
	var b strings.Builder
	pos := as[i].end
	for k := i + 1; k < j; k++ {
		if as[k].start < pos {
			continue
		}
		b.WriteString(x.text[pos:as[k].start])
		b.WriteString(" <e> ")
		pos = as[k].end
	}
	if as[j].start > pos {
		b.WriteString(x.text[pos:as[j].start])
	}
	m := strings.ToLower(strings.ReplaceAll(b.String(), "’", "'"))
	m = strings.Join(strings.Fields(m), " ")
	for {
		t := strings.TrimSuffix(m, " the")
		for _, a := range []string{" a", " an", " his", " her", " their", " my", " our", "\"", "“", " \""} {
			t = strings.TrimSuffix(t, a)
		}
		if t == "the" || t == "a" || t == "an" {
			t = ""
		}
		if t == m {
			break
		}
		m = t
	}
	m = strings.TrimSpace(strings.TrimLeft(m, "\"“ "))
	return m
}

// tail is the lower-cased rest of the sentence after end, at most 60 bytes.
func (x *relExtractor) tail(end int, bounds []int) string {
	stop := len(x.text)
	if k := sentenceOf(bounds, end); k+1 < len(bounds) {
		stop = bounds[k+1]
	}
	if stop-end > 60 {
		stop = end + 60
	}
	if stop < end {
		return ""
	}
	t := strings.ToLower(strings.ReplaceAll(x.text[end:stop], "’", "'"))
	return strings.Join(strings.Fields(t), " ")
}

// sentenceBounds returns the byte offsets where sentences start.
func sentenceBounds(toks []token) []int {
	b := []int{0}
	for _, t := range toks {
		if t.sentStart && t.start > 0 {
			b = append(b, t.start)
		}
	}
	return b
}

func sentenceOf(bounds []int, off int) int {
	return sort.Search(len(bounds), func(i int) bool { return bounds[i] > off }) - 1
}

// retype refines an entity's type from the relation it takes part in, when
// the name alone left it vague.
func (x *relExtractor) retype(f matched, a, b arg) {
	set := func(e arg, typ string) {
		if e.mention >= 0 && (x.ms[e.mention].Type == TypeConcept || x.ms[e.mention].Type == TypePerson && typ != TypePerson && x.ms[e.mention].Score <= 0.6) {
			x.ms[e.mention].Type = typ
		}
	}
	src, dst := a, b
	if f.reverse {
		src, dst = b, a
	}
	if personRelations[f.fact.Relation] {
		set(src, TypePerson)
	}
	if t := targetRetype[f.fact.Relation]; t != "" {
		set(dst, t)
	}
}

var personRelations = map[string]bool{RelWorksAt: true, RelLivesIn: true, RelMarriedTo: true,
	RelSisterOf: true, RelBrotherOf: true, RelParentOf: true, RelChildOf: true, RelFriendOf: true,
	RelStudiesAt: true, RelBornIn: true, RelBornOn: true}

var targetRetype = map[string]string{RelWorksAt: TypeOrganization, RelLivesIn: TypeLocation,
	RelBornIn: TypeLocation, RelStudiesAt: TypeOrganization, RelMarriedTo: TypePerson,
	RelSisterOf: TypePerson, RelBrotherOf: TypePerson, RelParentOf: TypePerson, RelChildOf: TypePerson,
	RelFriendOf: TypePerson, RelLocatedIn: TypeLocation, RelFounded: TypeOrganization, RelMemberOf: TypeOrganization}

// coOccurrences links the named entities of a text pairwise: weight 1 in
// the same sentence, 0.5 otherwise. At most the first 30 distinct names.
func coOccurrences(ms []Mention, bounds []int) []Fact {
	type ent struct {
		c    string
		sent map[int]bool
	}
	var ents []*ent
	idx := map[string]*ent{}
	for _, m := range ms {
		switch m.Type {
		case TypeDate, TypeTime, TypeMoney, TypeQuantity:
			continue
		}
		e := idx[m.Canonical]
		if e == nil {
			if len(ents) == 30 {
				continue
			}
			e = &ent{c: m.Canonical, sent: map[int]bool{}}
			idx[m.Canonical] = e
			ents = append(ents, e)
		}
		e.sent[sentenceOf(bounds, m.Start)] = true
	}
	var out []Fact
	for i := range ents {
		for j := i + 1; j < len(ents); j++ {
			a, b := ents[i].c, ents[j].c
			if b < a {
				a, b = b, a
			}
			w := 0.5
			for s := range ents[i].sent {
				if ents[j].sent[s] {
					w = 1
					break
				}
			}
			out = append(out, Fact{Source: a, Target: b, Relation: RelCoOccurs, Score: w})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Target < out[j].Target
	})
	return out
}

// filterTypes keeps the entities of the allowed types, and the relations
// whose ends are allowed entities or speakers.
func filterTypes(x Extraction, types []string, speakers map[string]bool) Extraction {
	if len(types) == 0 {
		return x
	}
	allow := map[string]bool{}
	for _, t := range types {
		allow[strings.ToLower(strings.TrimSpace(t))] = true
	}
	keep := map[string]bool{}
	ents := x.Entities[:0]
	for _, m := range x.Entities {
		if allow[m.Type] {
			ents = append(ents, m)
			keep[m.Canonical] = true
		}
	}
	var rels []Fact
	for _, f := range x.Relations {
		if (keep[f.Source] || speakers[f.Source]) && (keep[f.Target] || speakers[f.Target]) {
			rels = append(rels, f)
		}
	}
	return Extraction{Entities: ents, Relations: rels}
}
