package graph

// Entity types produced by Extract.
const (
	TypePerson       = "person"
	TypeOrganization = "organization"
	TypeLocation     = "location"
	TypeDate         = "date"
	TypeTime         = "time"
	TypeMoney        = "money"
	TypeQuantity     = "quantity"
	TypeEmail        = "email"
	TypeURL          = "url"
	TypePhone        = "phone"
	TypeProduct      = "product"
	TypeEvent        = "event"
	TypeConcept      = "concept"
	TypeHandle       = "handle"
	TypeHashtag      = "hashtag"
	TypeIdentifier   = "identifier"
	TypeTitle        = "title"
)

// Types lists every entity type Extract can produce.
var Types = []string{TypePerson, TypeOrganization, TypeLocation, TypeDate, TypeTime,
	TypeMoney, TypeQuantity, TypeEmail, TypeURL, TypePhone, TypeProduct, TypeEvent,
	TypeConcept, TypeHandle, TypeHashtag, TypeIdentifier, TypeTitle}

// Relation names produced by Extract.
const (
	RelWorksAt   = "works_at"
	RelLivesIn   = "lives_in"
	RelMemberOf  = "member_of"
	RelMarriedTo = "married_to"
	RelSisterOf  = "sister_of"
	RelBrotherOf = "brother_of"
	RelParentOf  = "parent_of"
	RelChildOf   = "child_of"
	RelFriendOf  = "friend_of"
	RelLikes     = "likes"
	RelDislikes  = "dislikes"
	RelOwns      = "owns"
	RelCreated   = "created"
	RelFounded   = "founded"
	RelWrote     = "wrote"
	RelLocatedIn = "located_in"
	RelBornOn    = "born_on"
	RelBornIn    = "born_in"
	RelStudiesAt = "studies_at"
	RelCoOccurs  = "co_occurs"
)

// SpeakerUser is the canonical name first-person statements are attributed
// to when no speaker is known.
const SpeakerUser = "user"

// IsExclusive reports whether a source holds at most one current target for
// the relation: a new target ends the old one's validity (see Apply).
func IsExclusive(relation string) bool {
	switch relation {
	case RelWorksAt, RelLivesIn, RelMarriedTo:
		return true
	}
	return false
}

// IsSymmetric reports whether the relation holds in both directions, so
// (a, rel, b) and (b, rel, a) are the same fact.
func IsSymmetric(relation string) bool {
	switch relation {
	case RelMarriedTo, RelFriendOf, RelCoOccurs:
		return true
	}
	return false
}

// ExtractOptions tunes Extract. The zero value extracts every type and
// attributes first-person statements to "user".
type ExtractOptions struct {
	// Types restricts the entity types returned; nil or empty means all.
	// Relations are still found between all entities, then kept only when
	// both ends are of an allowed type (or are the speaker).
	Types []string
	// Speaker is who "I", "me" and "my" refer to. Empty means a "Name:"
	// prefix of the line (chat turn) if any, else "user".
	Speaker string
}

// Extraction is the result of Extract.
type Extraction struct {
	Entities  []Mention `json:"entities"`
	Relations []Fact    `json:"relations"`
}

// Mention is one entity occurrence in the text.
type Mention struct {
	Name      string  `json:"name"`      // surface form, text[Start:End]
	Canonical string  `json:"canonical"` // Normalize(Name), the matching key
	Type      string  `json:"type"`
	Score     float64 `json:"score"` // confidence in [0,1]
	Start     int     `json:"start"` // byte offsets into the text
	End       int     `json:"end"`
}

// Fact is one relation found in the text, between canonical names: each
// end is the Canonical of one of the Entities, or the speaker's canonical
// name ("user", Normalize(ExtractOptions.Speaker) or a chat-turn name),
// which need not be among the Entities. Symmetric relations (IsSymmetric)
// appear once, in either direction; co_occurs facts have Source < Target
// and Score 1 (same sentence) or 0.5.
type Fact struct {
	Source    string  `json:"source"`
	Target    string  `json:"target"`
	Relation  string  `json:"relation"`
	Exclusive bool    `json:"exclusive"`
	Score     float64 `json:"score"`
}
