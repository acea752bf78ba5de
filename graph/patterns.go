package graph

import (
	"regexp"
	"strings"
)

// adv are the auxiliaries and adverbs allowed before a relation verb.
const adv = `(?:(?:now|still|currently|also|just|recently|actually|really|finally|then|already|eventually|both|has|have|had|is|was|are|am|were|'s|'m|'re|'ve|will|would|started|starts|began|begins|been|got|gets|officially|happily|later|soon|who|which|that|,)\s+)*`

const kinRe = `(sister|sis|brother|bro|mother|mom|mum|father|dad|parent|mommy|daddy|son|daughter|child|kid|friend|buddy|pal|bestie|husband|wife|spouse)s?`
const kinModRe = `(?:(?:older|younger|little|big|baby|twin|best|oldest|youngest|eldest|good|close|childhood|old|new|step|half|dear|lovely)[\s-]+)*`

// relRule is one pattern over the text between two arguments (and, for
// some, the text after the second).
type relRule struct {
	mid     *regexp.Regexp
	tail    *regexp.Regexp // nil: not checked
	rel     string         // "kin": from the captured kin word; "born": from the target type
	reverse bool           // the second argument is the source
}

func rule(mid, rel string) relRule {
	return relRule{mid: regexp.MustCompile(`^` + mid + `$`), rel: rel}
}
func rev(mid, rel string) relRule {
	r := rule(mid, rel)
	r.reverse = true
	return r
}

var relRules = []relRule{
	// family and friends
	{mid: regexp.MustCompile(`^(?:is|was|'s|'m|am|are|were)(?: also)?$`), tail: regexp.MustCompile(`^'s? ` + kinModRe + kinRe + `\b`), rel: "kin"},
	rule(`(?:is|was|'s|'m|am)(?: also)? (?:the|a|an|one of the) `+kinModRe+kinRe+` (?:of|to)`, "kin"),
	rev(`'s? `+kinModRe+kinRe+`,?(?: is| was| named| called)?`, "kin"),
	rule(adv+`(?:became |become |are |were |'re |is |'m |am |was )?(?:good |best |close |old )?friends with`, RelFriendOf),
	{mid: regexp.MustCompile(`^and$`), tail: regexp.MustCompile(`^(?:are|were|got|have been|'ve been) (?:\w+ )?(married|friends|best friends)\b`), rel: "pair"},
	rule(adv+`(?:(?:is|was|'s|'m|am|are|were|got|get|getting|been)\s+)*(?:happily )?married (?:to|with)`, RelMarriedTo),
	rule(adv+`(?:married|marries|marry|wed|weds)`, RelMarriedTo),
	// work and study
	rule(adv+`(?:work|works|worked|working|employed|interning|interned|intern|interns|teach|teaches|taught|teaching|lectures|lectured)\b(?:\s+[\w'-]+){0,5}?\s+(?:at|for)`, RelWorksAt),
	rule(adv+`(?:got|took|landed|accepted|started|starts|start|found|has|have|had|began|begins|'s starting|is starting|'m starting|am starting)\s+(?:a |an |her |his |my |their |the )?(?:new |full-time |part-time |summer |dream )?(?:job|position|role|offer|internship|gig)\s+(?:\w+\s+)?(?:at|with|from)`, RelWorksAt),
	rule(adv+`(?:was |were |got |is |just )?hired (?:by|at)`, RelWorksAt),
	rule(`(?:(?:is|was|'s|'m|am|are|became|becomes)\s+)?(?:now )?(?:the|a|an|our|their) (?:co-?founder|founder) (?:of|at)`, RelFounded),
	rule(`,? ?(?:the )?(?:co-?founder|founder) (?:of|at)`, RelFounded),
	rule(`(?:(?:is|was|'s|'m|am|are)\s+)?(?:now )?(?:a |an )?(?:[\w-]+ )?(?:student|freshman|sophomore|junior|undergrad|undergraduate|grad student|phd student|phd candidate|postdoc|alumna|alumnus)\s+(?:at|of)`, RelStudiesAt),
	rule(`(?:(?:now|still|currently|also)\s+)*(?:is|was|'s|'m|am|are|were|became|becomes)\s+(?:now\s+)?(?:a|an|the|our|their)\s+(?:[\w'-]+\s+){0,3}?(?:at|for)`, RelWorksAt),
	rule(`(?:(?:now|still|currently|also)\s+)*(?:is|was|'s|'m|am|are|became)\s+(?:the |a |an )?(?:[\w-]+ )?(?:ceo|cto|cfo|coo|president|director|head|manager|vp|chair|chairman|chairwoman|lead|owner|principal|dean|professor|engineer|employee|partner)(?: \w+)? (?:of|at)`, RelWorksAt),
	rule(`, (?:the |a |an |our )?(?:[\w'-]+ ){0,3}?(?:at|for|of)`, RelWorksAt),
	rule(adv+`(?:stud(?:y|ies|ied|ying)|enrolled|majoring|majored|majors|taking classes)\s+(?:[\w'-]+\s+){0,4}?(?:at|in)`, RelStudiesAt),
	rule(adv+`(?:attend|attends|attended|attending|graduated from|graduates from|graduating from|goes to|went to|go to|going to)`, "attends"),
	rule(adv+`(?:(?:is|was|'s|'m|am|are|became|become)\s+)?(?:a |an |the )?(?:active |founding |board |proud |new |longtime |long-time )?member of`, RelMemberOf),
	rule(adv+`(?:joined|joins|join|joining)`, "joined"),
	rule(adv+`(?:plays for|plays in|played for|played in|sings in|sang in|belongs to|volunteers (?:at|for|with)|volunteered (?:at|for|with))`, RelMemberOf),
	// places
	rule(adv+`(?:live|lives|lived|living|reside|resides|resided|residing|settled|settling|based)\s+(?:[\w'-]+\s+){0,3}?in`, RelLivesIn),
	rule(adv+`(?:move|moves|moved|moving|relocate|relocated|relocating|relocates)\s+(?:back |here |over |away )?(?:from <e> )?(?:all the way )?to`, RelLivesIn),
	rule(`(?:(?:is|was|'s|'m|am)\s+)?(?:a |an )?resident of`, RelLivesIn),
	rule(`(?:,\s*)?(?:(?:is|are|was|were)\s+)?(?:located|based|headquartered|situated|found|hq'd)\s+in`, RelLocatedIn),
	rule(`(?:, ?)?(?:(?:is|was)\s+)?(?:a|an|the) (?:[\w-]+ ){0,2}?(?:city|town|village|capital|state|country|region|province|island|neighborhood|neighbourhood|district|suburb|company|startup|museum|restaurant|cafe|bar|university|school|hospital|park|beach|lake|river|mountain|firm|bakery|hotel|airport)(?: located| based)? (?:in|of)`, RelLocatedIn),
	rule(`,`, RelLocatedIn),
	rule(`(?:is|are|was) in`, RelLocatedIn),
	rule(`in`, RelLocatedIn+"!org"),
	rule(adv+`(?:,\s*)?(?:was |were |'m |am |is )?born (?:on <e> |in <e> )?(?:on|in|at)`, "born"),
	rule(`(?:(?:is|was|'s|'m|am)\s+)?(?:a |an )?native of`, RelBornIn),
	// making and having
	rule(`(?:was|were|is|had been|has been) (?:co-?founded|founded|started|established|launched)(?: in <e>)? by`, RelFounded+"<"),
	rule(adv+`(?:co-?founded|founded|founds|found|launched|established|set up|starts|started|start)`, RelFounded),
	rule(`(?:was|were|is|had been|has been) (?:written|authored|penned|composed) by`, RelWrote+"<"),
	rule(`(?:was|were|is|had been|has been) (?:created|built|designed|developed|invented|made|directed|painted|recorded|produced) by`, RelCreated+"<"),
	rule(adv+`(?:wrote|writes|write|authored|authors|penned|pens|composed|composes)`, RelWrote),
	rule(adv+`(?:created|creates|create|built|builds|build|designed|designs|developed|develops|invented|invents|made|makes|directed|directs|painted|paints|produced|produces|programmed|coded)`, RelCreated),
	rule(adv+`(?:(?:really|absolutely|totally|truly|genuinely|so|strongly|honestly|also|both)\s+)*(?:dislike|dislikes|disliked|hate|hates|hated|detest|detests|despise|despises|can't stand|cannot stand|can't bear|doesn't like|don't like|didn't like|does not like|do not like|did not like|isn't a fan of|is not a fan of|'m not a fan of|am not a fan of|not a fan of|not into)`, RelDislikes),
	rule(adv+`(?:(?:really|absolutely|totally|truly|genuinely|so|also|both)\s+)*(?:like|likes|liked|love|loves|loved|enjoy|enjoys|enjoyed|adore|adores|adored|prefer|prefers)`, RelLikes),
	rule(`'s? (?:all-time |absolute |current )?(?:favorite|favourite)(?: [\w-]+){0,2} (?:is|was|are|has to be)`, RelLikes),
	rule(adv+`(?:(?:is|'s|'m|am|are|was|'re|were)\s+)(?:a |an )?(?:big |huge |massive |long-time |longtime |die-hard |lifelong )?(?:fan|lover) of`, RelLikes),
	rule(adv+`(?:(?:is|'s|'m|am|are|was|'re|were)\s+)(?:really |so )?(?:obsessed with|into|crazy about|passionate about|in love with)`, RelLikes),
	rule(adv+`(?:own|owns|owned|bought|buy|buys|purchased|purchase|got|drives|drive|drove|has|have|ordered|received|picked up|'ve got)(?:\s+(?:a|an|the|two|three|his|her|my|their|our|new|used|brand|first|second|old|vintage|red|blue|black|white|silver|grey|gray|shiny|secondhand|second-hand))*`, RelOwns),
}

// matched is a relation found between two arguments.
type matched struct {
	fact    Fact
	reverse bool
}

var valueTypes = map[string]bool{TypeDate: true, TypeTime: true, TypeMoney: true, TypeQuantity: true,
	TypePhone: true, TypeEmail: true, TypeURL: true, TypeIdentifier: true, TypeHashtag: true}

// matchRelation tests the rules on the text between a and b.
func matchRelation(mid, tail string, a, b arg) (matched, bool) {
	for _, r := range relRules {
		sm := r.mid.FindStringSubmatch(mid)
		if sm == nil {
			continue
		}
		rel, reverse := r.rel, r.reverse
		if r.tail != nil {
			tm := r.tail.FindStringSubmatch(tail)
			if tm == nil {
				continue
			}
			sm = tm
		}
		if strings.HasSuffix(rel, "<") {
			rel, reverse = strings.TrimSuffix(rel, "<"), true
		}
		if strings.HasSuffix(rel, "!org") {
			// "Acme in Paris": only an organization is placed this way.
			if a.typ != TypeOrganization {
				continue
			}
			rel = strings.TrimSuffix(rel, "!org")
		}
		if r.tail == nil && strings.HasPrefix(tail, "'s ") && objectRelations[rel] {
			continue // "loves Frida Kahlo's paintings": the object is the paintings
		}
		switch rel {
		case "kin":
			rel = kinWords[sm[len(sm)-1]]
		case "pair":
			rel = RelFriendOf
			if sm[1] == "married" {
				rel = RelMarriedTo
			}
		case "attends":
			// "goes to Oakwood Elementary", not "went to a support group".
			if !isSchool(b.canonical) {
				continue
			}
			rel = RelStudiesAt
		case "joined":
			// "joined Acme" is a job, "joined the chess club" a membership.
			rel = RelMemberOf
			if b.typ == TypeOrganization && !isClub(b.canonical) {
				rel = RelWorksAt
			}
		case "born":
			rel = RelBornIn
			if b.typ == TypeDate {
				rel = RelBornOn
			}
		}
		src, dst := a, b
		if reverse {
			src, dst = b, a
		}
		rel = adjust(rel, src, dst)
		if rel == "" || !typesFit(rel, src.typ, dst.typ) {
			continue
		}
		score := 0.7
		if src.mention < 0 || dst.mention < 0 {
			score = 0.6
		}
		return matched{fact: Fact{Source: src.canonical, Target: dst.canonical, Relation: rel,
			Exclusive: IsExclusive(rel), Score: score}, reverse: reverse}, true
	}
	return matched{}, false
}

var objectRelations = map[string]bool{RelLikes: true, RelDislikes: true, RelOwns: true, RelCreated: true, RelWrote: true}

// clubWords mark an organization one is a member of rather than works at.
var clubWords = set(`club|association|society|team|band|choir|league|union|party|council|committee|church|group|guild|orchestra|federation|network|community|circle|chapter|fc|afc|army|navy|corps`)

// adjust changes a relation by the types of its ends: a person "based in"
// a place lives there; a place "at"/"of" a place is located in it.
func adjust(rel string, src, dst arg) string {
	switch rel {
	case RelLocatedIn:
		if src.typ == TypePerson {
			return ""
		}
	case RelWorksAt:
		if src.typ == TypeLocation || src.typ == TypeOrganization {
			if dst.typ == TypeLocation {
				return RelLocatedIn
			}
			return ""
		}
	case RelLivesIn:
		if src.typ == TypeOrganization {
			return RelLocatedIn
		}
	case RelStudiesAt:
		if dst.typ == TypeLocation || dst.typ == TypePerson {
			return ""
		}

	}
	return rel
}

// typesFit reports whether a relation may hold between entities of the
// given types.
func typesFit(rel, src, dst string) bool {
	if valueTypes[src] || (valueTypes[dst] && rel != RelBornOn) {
		return false
	}
	personish := src == TypePerson || src == TypeConcept || src == TypeHandle
	switch rel {
	case RelWorksAt, RelStudiesAt:
		return personish && (dst == TypeOrganization || dst == TypeConcept || dst == TypeProduct)
	case RelLivesIn, RelBornIn:
		return personish && (dst == TypeLocation || dst == TypeConcept)
	case RelBornOn:
		return personish && dst == TypeDate
	case RelMarriedTo, RelSisterOf, RelBrotherOf, RelParentOf, RelChildOf, RelFriendOf:
		return personish && (dst == TypePerson || dst == TypeConcept || dst == TypeHandle)
	case RelMemberOf:
		return (personish || src == TypeOrganization) && (dst == TypeOrganization || dst == TypeConcept || dst == TypeEvent)
	case RelLocatedIn:
		return src != TypePerson && src != TypeHandle && (dst == TypeLocation || dst == TypeConcept)
	case RelOwns:
		return (personish || src == TypeOrganization) && (dst == TypeProduct || dst == TypeConcept || dst == TypeOrganization)
	case RelFounded:
		return personish && (dst == TypeOrganization || dst == TypeConcept || dst == TypeProduct || dst == TypeEvent)
	case RelCreated, RelWrote:
		return (personish || src == TypeOrganization) && dst != TypePerson && dst != TypeLocation
	case RelLikes, RelDislikes:
		return personish
	}
	return true
}

func isClub(name string) bool {
	for _, w := range strings.Fields(name) {
		if clubWords[w] {
			return true
		}
	}
	return false
}

var schoolWords = set(`university|college|school|academy|institute|elementary|kindergarten|polytechnic|conservatory|seminary|harvard|stanford|mit|yale|princeton|oxford|cambridge|berkeley|ucla|caltech|columbia|cornell|nyu|eth|epfl|sorbonne`)

// isSchool reports whether a normalized name looks like a place of study.
func isSchool(name string) bool {
	for _, w := range strings.Fields(name) {
		if schoolWords[w] {
			return true
		}
	}
	return false
}
