package auth

import (
	"math"
	"slices"
	"time"
	"unicode/utf8"
)

// Key is an API key's stored description. It never holds the secret nor
// its digest; Verify and Get return copies callers may keep.
type Key struct {
	// ID is the public id, "key_" followed by 24 lowercase hex digits.
	ID             string `json:"id"`
	Name           string `json:"name"`
	OrganizationID string `json:"organization_id"`
	Scope          Scope  `json:"scope"`
	// Permissions, when non-nil, narrows Scope (each within it); nil means
	// the permissions implied by Scope.
	Permissions []Permission `json:"permissions"`
	// Namespaces are the grants: nil means every namespace of the
	// organization; otherwise names or "prefix*" patterns, at most 100.
	Namespaces  []string `json:"namespaces"`
	Environment string   `json:"environment,omitempty"`
	// RateLimit overrides its organization's limit and the server's
	// per-key default when non-nil. On a key returned by Verify it is the
	// effective limit (see Verify).
	RateLimit *RateLimit `json:"rate_limit,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// LastUsedAt is written at most once a minute per key (see Verify).
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Active     bool       `json:"active"`
	// RotatedTo is the id of the key that replaced this one; GraceUntil is
	// when this key stops working after a rotation.
	RotatedTo  string     `json:"rotated_to,omitempty"`
	GraceUntil *time.Time `json:"grace_until,omitempty"`
	// Namespace is set for keys created by a namespace admin for one
	// namespace (POST /v1/namespaces/{ns}/keys); their grants are exactly
	// that namespace.
	Namespace string `json:"namespace,omitempty"`
}

// RateLimit is a per-key token bucket: PerSecond tokens per second up to
// Burst. Keys and organizations carry one; a key's own wins.
type RateLimit struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst"`
}

// Limits on request fields.
const (
	MaxExpiresInDays = 3650
	MaxRatePerSecond = 100_000
	// MinRatePerSecond is one request per 1000 s: slower rates overflow
	// the Redis limiter's emission interval.
	MinRatePerSecond = 0.001
	MaxBurst         = 1_000_000
	MaxRotationGrace = 7 * 24 * time.Hour
	maxKeyNameLen    = 128
	maxEnvLen        = 64
)

// Limit returns the rate limit as a limiter Limit.
func (r RateLimit) Limit() Limit { return Limit{Rate: r.PerSecond, Burst: r.Burst} }

// normalizeRateLimit validates r; a zero Burst means twice the rate,
// rounded up (at least 1).
func normalizeRateLimit(r *RateLimit) (*RateLimit, error) {
	if r == nil {
		return nil, nil
	}
	c := *r
	if math.IsNaN(c.PerSecond) || c.PerSecond < MinRatePerSecond || c.PerSecond > MaxRatePerSecond {
		return nil, invalid("rate_limit", "per_second must be in [%g, %d]", MinRatePerSecond, MaxRatePerSecond)
	}
	if c.Burst < 0 || c.Burst > MaxBurst {
		return nil, invalid("rate_limit", "burst must be in [1, %d], or 0 for twice the rate", MaxBurst)
	}
	if c.Burst == 0 {
		c.Burst = max(1, int(math.Ceil(2*c.PerSecond)))
	}
	return &c, nil
}

func validateKeyName(name string) error {
	if name == "" || len(name) > maxKeyNameLen || !utf8.ValidString(name) {
		return invalid("name", "must be 1..%d bytes of UTF-8", maxKeyNameLen)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return invalid("name", "control characters are not allowed")
		}
	}
	return nil
}

func validateEnvironment(env string) error {
	if len(env) > maxEnvLen || (env != "" && !validNameChars(env)) {
		return invalid("environment", "must be at most %d of [a-zA-Z0-9_-]", maxEnvLen)
	}
	return nil
}

// CreateRequest describes a new key.
type CreateRequest struct {
	OrganizationID string
	Name           string
	Scope          Scope
	Permissions    []Permission
	Namespaces     []string
	Environment    string
	// ExpiresInDays in [1, 3650]; zero means the key never expires.
	ExpiresInDays int
	RateLimit     *RateLimit
	// Namespace makes a namespace-scoped key: its grants become exactly
	// this name and its scope may be at most admin.
	Namespace string `json:"namespace,omitempty"`
}

// Patch changes a key. Nil fields are left as they are.
type Patch struct {
	Name *string
	// Namespaces replaces the grants; a non-nil pointer to a nil slice
	// means every namespace of the organization.
	Namespaces *[]string
	// RateLimit replaces the per-key rate limit; ClearRateLimit removes it
	// (back to the server default).
	RateLimit      *RateLimit
	ClearRateLimit bool
}

// ListFilter narrows List. Zero fields match everything.
type ListFilter struct {
	// Namespace keeps only keys scoped to this namespace (Key.Namespace).
	Namespace   string
	Environment string
	// ActiveOnly drops deactivated keys.
	ActiveOnly bool
}

func (f ListFilter) match(k *Key) bool {
	return (f.Namespace == "" || k.Namespace == f.Namespace) &&
		(f.Environment == "" || k.Environment == f.Environment) &&
		(!f.ActiveOnly || k.Active)
}

// clone returns a deep copy of k.
func (k *Key) clone() *Key {
	c := *k
	c.Permissions = slices.Clone(k.Permissions)
	c.Namespaces = slices.Clone(k.Namespaces)
	c.RateLimit = clonePtr(k.RateLimit)
	c.ExpiresAt = clonePtr(k.ExpiresAt)
	c.LastUsedAt = clonePtr(k.LastUsedAt)
	c.GraceUntil = clonePtr(k.GraceUntil)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// status returns nil when k may be used at now, else ErrInvalidKey or
// ErrKeyExpired. idle is the idle expiry (zero = off).
func (k *Key) status(now time.Time, idle time.Duration) error {
	if !k.Active {
		return ErrInvalidKey
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return ErrKeyExpired
	}
	if k.GraceUntil != nil && !now.Before(*k.GraceUntil) {
		return ErrKeyExpired
	}
	if idle > 0 {
		last := k.CreatedAt
		if k.LastUsedAt != nil && k.LastUsedAt.After(last) {
			last = *k.LastUsedAt
		}
		if now.Sub(last) >= idle {
			return ErrKeyExpired
		}
	}
	return nil
}
