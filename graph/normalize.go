package graph

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold maps common accented Latin letters to their base letter.
var fold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'æ': "ae",
	'ç': "c", 'č': "c", 'ć': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'ñ': "n", 'ń': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'œ': "oe",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ý': "y", 'ÿ': "y",
	'š': "s", 'ś': "s", 'ş': "s", 'ž': "z", 'ź': "z", 'ż': "z", 'ł': "l", 'ß': "ss", 'đ': "d", 'ř': "r", 'ğ': "g",
}

// Normalize turns a surface form into the key entities are matched on: lower
// case, accents folded, a trailing possessive ('s) and leading honorifics
// (Mr, Dr, ...) and a leading "the" removed, punctuation turned into spaces
// (except '&', '+' and '#' inside a word) and whitespace collapsed.
// "Dr. Alice  O'Neil's" → "alice o neil". Invalid UTF-8 bytes are dropped.
func Normalize(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	s := strings.TrimSpace(name)
	for _, suf := range []string{"'s", "’s", "'S", "’S"} {
		if len(s) > len(suf) && strings.HasSuffix(s, suf) {
			s = s[:len(s)-len(suf)]
			break
		}
	}
	space := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n <= 1 {
			continue
		}
		r = unicode.ToLower(r)
		switch {
		case fold[r] != "":
			b.WriteString(fold[r])
			space = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
			space = false
		case (r == '&' || r == '+' || r == '#') && !space:
			b.WriteRune(r)
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	words := strings.Fields(b.String())
	for len(words) > 1 && (honorifics[words[0]] || words[0] == "the") {
		words = words[1:]
	}
	return strings.Join(words, " ")
}
