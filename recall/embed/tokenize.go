package embed

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// contractions maps the clitic after an apostrophe to the word it stands
// for; "'s" maps to "" (possessive, dropped).
var contractions = map[string]string{
	"s": "", "re": "are", "ll": "will", "ve": "have", "m": "am", "d": "would", "t": "not",
}

// irregularNot maps the stem of an irregular "n't" contraction.
var irregularNot = map[string]string{"won": "will", "can": "can", "shan": "shall", "ain": "is"}

// tokenize lowercases text and appends its word tokens to dst: maximal runs
// of letters and digits; an apostrophe inside a word splits off a clitic
// ("don't" → "do", "not"; "alice's" → "alice"); everything else separates.
func tokenize(dst []string, text string) []string {
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		start := i
		end := i
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if isWordRune(r) {
				end += size
				continue
			}
			if isApostrophe(r) && end+size < len(text) {
				if nr, _ := utf8.DecodeRuneInString(text[end+size:]); isWordRune(nr) {
					end += size
					continue
				}
			}
			break
		}
		dst = appendWord(dst, lower(text[start:end]))
		i = end
	}
	return dst
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

// lower lowercases ASCII without allocating when already lowercase.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

// appendWord splits a lowercased word with apostrophes into tokens.
func appendWord(dst []string, w string) []string {
	cut := strings.IndexAny(w, "'’ʼ")
	if cut < 0 {
		return append(dst, w)
	}
	stem := w[:cut]
	_, size := utf8.DecodeRuneInString(w[cut:])
	rest := w[cut+size:]
	if rest == "t" && strings.HasSuffix(stem, "n") {
		base := stem[:len(stem)-1]
		if irr, ok := irregularNot[stem]; ok {
			base = irr
		}
		if base != "" {
			dst = append(dst, base)
		}
		return append(dst, "not")
	}
	if stem != "" {
		dst = append(dst, stem)
	}
	if exp, ok := contractions[rest]; ok {
		if exp != "" {
			dst = append(dst, exp)
		}
		return dst
	}
	// o'brien, rock'n'roll: keep the parts.
	return appendWord(dst, rest)
}
