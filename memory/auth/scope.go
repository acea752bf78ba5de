package auth

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Scope is the coarse power of a key. Scopes are ordered: a key with a
// higher scope may do everything a lower one may.
type Scope int

// Scopes, in increasing order of power. The zero Scope is invalid so that a
// forgotten field never grants anything.
const (
	ScopeRead Scope = iota + 1
	ScopeWrite
	ScopeAdmin
	ScopeSuperAdmin
)

var scopeNames = [...]string{ScopeRead: "read", ScopeWrite: "write", ScopeAdmin: "admin", ScopeSuperAdmin: "super_admin"}

// ParseScope parses "read", "write", "admin" or "super_admin"
// (case-insensitive; "superadmin" and "super-admin" are accepted aliases).
func ParseScope(s string) (Scope, error) {
	switch strings.ToLower(s) {
	case "read":
		return ScopeRead, nil
	case "write":
		return ScopeWrite, nil
	case "admin":
		return ScopeAdmin, nil
	case "super_admin", "superadmin", "super-admin":
		return ScopeSuperAdmin, nil
	}
	return 0, invalid("scope", "want read, write, admin or super_admin")
}

// Valid reports whether s is one of the defined scopes.
func (s Scope) Valid() bool { return s >= ScopeRead && s <= ScopeSuperAdmin }

// String returns the wire name of s, or "invalid".
func (s Scope) String() string {
	if !s.Valid() {
		return "invalid"
	}
	return scopeNames[s]
}

// MarshalJSON encodes s as its wire name.
func (s Scope) MarshalJSON() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("auth: marshal invalid scope %d", int(s))
	}
	return json.Marshal(s.String())
}

// UnmarshalJSON decodes a wire name.
func (s *Scope) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return invalid("scope", "not a string")
	}
	v, err := ParseScope(str)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Permission is a fine-grained right a key may be limited to.
type Permission string

// Permissions. "write" stores and updates memories, "delete" forgets them,
// "admin" manages namespaces and keys.
const (
	PermRead   Permission = "read"
	PermWrite  Permission = "write"
	PermDelete Permission = "delete"
	PermAdmin  Permission = "admin"
)

// ParsePermission parses a permission name (case-insensitive).
func ParsePermission(s string) (Permission, error) {
	p := Permission(strings.ToLower(s))
	switch p {
	case PermRead, PermWrite, PermDelete, PermAdmin:
		return p, nil
	}
	return "", invalid("permissions", "unknown permission (want read, write, delete or admin)")
}

// minScope is the lowest scope that may hold p.
func (p Permission) minScope() Scope {
	switch p {
	case PermRead:
		return ScopeRead
	case PermWrite, PermDelete:
		return ScopeWrite
	case PermAdmin:
		return ScopeAdmin
	}
	return ScopeSuperAdmin + 1 // unknown: never within any scope
}

// ImpliedPermissions returns the permissions a scope grants when a key
// carries no explicit list: read → read; write → read, write, delete;
// admin and super_admin → all four.
func ImpliedPermissions(s Scope) []Permission {
	switch {
	case s >= ScopeAdmin && s.Valid():
		return []Permission{PermRead, PermWrite, PermDelete, PermAdmin}
	case s == ScopeWrite:
		return []Permission{PermRead, PermWrite, PermDelete}
	case s == ScopeRead:
		return []Permission{PermRead}
	}
	return nil
}

// normalizePermissions validates perms against scope and returns them
// deduplicated in canonical order. nil in, nil out (meaning "implied by
// scope"); an explicit empty list is kept empty (meaning "nothing").
func normalizePermissions(perms []Permission, scope Scope) ([]Permission, error) {
	if perms == nil {
		return nil, nil
	}
	out := []Permission{}
	for _, p := range []Permission{PermRead, PermWrite, PermDelete, PermAdmin} {
		for _, q := range perms {
			if strings.ToLower(string(q)) == string(p) {
				if p.minScope() > scope {
					return nil, invalid("permissions", "permission %s exceeds scope %s", p, scope)
				}
				out = append(out, p)
				break
			}
		}
	}
	for _, q := range perms {
		if _, err := ParsePermission(string(q)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EffectivePermissions returns the explicit permissions of k when set,
// else those implied by its scope.
func (k *Key) EffectivePermissions() []Permission {
	if k.Permissions != nil {
		return slices.Clone(k.Permissions)
	}
	return ImpliedPermissions(k.Scope)
}

// Can reports whether k holds permission p. It says nothing about whether
// k is active or which namespaces it may touch (see Allows).
func (k *Key) Can(p Permission) bool {
	if k == nil || !k.Scope.Valid() || p.minScope() > k.Scope {
		return false
	}
	return slices.Contains(k.EffectivePermissions(), p)
}

// AtLeast reports whether k's scope is at least s.
func (k *Key) AtLeast(s Scope) bool { return k != nil && k.Scope.Valid() && k.Scope >= s }
