package graph

import (
	"regexp"
	"strings"
)

// span is a candidate entity: a byte range of the text and a type.
type span struct {
	start, end int
	typ        string
	score      float64
}

const months = `(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?`
const weekdays = `(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?`

// pattern is one fixed-form span rule; group selects the submatch that is
// the entity (0 = whole match).
type pattern struct {
	re    *regexp.Regexp
	typ   string
	group int
	score float64
	need  func(c *cues) bool // cheap precondition; nil = always run
}

// cues are cheap facts about a text that let most patterns be skipped.
type cues struct {
	lower                          string
	digit, at, hash, slash, quote  bool
	month, weekday, relative, word bool
}

func textCues(text string) *cues {
	c := &cues{lower: strings.ToLower(text)}
	c.digit = strings.ContainsAny(text, "0123456789")
	c.at = strings.IndexByte(text, '@') >= 0
	c.hash = strings.IndexByte(text, '#') >= 0
	c.slash = strings.IndexByte(text, '/') >= 0
	c.quote = strings.IndexByte(text, '"') >= 0 || strings.Contains(text, "“")
	for _, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.Contains(c.lower, m) {
			c.month = true
			break
		}
	}
	c.weekday = strings.Contains(c.lower, "day")
	for _, w := range []string{"yesterday", "today", "tomorrow", "tonight", "last ", "next ", "this ", "past ", "coming ", " ago", "other day", "earlier ", "later "} {
		if strings.Contains(c.lower, w) {
			c.relative = true
			break
		}
	}
	for _, w := range []string{"one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ", "nine ", "ten ", "eleven ", "twelve ", "fifteen ", "twenty ", "thirty ", "forty ", "fifty ", "dozen", "hundred", "thousand"} {
		if strings.Contains(c.lower, w) {
			c.word = true
			break
		}
	}
	return c
}

func hasTLD(c *cues) bool {
	for _, t := range []string{".co", ".org", ".net", ".io", ".dev", ".ai", ".app", ".edu", ".gov", ".me", ".so", ".xyz"} {
		if strings.Contains(c.lower, t) {
			return true
		}
	}
	return false
}

func needDigit(c *cues) bool      { return c.digit }
func needDigitMonth(c *cues) bool { return c.digit && c.month }

// patterns run in order; an earlier match wins over an overlapping later one.
var patterns = []pattern{
	{regexp.MustCompile(`"([^"\n]{1,80})"|“([^”\n]{1,80})”`), TypeTitle, -1, 0.8, func(c *cues) bool { return c.quote }},
	{regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`), TypeEmail, 0, 0.98, func(c *cues) bool { return c.at }},
	{regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"'()\[\]]+`), TypeURL, 0, 0.98, func(c *cues) bool { return strings.Contains(c.lower, "://") || strings.Contains(c.lower, "www.") }},
	{regexp.MustCompile(`(?i)\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|org|net|io|dev|ai|app|co|edu|gov|me|so|xyz)(?:/[^\s<>"'()]*)?\b`), TypeURL, 0, 0.9, hasTLD},
	{regexp.MustCompile(`\b[A-Z][A-Z0-9]{1,9}-\d{1,7}\b`), TypeIdentifier, 0, 0.95, func(c *cues) bool { return c.digit && strings.IndexByte(c.lower, '-') >= 0 }},
	{regexp.MustCompile(`(?:^|[^\w&])(#\d{3,})\b`), TypeIdentifier, 1, 0.85, func(c *cues) bool { return c.hash && c.digit }},
	{regexp.MustCompile(`(?:^|[^\w@.])(@[A-Za-z0-9_]{2,30})\b`), TypeHandle, 1, 0.95, func(c *cues) bool { return c.at }},
	{regexp.MustCompile(`(?:^|[^\w&#])(#[A-Za-z][A-Za-z0-9_\-]*)`), TypeHashtag, 1, 0.95, func(c *cues) bool { return c.hash }},
	{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?\b`), TypeDate, 0, 0.95, needDigit},
	{regexp.MustCompile(`\b\d{1,2}/\d{1,2}/\d{2,4}\b`), TypeDate, 0, 0.9, func(c *cues) bool { return c.slash && c.digit }},
	{regexp.MustCompile(`\b(?:` + weekdays + `,?\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?` + months + `(?:,?\s+\d{4})?\b`), TypeDate, 0, 0.95, needDigitMonth},
	{regexp.MustCompile(`\b(?:` + weekdays + `,?\s+)?` + months + `\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b`), TypeDate, 0, 0.95, needDigitMonth},
	{regexp.MustCompile(`\b` + months + `\s+\d{4}\b`), TypeDate, 0, 0.95, needDigitMonth},
	{regexp.MustCompile(`(?i)\b(?:(?:last|next|this|every)\s+)?(?:` + weekdays + `)(?:\s+(?:morning|afternoon|evening|night))?\b`), TypeDate, 0, 0.85, func(c *cues) bool { return c.weekday }},
	{regexp.MustCompile(`(?i)\b(?:last|next|this|early|late|mid)[\s-]+(?:January|February|March|April|May|June|July|August|September|October|November|December)\b`), TypeDate, 0, 0.85, func(c *cues) bool { return c.month }},
	{regexp.MustCompile(`\b(?:(?:in|since|until|by|of|from|before|after|during)[\s-]+)(` + `(?:January|February|March|April|May|June|July|August|September|October|November|December)` + `)\b`), TypeDate, 1, 0.85, func(c *cues) bool { return c.month }},
	{regexp.MustCompile(`\b(?:January|February|March|April|June|July|August|September|October|November|December)\b`), TypeDate, 0, 0.8, func(c *cues) bool { return c.month }},
	{regexp.MustCompile(`(?i)\b(?:yesterday|today|tomorrow|tonight|the day before yesterday|the day after tomorrow|(?:last|next|this|past|coming)\s+(?:night|week|weekend|month|year|summer|winter|spring|fall|autumn|morning|afternoon|evening|semester|quarter|christmas)|(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|couple of)\s+(?:days?|weeks?|months?|years?|decades?)\s+ago|the other day|earlier this (?:week|month|year)|later this (?:week|month|year))\b`), TypeDate, 0, 0.85, func(c *cues) bool { return c.relative || c.word }},
	{regexp.MustCompile(`(?i)\b(?:in|since|until|by|of|from|during|around|before|after|circa|back in|year)\s+((?:1[5-9]|20)\d{2}s?)\b`), TypeDate, 1, 0.85, needDigit},
	{regexp.MustCompile(`(?i)\bthe\s+((?:1[5-9]|20)\d0s)\b`), TypeDate, 1, 0.85, needDigit},
	{regexp.MustCompile(`(?i)\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?\b)?|\b\d{1,2}\s?[ap]\.?m\.?(?:\W|$)|\b(?:noon|midnight)\b`), TypeTime, 0, 0.9, func(c *cues) bool {
		return c.digit || strings.Contains(c.lower, "noon") || strings.Contains(c.lower, "midnight")
	}},
	{regexp.MustCompile(`(?i)(?:[$€£¥₹]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|billion|thousand|grand)\b)?|\b\d[\d,]*(?:\.\d+)?\s?(?:k\s+)?(?:million\s+|billion\s+|thousand\s+)?(?:dollars|euros|pounds|yen|rupees|usd|eur|gbp|chf|bucks|cents)\b)`), TypeMoney, 0, 0.95, needDigit},
	{regexp.MustCompile(`(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{2,4}\)[\s.\-]?|\b\d{3}[\s.\-])\d{3,4}[\s.\-]\d{3,4}\b`), TypePhone, 0, 0.9, needDigit},
	{regexp.MustCompile(`(?i)\bversion\s+(v?\d+(?:\.\d+)*(?:-[A-Za-z0-9.]+)?)\b`), TypeIdentifier, 1, 0.9, needDigit},
	{regexp.MustCompile(`(?i)\bv\d+(?:\.\d+){1,3}(?:-[A-Za-z0-9.]+)?\b|\b\d+\.\d+\.\d+(?:-[A-Za-z0-9.]+)?\b`), TypeIdentifier, 0, 0.9, needDigit},
	{regexp.MustCompile(`(?i)\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent|km|kilometers?|kilometres?|miles?|meters?|metres?|cm|mm|kg|kilograms?|grams?|lbs?|pounds|tons?|tonnes?|liters?|litres?|ml|gallons?|gb|mb|tb|kb|ghz|mhz|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|years?|people|users|employees|steps|calories|kcal|feet|ft|inches|degrees|°[cf]?|books|pages|cups?|servings?|reps|sets|laps|times|kids|children|cats|dogs|tickets|requests|square feet|square meters|square metres|sq ft|acres|hectares|floors|rooms|bedrooms|students|members|items|orders|downloads|stars|votes|words|lines)(?:\W|$)`), TypeQuantity, 0, 0.85, needDigit},
	{regexp.MustCompile(`(?i)\b(?:a dozen|dozens of|hundreds of|thousands of|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a hundred)\s+(?:km|kilometers?|kilometres?|miles?|meters?|metres?|kg|kilograms?|grams?|pounds|liters?|litres?|gallons?|hours?|minutes?|seconds?|days?|weeks?|months?|years?|decades?|people|employees|steps|books|pages|cups?|kids|children|cats|dogs|tickets|students|members|bedrooms|rooms|floors|times|eggs)\b`), TypeQuantity, 0, 0.8, func(c *cues) bool { return c.word }},
}

// findPatternSpans returns the fixed-form spans of text, non-overlapping,
// earlier patterns first.
func findPatternSpans(text string) []span {
	var out []span
	occ := make([]bool, len(text))
	taken := func(s, e int) bool {
		for i := s; i < e; i++ {
			if occ[i] {
				return true
			}
		}
		return false
	}
	c := textCues(text)
	for _, p := range patterns {
		if p.need != nil && !p.need(c) {
			continue
		}
		for _, m := range p.re.FindAllStringSubmatchIndex(text, -1) {
			s, e := m[0], m[1]
			switch {
			case p.group > 0:
				if m[2*p.group] < 0 {
					continue
				}
				s, e = m[2*p.group], m[2*p.group+1]
			case p.group < 0: // first matching group
				s = -1
				for g := 1; 2*g < len(m); g++ {
					if m[2*g] >= 0 {
						s, e = m[2*g], m[2*g+1]
						break
					}
				}
				if s < 0 || !isTitle(text[s:e]) {
					continue
				}
			}
			s, e = trimSpan(text, s, e, p.typ)
			if e <= s || taken(s, e) {
				continue
			}
			for i := s; i < e; i++ {
				occ[i] = true
			}
			out = append(out, span{s, e, p.typ, p.score})
		}
	}
	return out
}

// trimSpan drops trailing punctuation and spaces the patterns may take in.
func trimSpan(text string, s, e int, typ string) (int, int) {
	for e > s {
		c := text[e-1]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case typ != TypeTitle && strings.IndexByte(".,;:!?)]'\"", c) >= 0:
		default:
			return s, e
		}
		e--
	}
	return s, e
}

// isTitle reports whether a quoted string looks like a title rather than
// quoted speech: short, starts with an upper-case letter or digit, and does
// not end like a sentence.
func isTitle(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || len(strings.Fields(s)) > 8 {
		return false
	}
	c := s[0]
	if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
		return false
	}
	switch s[len(s)-1] {
	case '.', ',', '!', '?':
		return strings.HasSuffix(s, "!") && len(strings.Fields(s)) <= 3
	}
	return true
}
