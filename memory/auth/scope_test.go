package auth

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		in   string
		want Scope
		ok   bool
	}{
		{"read", ScopeRead, true}, {"WRITE", ScopeWrite, true}, {"admin", ScopeAdmin, true},
		{"super_admin", ScopeSuperAdmin, true}, {"superadmin", ScopeSuperAdmin, true},
		{"", 0, false}, {"root", 0, false}, {"read ", 0, false},
	}
	for _, tt := range tests {
		t.Run("in="+tt.in, func(t *testing.T) {
			got, err := ParseScope(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("ParseScope(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			var ve *ValidationError
			if err != nil && !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *ValidationError", err)
			}
			if tt.ok && got.String() != map[Scope]string{ScopeRead: "read", ScopeWrite: "write", ScopeAdmin: "admin", ScopeSuperAdmin: "super_admin"}[got] {
				t.Fatalf("String() = %q", got.String())
			}
		})
	}
	if !(ScopeRead < ScopeWrite && ScopeWrite < ScopeAdmin && ScopeAdmin < ScopeSuperAdmin) {
		t.Fatal("scopes are not ordered")
	}
	if Scope(0).String() != "invalid" || Scope(0).Valid() {
		t.Fatal("zero scope must be invalid")
	}
}

func TestScopeJSON(t *testing.T) {
	for _, s := range []Scope{ScopeRead, ScopeWrite, ScopeAdmin, ScopeSuperAdmin} {
		b, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var got Scope
		if err := got.UnmarshalJSON(b); err != nil || got != s {
			t.Fatalf("round trip %s: got %v, %v", b, got, err)
		}
	}
	if _, err := Scope(9).MarshalJSON(); err == nil {
		t.Fatal("marshal of invalid scope succeeded")
	}
}

func TestCan(t *testing.T) {
	all := []Permission{PermRead, PermWrite, PermDelete, PermAdmin}
	tests := []struct {
		scope Scope
		perms []Permission
		want  []Permission
	}{
		{ScopeRead, nil, []Permission{PermRead}},
		{ScopeWrite, nil, []Permission{PermRead, PermWrite, PermDelete}},
		{ScopeAdmin, nil, all},
		{ScopeSuperAdmin, nil, all},
		{ScopeWrite, []Permission{PermRead}, []Permission{PermRead}},
		{ScopeAdmin, []Permission{PermWrite}, []Permission{PermWrite}},
		{ScopeAdmin, []Permission{}, nil},
		{0, nil, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("scope=%s/perms=%v", tt.scope, tt.perms), func(t *testing.T) {
			k := &Key{Scope: tt.scope, Permissions: tt.perms}
			for _, p := range all {
				if got, want := k.Can(p), slices.Contains(tt.want, p); got != want {
					t.Errorf("Can(%s) = %v, want %v", p, got, want)
				}
			}
		})
	}
}

func TestNormalizePermissions(t *testing.T) {
	tests := []struct {
		scope Scope
		in    []Permission
		want  []Permission
		ok    bool
	}{
		{ScopeRead, nil, nil, true},
		{ScopeRead, []Permission{"read", "READ"}, []Permission{PermRead}, true},
		{ScopeRead, []Permission{"write"}, nil, false},
		{ScopeWrite, []Permission{"delete", "read"}, []Permission{PermRead, PermDelete}, true},
		{ScopeWrite, []Permission{"admin"}, nil, false},
		{ScopeAdmin, []Permission{"fly"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("scope=%s/in=%v", tt.scope, tt.in), func(t *testing.T) {
			got, err := normalizePermissions(tt.in, tt.scope)
			if (err == nil) != tt.ok || (tt.ok && !slices.Equal(got, tt.want)) {
				t.Fatalf("got %v, %v; want %v ok=%v", got, err, tt.want, tt.ok)
			}
		})
	}
}
