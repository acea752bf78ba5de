package auth

import (
	"fmt"
	"strings"
	"testing"
)

func TestMatchGrant(t *testing.T) {
	tests := []struct {
		grant, ns string
		want      bool
	}{
		{"team-*", "team-a", true},
		{"team-*", "team-", false},
		{"team-*", "team", false},
		{"team-*", "teamx", false},
		{"team-*", "team-a-b", true},
		{"team-a", "team-a", true},
		{"team-a", "team-ab", false},
		{"*", "x", false},
		{"a**", "a*b", false},
		{"a*", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("grant=%s/ns=%s", tt.grant, tt.ns), func(t *testing.T) {
			if got := MatchGrant(tt.grant, tt.ns); got != tt.want {
				t.Fatalf("MatchGrant(%q, %q) = %v, want %v", tt.grant, tt.ns, got, tt.want)
			}
		})
	}
}

func TestAllows(t *testing.T) {
	all := &Key{Scope: ScopeRead}
	some := &Key{Scope: ScopeRead, Namespaces: []string{"prod", "team-*"}}
	none := &Key{Scope: ScopeRead, Namespaces: []string{}}
	tests := []struct {
		name string
		k    *Key
		ns   string
		want bool
	}{
		{"nil-grants", all, "anything", true},
		{"nil-grants-empty-ns", all, "", false},
		{"exact", some, "prod", true},
		{"pattern", some, "team-x", true},
		{"pattern-bare", some, "team-", false},
		{"other", some, "staging", false},
		{"empty-list", none, "prod", false},
		{"nil-key", nil, "prod", false},
	}
	for _, tt := range tests {
		t.Run("case="+tt.name, func(t *testing.T) {
			if got := tt.k.Allows(tt.ns); got != tt.want {
				t.Fatalf("Allows(%q) = %v, want %v", tt.ns, got, tt.want)
			}
		})
	}
}

func TestNormalizeGrants(t *testing.T) {
	tooMany := make([]string, MaxGrants+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("ns%d", i)
	}
	tests := []struct {
		name string
		in   []string
		ok   bool
	}{
		{"nil", nil, true},
		{"names", []string{"a", "b-c", "_agent_bob"}, true},
		{"pattern", []string{"team-*"}, true},
		{"star-only", []string{"*"}, false},
		{"star-middle", []string{"te*am"}, false},
		{"two-stars", []string{"team**"}, false},
		{"space", []string{"a b"}, false},
		{"leading-dash", []string{"-a"}, false},
		{"too-long", []string{strings.Repeat("a", 129)}, false},
		{"max", tooMany[:MaxGrants], true},
		{"too-many", tooMany, false},
	}
	for _, tt := range tests {
		t.Run("case="+tt.name, func(t *testing.T) {
			_, err := normalizeGrants(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("normalizeGrants: err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func FuzzGrantMatch(f *testing.F) {
	for _, s := range [][2]string{{"team-*", "team-a"}, {"team-*", "team-"}, {"a", "a"}, {"*", ""}, {"a*", "a**"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, grant, ns string) {
		got := MatchGrant(grant, ns)
		valid := ValidateGrant(grant) == nil
		switch {
		case !got:
		case !strings.HasSuffix(grant, "*"):
			if grant != ns {
				t.Fatalf("plain grant %q matched %q", grant, ns)
			}
		default:
			prefix := strings.TrimSuffix(grant, "*")
			if !strings.HasPrefix(ns, prefix) || len(ns) <= len(prefix) || prefix == "" {
				t.Fatalf("pattern %q matched %q", grant, ns)
			}
		}
		if valid && strings.HasSuffix(grant, "*") && got != (len(ns) > len(grant)-1 && strings.HasPrefix(ns, grant[:len(grant)-1])) {
			t.Fatalf("valid pattern %q vs %q: got %v", grant, ns, got)
		}
	})
}
