package auth

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

// buildKey validates req and returns the key it describes (without id).
func (m *Manager) buildKey(req CreateRequest, now time.Time) (*Key, error) {
	var errs []error
	if err := validateKeyName(req.Name); err != nil {
		errs = append(errs, err)
	}
	if !req.Scope.Valid() {
		errs = append(errs, invalid("scope", "want read, write, admin or super_admin"))
	}
	perms, err := normalizePermissions(req.Permissions, req.Scope)
	errs = append(errs, err)
	grants := req.Namespaces
	if req.Namespace != "" {
		if !validNamespaceName(req.Namespace) {
			errs = append(errs, invalid("namespace", "bad namespace name"))
		}
		if req.Scope > ScopeAdmin {
			errs = append(errs, invalid("scope", "a namespace key may be at most admin"))
		}
		grants = []string{req.Namespace}
	}
	grants, err = normalizeGrants(grants)
	errs = append(errs, err, validateEnvironment(req.Environment))
	if req.ExpiresInDays < 0 || req.ExpiresInDays > MaxExpiresInDays {
		errs = append(errs, invalid("expires_in_days", "must be in [1, %d], or 0 for never", MaxExpiresInDays))
	}
	rl, err := normalizeRateLimit(req.RateLimit)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	k := &Key{
		Name: req.Name, OrganizationID: req.OrganizationID, Scope: req.Scope, Permissions: perms,
		Namespaces: grants, Environment: req.Environment, RateLimit: rl, CreatedAt: now,
		Active: true, Namespace: req.Namespace,
	}
	if req.ExpiresInDays > 0 {
		t := now.Add(time.Duration(req.ExpiresInDays) * 24 * time.Hour)
		k.ExpiresAt = &t
	}
	return k, nil
}

// Create makes a new key in req.OrganizationID and returns its secret,
// which is never stored nor shown again.
func (m *Manager) Create(ctx context.Context, req CreateRequest) (string, *Key, error) {
	k, err := m.buildKey(req, m.now().UTC())
	if err != nil {
		return "", nil, err
	}
	k.ID = newID("key_")
	secret := newSecret(k.ID)
	err = m.db.Update(ctx, func(txn storage.Txn) error {
		if _, err := txn.Get(orgRecKey(k.OrganizationID)); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return ErrOrgNotFound
			}
			return err
		}
		return putKey(txn, &keyRecord{Key: *k, Digest: digest(m.pepper, secret)})
	})
	if err != nil {
		return "", nil, fmt.Errorf("auth: create key: %w", err)
	}
	return secret, k.clone(), nil
}

// putKey writes a new key record and its indexes.
func putKey(txn storage.Txn, rec *keyRecord) error {
	if err := setJSON(txn, keyRecKey(rec.ID), rec); err != nil {
		return err
	}
	if err := txn.Set(orgKeyIdx(rec.OrganizationID, rec.ID), nil); err != nil {
		return err
	}
	return txn.Set(digestIdx(rec.Digest), []byte(rec.ID))
}

// loadKey reads key id; orgID "" matches any organization (for super_admin
// callers), otherwise a key of another organization is ErrKeyNotFound.
func loadKey(txn storage.Txn, orgID, id string) (*keyRecord, error) {
	var rec keyRecord
	err := getJSON(txn, keyRecKey(id), &rec)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && orgID != "" && rec.OrganizationID != orgID) {
		return nil, ErrKeyNotFound
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// Get returns key id of organization orgID ("" = any organization).
func (m *Manager) Get(ctx context.Context, orgID, id string) (*Key, error) {
	var rec *keyRecord
	err := m.db.View(ctx, func(txn storage.Txn) (err error) {
		rec, err = loadKey(txn, orgID, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: get key: %w", err)
	}
	return rec.Key.clone(), nil
}

// List returns the keys of organization orgID ("" = every organization)
// that match f, oldest first.
func (m *Manager) List(ctx context.Context, orgID string, f ListFilter) ([]*Key, error) {
	var out []*Key
	err := m.db.View(ctx, func(txn storage.Txn) error {
		out = out[:0]
		keep := func(v []byte) error {
			var rec keyRecord
			if err := jsonUnmarshal(v, &rec); err != nil {
				return err
			}
			if f.match(&rec.Key) {
				out = append(out, rec.Key.clone())
			}
			return nil
		}
		if orgID == "" {
			return txn.Scan(pfxKey, nil, false, func(_, v []byte) error { return keep(v) })
		}
		prefix := cat(pfxOrgKeys, []byte(orgID), []byte{0})
		var ids []string
		err := txn.Scan(prefix, nil, false, func(k, _ []byte) error {
			ids = append(ids, string(bytes.TrimPrefix(k, prefix)))
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			v, err := txn.Get(keyRecKey(id))
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := keep(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: list keys: %w", err)
	}
	slices.SortFunc(out, func(a, b *Key) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// mutate applies fn to key id inside one transaction and invalidates its
// cache entries after the commit.
func (m *Manager) mutate(ctx context.Context, op, orgID, id string, fn func(*keyRecord) error) (*Key, error) {
	var out *Key
	err := m.db.Update(ctx, func(txn storage.Txn) error {
		rec, err := loadKey(txn, orgID, id)
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
		out = rec.Key.clone()
		return setJSON(txn, keyRecKey(id), rec)
	})
	m.invalidate(id)
	if err != nil {
		return nil, fmt.Errorf("auth: %s key: %w", op, err)
	}
	return out, nil
}

// Update applies p to key id.
func (m *Manager) Update(ctx context.Context, orgID, id string, p Patch) (*Key, error) {
	var errs []error
	if p.Name != nil {
		errs = append(errs, validateKeyName(*p.Name))
	}
	var grants []string
	if p.Namespaces != nil {
		var err error
		grants, err = normalizeGrants(*p.Namespaces)
		errs = append(errs, err)
	}
	rl, err := normalizeRateLimit(p.RateLimit)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m.mutate(ctx, "update", orgID, id, func(rec *keyRecord) error {
		if p.Name != nil {
			rec.Name = *p.Name
		}
		if p.Namespaces != nil {
			if rec.Namespace != "" {
				return invalid("namespaces", "the grants of a namespace key cannot change")
			}
			rec.Namespaces = grants
		}
		if p.ClearRateLimit {
			rec.RateLimit = nil
		}
		if rl != nil {
			rec.RateLimit = rl
		}
		return nil
	})
}

// Deactivate turns key id off for good; the next Verify of its secret
// fails with ErrInvalidKey.
func (m *Manager) Deactivate(ctx context.Context, orgID, id string) (*Key, error) {
	return m.mutate(ctx, "deactivate", orgID, id, func(rec *keyRecord) error {
		rec.Active = false
		return nil
	})
}

// Delete removes key id and its indexes.
func (m *Manager) Delete(ctx context.Context, orgID, id string) error {
	err := m.db.Update(ctx, func(txn storage.Txn) error {
		rec, err := loadKey(txn, orgID, id)
		if err != nil {
			return err
		}
		for _, k := range [][]byte{keyRecKey(id), orgKeyIdx(rec.OrganizationID, id), digestIdx(rec.Digest), rootIdx(id)} {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	m.invalidate(id)
	if err != nil {
		return fmt.Errorf("auth: delete key: %w", err)
	}
	return nil
}

// Rotate replaces key id with a new key of the same attributes and a new
// secret. The old key keeps working for grace (at most 7 days; zero ends
// it at once) and then fails with ErrKeyExpired. Rotating an inactive or
// already rotated key is ErrConflict.
func (m *Manager) Rotate(ctx context.Context, orgID, id string, grace time.Duration) (string, *Key, *Key, error) {
	if grace < 0 || grace > MaxRotationGrace {
		return "", nil, nil, invalid("grace_secs", "must be in [0, %d]", int(MaxRotationGrace.Seconds()))
	}
	now := m.now().UTC()
	newKeyID := newID("key_")
	secret := newSecret(newKeyID)
	var nk, old *Key
	err := m.db.Update(ctx, func(txn storage.Txn) error {
		rec, err := loadKey(txn, orgID, id)
		if err != nil {
			return err
		}
		if !rec.Active || rec.RotatedTo != "" {
			return fmt.Errorf("key is inactive or already rotated: %w", ErrConflict)
		}
		n := rec.Key.clone()
		n.ID, n.CreatedAt, n.LastUsedAt = newKeyID, now, nil
		if err := putKey(txn, &keyRecord{Key: *n, Digest: digest(m.pepper, secret)}); err != nil {
			return err
		}
		if _, err := txn.Get(rootIdx(id)); err == nil {
			if err := txn.Set(rootIdx(newKeyID), nil); err != nil {
				return err
			}
		}
		until := now.Add(grace)
		rec.RotatedTo, rec.GraceUntil = newKeyID, &until
		if grace == 0 {
			rec.Active = false
		}
		nk, old = n, rec.Key.clone()
		return setJSON(txn, keyRecKey(id), rec)
	})
	m.invalidate(id)
	if err != nil {
		return "", nil, nil, fmt.Errorf("auth: rotate key: %w", err)
	}
	return secret, nk, old, nil
}
