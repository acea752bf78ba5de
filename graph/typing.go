package graph

import (
	"regexp"
	"strings"
)

// Context cues: the words before or after a name that suggest its type.
var (
	cueLocationBefore = regexp.MustCompile(`(?:^|\s)(?:in|from|near|visit|visited|visiting|visits|around|across|towards?|into|outside|moved to|move to|moving to|flew to|fly to|flying to|went to|go to|going to|trip to|travel to|traveled to|travelled to|drove to|drive to|back to|arrived in|landed in|headed to|heading to|vacation in|holiday in)$`)
	cueOrgBefore      = regexp.MustCompile(`(?:^|\s)(?:works? at|worked at|working at|works? for|worked for|working for|job at|joined|intern at|interning at|employed by|hired by|offer from|ceo of|cto of|founder of|founded|engineer at|manager at|director at|studies at|studied at|student at)$`)
	cuePersonBefore   = regexp.MustCompile(`(?:^|\s)(?:met|meet|meeting|with|called|call|told|tell|asked|ask|texted|text|emailed|email|thanked|thank|named|talked to|spoke to|spoke with|talk to|said to|wrote to|sent to|introduced to|married to|my (?:friend|sister|brother|mom|mother|dad|father|wife|husband|son|daughter|boss|colleague|coworker|cousin|aunt|uncle|partner|neighbor|neighbour|roommate|manager)|our (?:friend|neighbor|neighbour|manager)|friend|sister|brother|wife|husband|son|daughter|boss|cousin|colleague|coworker|mentor|hi|hey|dear|thanks|by)$`)
	cuePersonAfter    = regexp.MustCompile(`^(?:said|says|told|thinks|thought|asked|wants|wanted|'s (?:wife|husband|sister|brother|mom|dad|mother|father|son|daughter|birthday|friend)|is my|was my|and i|called|texted|emailed|feels|felt|loves|likes|hates|works|lives|moved|married|is married|was born|studies|has a|bought|wrote|founded|mentioned|recommended|suggested|smiled|laughed|went|is a|was a|is an)`)
	cueProductBefore  = regexp.MustCompile(`(?:^|\s)(?:using|use|uses|used|bought|buy|buying|installed|install|my new|a new|upgraded to|switched to|play|playing|played|drive|drives|driving|ordered|with the|on my|on the)$`)
)

// typeName types a capitalized span from its words and the words around it.
func typeName(words []token, honorific bool, before, after string) (string, float64) {
	if len(words) == 0 {
		return TypeConcept, 0.3
	}
	lw := make([]string, len(words))
	for i, w := range words {
		lw[i] = strings.TrimRight(w.lower, ".")
	}
	full := strings.Join(lw, " ")
	firstW, lastW := lw[0], lw[len(lw)-1]
	switch {
	case honorific:
		return TypePerson, 0.9
	case knownOrgs[full]:
		return TypeOrganization, 0.9
	case len(lw) > 1 && orgSuffixes[lastW], len(lw) > 2 && orgPrefixes[firstW] && lw[1] == "of":
		return TypeOrganization, 0.85
	case eventWords[full], len(lw) > 1 && eventWords[lastW]:
		return TypeEvent, 0.8
	case len(lw) == 2 && firstNames[firstW] && !locations[full] && !knownOrgs[firstW]:
		return TypePerson, 0.8
	case locations[full]:
		if len(lw) == 1 && firstNames[full] && cuePersonAfter.MatchString(after) {
			return TypePerson, 0.7
		}
		return TypeLocation, 0.9
	case len(lw) > 1 && (locationSuffixes[lastW] || firstW == "mount" || firstW == "lake" || firstW == "st" && len(lw) > 1 && locations[strings.Join(lw[1:], " ")]):
		return TypeLocation, 0.8
	case len(lw) > 1 && knownOrgs[firstW]:
		return TypeProduct, 0.7 // brand and model: "Ford Mustang", "Microsoft Teams"
	case products[full], len(lw) > 1 && products[firstW] && !firstNames[firstW], len(lw) > 1 && products[strings.Join(lw[:2], " ")]:
		return TypeProduct, 0.85
	case (firstNames[firstW] || nicknames[firstW] != "") && len(lw) <= 3:
		return TypePerson, 0.85
	case cueOrgBefore.MatchString(before):
		return TypeOrganization, 0.65
	case cueLocationBefore.MatchString(before):
		return TypeLocation, 0.6
	case cuePersonBefore.MatchString(before), cuePersonAfter.MatchString(after):
		return TypePerson, 0.6
	case cueProductBefore.MatchString(before):
		return TypeProduct, 0.55
	case len(lw) == 1 && isAcronym(words[0].text):
		return TypeOrganization, 0.55
	case len(lw) >= 2 && len(lw) <= 3 && allAlpha(lw):
		return TypePerson, 0.5
	}
	return TypeConcept, 0.5
}

func isAcronym(s string) bool {
	if len(s) < 2 || len(s) > 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func allAlpha(ws []string) bool {
	for _, w := range ws {
		for _, r := range w {
			if !(r >= 'a' && r <= 'z' || r == '\'' || r == '-' || r > 127) {
				return false
			}
		}
	}
	return true
}
