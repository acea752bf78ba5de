package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

// DefaultOrganization is the name of the organization every server starts
// with.
const DefaultOrganization = "default"

// Organization owns API keys and namespaces.
type Organization struct {
	// ID is "org_" followed by 24 hex digits.
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// RateLimit is the limit of the organization's keys that have none of
	// their own; nil means the server default.
	RateLimit *RateLimit `json:"rate_limit,omitempty"`
}

// OrgPatch changes an organization. Nil fields are left as they are.
type OrgPatch struct {
	Name *string
	// RateLimit replaces the organization's rate limit; ClearRateLimit
	// removes it (its keys fall back to the server default).
	RateLimit      *RateLimit
	ClearRateLimit bool
}

func validateOrgName(name string) error {
	if len(name) == 0 || len(name) > maxNameLen || name[0] == '_' || name[0] == '-' || !validNameChars(name) {
		return invalid("name", "organization names are 1..128 of [a-zA-Z0-9_-], starting with a letter or digit")
	}
	return nil
}

// CreateOrganization creates an organization with an optional rate limit
// for its keys (nil: the server default); ErrConflict if the name is
// taken.
func (m *Manager) CreateOrganization(ctx context.Context, name string, rl *RateLimit) (*Organization, error) {
	rl, err := normalizeRateLimit(rl)
	if err := errors.Join(validateOrgName(name), err); err != nil {
		return nil, err
	}
	org, created, err := m.ensureOrg(ctx, name, rl)
	if err != nil {
		return nil, err
	}
	if !created {
		return nil, fmt.Errorf("organization name taken: %w", ErrConflict)
	}
	return org, nil
}

// EnsureOrganization returns the organization called name, creating it if
// needed.
func (m *Manager) EnsureOrganization(ctx context.Context, name string) (*Organization, error) {
	org, _, err := m.ensureOrg(ctx, name, nil)
	return org, err
}

// ensureOrg returns the organization called name, creating it with rate
// limit rl (already normalized) if needed.
func (m *Manager) ensureOrg(ctx context.Context, name string, rl *RateLimit) (*Organization, bool, error) {
	if err := validateOrgName(name); err != nil {
		return nil, false, err
	}
	var org Organization
	var created bool
	err := m.db.Update(ctx, func(txn storage.Txn) error {
		created = false
		id, err := txn.Get(orgNameIdx(name))
		switch {
		case err == nil:
			return getJSON(txn, orgRecKey(string(id)), &org)
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
		org = Organization{ID: newID("org_"), Name: name, CreatedAt: m.now().UTC(), RateLimit: clonePtr(rl)}
		created = true
		if err := txn.Set(orgNameIdx(name), []byte(org.ID)); err != nil {
			return err
		}
		return setJSON(txn, orgRecKey(org.ID), &org)
	})
	if err != nil {
		return nil, false, fmt.Errorf("auth: ensure organization: %w", err)
	}
	return &org, created, nil
}

// GetOrganization returns the organization with id, or ErrOrgNotFound.
func (m *Manager) GetOrganization(ctx context.Context, id string) (*Organization, error) {
	var org Organization
	err := m.db.View(ctx, func(txn storage.Txn) error { return getJSON(txn, orgRecKey(id), &org) })
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrOrgNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("auth: get organization: %w", err)
	}
	return &org, nil
}

// OrganizationByName returns the organization called name, or
// ErrOrgNotFound.
func (m *Manager) OrganizationByName(ctx context.Context, name string) (*Organization, error) {
	var org Organization
	err := m.db.View(ctx, func(txn storage.Txn) error {
		id, err := txn.Get(orgNameIdx(name))
		if err != nil {
			return err
		}
		return getJSON(txn, orgRecKey(string(id)), &org)
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrOrgNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("auth: get organization: %w", err)
	}
	return &org, nil
}

// ListOrganizations returns every organization, oldest first.
func (m *Manager) ListOrganizations(ctx context.Context) ([]*Organization, error) {
	var out []*Organization
	err := m.db.View(ctx, func(txn storage.Txn) error {
		out = out[:0]
		return txn.Scan(pfxOrg, nil, false, func(_, v []byte) error {
			var o Organization
			if err := jsonUnmarshal(v, &o); err != nil {
				return err
			}
			out = append(out, &o)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("auth: list organizations: %w", err)
	}
	slices.SortFunc(out, func(a, b *Organization) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// UpdateOrganization applies p to organization id. A name already taken is
// ErrConflict; the default organization keeps its name (the server finds
// it by name at start). The change reaches the organization's keys on
// their next request: their cached verifications are dropped.
func (m *Manager) UpdateOrganization(ctx context.Context, id string, p OrgPatch) (*Organization, error) {
	var errs []error
	if p.Name != nil {
		errs = append(errs, validateOrgName(*p.Name))
	}
	rl, err := normalizeRateLimit(p.RateLimit)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var org Organization
	err = m.db.Update(ctx, func(txn storage.Txn) error {
		if err := getJSON(txn, orgRecKey(id), &org); err != nil {
			if isNotFound(err) {
				return ErrOrgNotFound
			}
			return err
		}
		if p.Name != nil && *p.Name != org.Name {
			if err := renameOrg(txn, &org, *p.Name); err != nil {
				return err
			}
		}
		if p.ClearRateLimit {
			org.RateLimit = nil
		}
		if rl != nil {
			org.RateLimit = rl
		}
		return setJSON(txn, orgRecKey(id), &org)
	})
	m.invalidateOrg(id)
	if err != nil {
		return nil, fmt.Errorf("auth: update organization: %w", err)
	}
	return &org, nil
}

// renameOrg moves org's name index to name inside txn.
func renameOrg(txn storage.Txn, org *Organization, name string) error {
	if org.Name == DefaultOrganization {
		return invalid("name", "the %s organization cannot be renamed", DefaultOrganization)
	}
	switch _, err := txn.Get(orgNameIdx(name)); {
	case err == nil:
		return fmt.Errorf("organization name taken: %w", ErrConflict)
	case !isNotFound(err):
		return err
	}
	if err := txn.Delete(orgNameIdx(org.Name)); err != nil {
		return err
	}
	org.Name = name
	return txn.Set(orgNameIdx(name), []byte(org.ID))
}
