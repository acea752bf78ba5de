package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/engramhq/engram/memory/storage"
)

// RootKeyName is the name given to bootstrap keys.
const RootKeyName = "root"

// Bootstrap ensures the default organization and a super_admin root key in
// it. With rootSecret (ENGRAM_ROOT_KEY) it installs that secret's digest
// unless a key with that digest already exists, and returns "". Without it,
// it creates a root key only if no active root key exists and returns its
// secret, which the caller shows once; later calls return "". Only digests
// are stored. Changing ENGRAM_ROOT_KEY adds a root key; earlier root keys
// keep working until deactivated or deleted.
func (m *Manager) Bootstrap(ctx context.Context, rootSecret string) (string, error) {
	if rootSecret != "" && !validSecretSyntax(rootSecret) {
		return "", invalid("root_key", "must be %d..%d bearer-token characters", MinSecretLen, MaxSecretLen)
	}
	org, err := m.EnsureOrganization(ctx, DefaultOrganization)
	if err != nil {
		return "", err
	}
	id := newID("key_")
	created := rootSecret
	if created == "" {
		created = newSecret(id)
	}
	d := digest(m.pepper, created)
	install := false
	err = m.db.Update(ctx, func(txn storage.Txn) error {
		install = false
		if rootSecret != "" {
			_, err := txn.Get(digestIdx(d))
			if err == nil || !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		} else {
			found, err := activeRootExists(txn)
			if found || err != nil {
				return err
			}
		}
		install = true
		rec := &keyRecord{Key: Key{
			ID: id, Name: RootKeyName, OrganizationID: org.ID, Scope: ScopeSuperAdmin,
			CreatedAt: m.now().UTC(), Active: true,
		}, Digest: d}
		if err := putKey(txn, rec); err != nil {
			return err
		}
		return txn.Set(rootIdx(id), nil)
	})
	if err != nil {
		return "", fmt.Errorf("auth: bootstrap: %w", err)
	}
	if !install || rootSecret != "" {
		return "", nil
	}
	return created, nil
}

func activeRootExists(txn storage.Txn) (bool, error) {
	var ids []string
	err := txn.Scan(pfxRoot, nil, false, func(k, _ []byte) error {
		ids = append(ids, string(k[len(pfxRoot):]))
		return nil
	})
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		rec, err := loadKey(txn, "", id)
		if errors.Is(err, ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if rec.Active && rec.RotatedTo == "" {
			return true, nil
		}
	}
	return false, nil
}
