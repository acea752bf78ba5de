package graph

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is a word or a punctuation mark of the text.
type token struct {
	start, end int
	text       string // text[start:end]
	lower      string
	word       bool // letters/digits (with inner ' - .)
	cap        bool // starts upper case, or mixed case like "iPhone"
	sentStart  bool // first word of a sentence or of a chat turn
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// tokenize splits text into tokens. A word keeps inner apostrophes and
// hyphens ("O'Neil", "co-founded"); a possessive "'s" becomes its own token.
func tokenize(text string) []token {
	var toks []token
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			if r == '\n' {
				toks = append(toks, token{start: i, end: i + n, text: "\n"})
			}
			i += n
		case isWordRune(r):
			j := i + n
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if isWordRune(r2) {
					j += n2
					continue
				}
				if r2 == '\'' || r2 == '’' || r2 == '-' {
					r3, _ := utf8.DecodeRuneInString(text[j+n2:])
					if j+n2 < len(text) && isWordRune(r3) {
						j += n2
						continue
					}
				}
				break
			}
			toks = appendWord(toks, text, i, j)
			i = j
		default:
			toks = append(toks, token{start: i, end: i + n, text: text[i : i+n], lower: text[i : i+n]})
			i += n
		}
	}
	markSentences(toks)
	return toks
}

// appendWord appends the word text[s:e], splitting off "'s", "'m", "'re",
// "'ve", "'ll", "'d" and "n't"-less clitics so names stay clean.
func appendWord(toks []token, text string, s, e int) []token {
	w := text[s:e]
	for _, suf := range []string{"'s", "’s", "'m", "’m", "'re", "’re", "'ve", "’ve", "'ll", "’ll", "'d", "’d"} {
		if len(w) > len(suf) && strings.HasSuffix(strings.ToLower(w), suf) {
			cut := e - len(suf)
			toks = append(toks, newWord(text, s, cut))
			return append(toks, token{start: cut, end: e, text: text[cut:e], lower: "'" + strings.TrimLeft(strings.ToLower(suf), "'’")})
		}
	}
	return append(toks, newWord(text, s, e))
}

func newWord(text string, s, e int) token {
	w := text[s:e]
	t := token{start: s, end: e, text: w, lower: strings.ToLower(w), word: true}
	r, _ := utf8.DecodeRuneInString(w)
	if unicode.IsUpper(r) {
		t.cap = true
	} else if unicode.IsLower(r) {
		for _, r2 := range w[1:] {
			if unicode.IsUpper(r2) {
				t.cap = true // "iPhone", "eBay"
				break
			}
		}
	}
	return t
}

// abbreviations do not end a sentence when followed by a period.
var abbreviations = set(`mr|mrs|ms|dr|prof|st|jr|sr|inc|co|corp|ltd|vs|etc|mt|ave|no|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|e.g|i.e|u.s|approx|dept|gen|col|lt|sgt|capt|rev|gov|sen|rep`)

// markSentences sets sentStart on the first word after a sentence end, a
// newline, or a chat-turn prefix "Name:".
func markSentences(toks []token) {
	start := true
	for i := range toks {
		t := &toks[i]
		if t.word {
			t.sentStart = start
			start = false
			continue
		}
		switch t.text {
		case "\n":
			start = true
		case "!", "?":
			start = true
		case ".":
			start = i == 0 || !toks[i-1].word || !abbreviations[toks[i-1].lower] && len([]rune(toks[i-1].text)) != 1
		case ":":
			if chatPrefixEnd(toks, i) {
				start = true
			}
		case "\"", "“", "(", "'", "‘", "-", "–", "—", "*":
			// keep the current state: a quote at a sentence start
		}
	}
}

// chatPrefixEnd reports whether the colon at toks[i] ends a "Name:" turn
// prefix at the start of a line (one to three capitalized words).
func chatPrefixEnd(toks []token, i int) bool {
	n := 0
	for j := i - 1; j >= 0; j-- {
		t := toks[j]
		if t.text == "\n" || t.text == "." || t.text == "!" || t.text == "?" {
			break
		}
		if !t.word || !t.cap || n == 3 {
			return false
		}
		n++
	}
	return n > 0
}
