package auth

import (
	"slices"
	"strings"
)

// MaxGrants is the most namespace grants one key may carry.
const MaxGrants = 100

// maxNameLen bounds a namespace name (and a grant prefix).
const maxNameLen = 128

// validNamespaceName reports whether s looks like a namespace name a grant
// may name: [a-zA-Z0-9_][a-zA-Z0-9_-]{0,127}. Grants may name reserved
// names such as "_agent_bob": whether such a namespace exists is not the
// key's business.
func validNamespaceName(s string) bool {
	if len(s) == 0 || len(s) > maxNameLen || s[0] == '-' {
		return false
	}
	return validNameChars(s)
}

func validNameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ValidateGrant reports whether g is a valid grant: a namespace name, or a
// non-empty name prefix followed by a single trailing "*". "*" alone is not
// a grant (a nil list means every namespace).
func ValidateGrant(g string) error {
	if prefix, ok := strings.CutSuffix(g, "*"); ok {
		if !validNamespaceName(prefix) || len(prefix) >= maxNameLen {
			return invalid("namespaces", "bad pattern: want a name prefix followed by one *")
		}
		return nil
	}
	if !validNamespaceName(g) {
		return invalid("namespaces", "bad namespace name")
	}
	return nil
}

// normalizeGrants validates grants and returns a sorted, deduplicated copy.
// nil stays nil (every namespace of the organization).
func normalizeGrants(grants []string) ([]string, error) {
	if grants == nil {
		return nil, nil
	}
	if len(grants) > MaxGrants {
		return nil, invalid("namespaces", "%d grants, at most %d", len(grants), MaxGrants)
	}
	out := make([]string, 0, len(grants))
	for _, g := range grants {
		if err := ValidateGrant(g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// MatchGrant reports whether grant g admits namespace name ns. A pattern
// "team-*" matches names that start with "team-" and are longer than it
// ("team-a" but not "team-"); any other grant matches only itself.
// Malformed grants match nothing.
func MatchGrant(g, ns string) bool {
	if ns == "" {
		return false
	}
	if prefix, ok := strings.CutSuffix(g, "*"); ok {
		return prefix != "" && len(ns) > len(prefix) && strings.HasPrefix(ns, prefix) &&
			!strings.Contains(prefix, "*")
	}
	return g == ns
}

// Allows reports whether k may touch the namespace named ns. A key with no
// grant list may touch every namespace of its organization (the caller
// checks the organization); otherwise some grant must match.
func (k *Key) Allows(ns string) bool {
	if k == nil || ns == "" {
		return false
	}
	if k.Namespaces == nil {
		return true
	}
	for _, g := range k.Namespaces {
		if MatchGrant(g, ns) {
			return true
		}
	}
	return false
}

// SingleNamespace returns the one namespace k's grants name exactly, if its
// grant list is exactly one plain name (no pattern).
func (k *Key) SingleNamespace() (string, bool) {
	if k == nil || len(k.Namespaces) != 1 || strings.HasSuffix(k.Namespaces[0], "*") {
		return "", false
	}
	return k.Namespaces[0], true
}
