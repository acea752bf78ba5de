package graph

import (
	"sort"
	"strings"
)

// Extract finds entities and relations in text with rules only: fixed-form
// patterns (emails, URLs, dates, money, ...), capitalized name spans typed by
// built-in gazetteers and context cues, and relation patterns between
// neighbouring entities of a sentence. It is deterministic, does no I/O and
// never panics; Start/End of every mention are valid byte offsets of text on
// rune boundaries.
func Extract(text string, opts ExtractOptions) Extraction {
	toks := tokenize(text)
	spans := findPatternSpans(text)
	names, speakers := findNameSpans(text, toks, spans)
	spans = append(spans, names...)
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })

	ms := make([]Mention, 0, len(spans))
	for _, s := range spans {
		name := text[s.start:s.end]
		c := canonicalFor(name, s.typ)
		if c == "" {
			continue
		}
		ms = append(ms, Mention{Name: name, Canonical: c, Type: s.typ, Score: s.score, Start: s.start, End: s.end})
	}
	x := &relExtractor{text: text, toks: toks, ms: ms, speakers: speakers, speaker: SpeakerUser}
	if opts.Speaker != "" {
		if c := Normalize(opts.Speaker); c != "" {
			x.speaker = c
		}
	}
	facts := x.run()
	facts = append(facts, coOccurrences(x.ms, sentenceBounds(toks))...)
	return filterTypes(Extraction{Entities: x.ms, Relations: facts}, opts.Types, x.speakerSet())
}

// canonicalFor is the matching key of a surface form: Normalize for names,
// the lower-cased surface (spaces collapsed) for values whose punctuation
// matters ("7:30 pm", "$2,399", "2024-05-07", "v1.2.3").
func canonicalFor(name, typ string) string {
	switch typ {
	case TypeEmail, TypeURL, TypePhone, TypeHandle, TypeHashtag, TypeIdentifier,
		TypeDate, TypeTime, TypeMoney, TypeQuantity:
		return strings.Join(strings.Fields(strings.ToLower(name)), " ")
	}
	return Normalize(name)
}

// findNameSpans returns capitalized name spans not covered by the pattern
// spans, typed, and the chat-turn speakers keyed by the byte offset where
// their turn starts.
func findNameSpans(text string, toks []token, taken []span) ([]span, []turn) {
	occ := make([]bool, len(text))
	for _, s := range taken {
		for i := s.start; i < s.end; i++ {
			occ[i] = true
		}
	}
	covered := func(t token) bool {
		for i := t.start; i < t.end; i++ {
			if occ[i] {
				return true
			}
		}
		return false
	}
	var out []span
	var turns []turn
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.word || !t.cap || t.text == "I" || covered(t) {
			continue
		}
		first := i
		honor := false
		if honorifics[t.lower] && i+1 < len(toks) {
			j := i + 1
			if toks[j].text == "." {
				j++
			}
			if j < len(toks) && toks[j].word && toks[j].cap && !covered(toks[j]) {
				honor, i = true, j
			}
		}
		if !honor && (t.sentStart && stopWords[t.lower] || nonNames[t.lower]) {
			continue
		}
		last := i
		for j := i + 1; j < len(toks); j++ {
			u := toks[j]
			if u.word && u.cap && u.text != "I" && !u.sentStart && !covered(u) && !nonNames[u.lower] {
				last = j
				continue
			}
			if j+1 < len(toks) && toks[j+1].word && toks[j+1].cap && !covered(toks[j+1]) && !toks[j+1].sentStart {
				if connectors[u.lower] && u.lower != "and" && (u.lower != "the" || toks[j-1].lower == "of") {
					continue
				}
				if u.text == "." && len(toks[j-1].text) == 1 { // middle initial
					continue
				}
			} else if u.lower == "of" && j+2 < len(toks) && toks[j+1].lower == "the" && toks[j+2].word && toks[j+2].cap && !covered(toks[j+2]) {
				continue // "Lord of the Rings"
			}
			break
		}
		s, e := toks[first].start, toks[last].end
		words := make([]token, 0, last-i+1)
		for _, w := range toks[i : last+1] {
			if w.word {
				words = append(words, w)
			}
		}
		typ, score := typeName(words, honor, contextBefore(toks, first), contextAfter(toks, last))
		if !honor && first > 0 && toks[first-1].lower == "the" && typ == TypePerson && score <= 0.6 {
			// People rarely take an article: "the Rolling Stones", "the Game Boy".
			typ, score = TypeConcept, 0.5
			if w := words[len(words)-1].lower; len(words) > 1 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
				typ, score = TypeOrganization, 0.6 // teams and bands
			}
		}
		if typ == TypeProduct && last+1 < len(toks) && toks[last+1].word && isDigits(toks[last+1].text) && !covered(toks[last+1]) {
			last++
			e = toks[last].end
		}
		if last+1 < len(toks) && toks[last+1].text == ":" && chatPrefixEnd(toks, last+1) {
			typ, score = TypePerson, 0.9
			turns = append(turns, turn{start: toks[last+1].end, canonical: Normalize(text[s:e])})
		} else if toks[first].sentStart && len(words) == 1 && score < 0.8 && !cuePersonAfter.MatchString(contextAfter(toks, last)) {
			// A lone capitalized word opening a sentence, known to no list:
			// more likely an ordinary word ("Email", "Ticket") than a name.
			i = last
			continue
		}
		out = append(out, span{s, e, typ, score})
		i = last
	}
	return out, turns
}

// turn is a chat turn: from byte offset start to the end of its line,
// first-person words refer to canonical.
type turn struct {
	start     int
	canonical string
}

// nonNames are capitalized tokens that never name anything on their own.
var nonNames = set(`utc|gmt|est|edt|pst|pdt|cet|cest|ist|api|apis|ci|cd|ui|ux|sdk|cli|pdf|faq|eta|tba|tbd|diy|gps|tv|pc|usb|ai|ml|llm|db|sql|os|qa|pr|kpi|okr|roi|ceo|cto|cfo|coo|vp|svp|evp|hr|i|asap|lol|omg|tbh|imo|idk|brb|btw|fyi|ok|okay|pm|am|etc|re|fwd|ps|nb`)

func isDigits(s string) bool {
	if s == "" || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// contextBefore returns up to three lower-case words before toks[i] in the
// same sentence, joined by spaces.
func contextBefore(toks []token, i int) string {
	var ws []string
	for j := i - 1; j >= 0 && len(ws) < 3 && !toks[j+1].sentStart; j-- {
		if toks[j].text == "\n" || toks[j].text == "." || toks[j].text == "!" || toks[j].text == "?" {
			break
		}
		if toks[j].word {
			ws = append(ws, toks[j].lower)
		}
	}
	for l, r := 0, len(ws)-1; l < r; l, r = l+1, r-1 {
		ws[l], ws[r] = ws[r], ws[l]
	}
	return strings.Join(ws, " ")
}

// contextAfter returns up to two lower-case tokens after toks[i].
func contextAfter(toks []token, i int) string {
	var ws []string
	for j := i + 1; j < len(toks) && len(ws) < 2; j++ {
		if toks[j].text == "\n" || toks[j].sentStart {
			break
		}
		ws = append(ws, toks[j].lower)
	}
	return strings.Join(ws, " ")
}
