package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/zeebo/xxh3"

	"github.com/engramhq/engram/memory/storage"
)

// cacheEntry is a verified key as of its load. key is never modified after
// the entry is built; lastUsed and lastWrite move atomically.
type cacheEntry struct {
	digest []byte
	key    *Key
	// orgLimit is the rate limit of key's organization as of the load.
	orgLimit  *RateLimit
	loadedAt  time.Time
	lastUsed  atomic.Int64 // unix ns of the latest successful Verify, 0 = never
	lastWrite atomic.Int64 // unix ns of the latest LastUsedAt write claim
}

func newCacheEntry(d []byte, k *Key, orgLimit *RateLimit, now time.Time) *cacheEntry {
	e := &cacheEntry{digest: d, key: k, orgLimit: orgLimit, loadedAt: now}
	if k.LastUsedAt != nil {
		e.lastUsed.Store(k.LastUsedAt.UnixNano())
		e.lastWrite.Store(k.LastUsedAt.UnixNano())
	}
	return e
}

// Verify returns the key whose secret is presented, or ErrInvalidKey
// (unknown, malformed, deactivated, deleted) or ErrKeyExpired (past
// ExpiresAt, its rotation grace, or the idle expiry).
//
// The returned key's RateLimit is its effective limit: its own, else its
// organization's; nil means the server default. (Get and List return the
// key's own.)
//
// The secret's HMAC-SHA256 digest under the pepper is compared in constant
// time with the stored one, on cache hits too: xxh3 of the secret only
// picks the cache slot. Every mutation through this Manager drops the
// key's cache entries before it returns, and expiry, activity and grace are
// checked on every call, so changes take effect on the very next Verify;
// a change of an organization drops the entries of all its keys.
// Entries older than Options.CacheTTL are reread, which bounds staleness
// after changes made by another process sharing the storage.
//
// LastUsedAt is written inline, at most once a minute per key: the first
// Verify a minute after the last write claims the write with a CAS and
// updates the stored record in its own transaction; concurrent calls do not
// wait for it. A failed write is logged and does not fail verification.
func (m *Manager) Verify(ctx context.Context, secret string) (*Key, error) {
	if !validSecretSyntax(secret) {
		return nil, ErrInvalidKey
	}
	h := xxh3.HashString(secret)
	d := digest(m.pepper, secret)
	now := m.now().UTC()
	if e, ok := m.cache.Get(h); ok && subtle.ConstantTimeCompare(e.digest, d) == 1 &&
		(m.ttl < 0 || now.Sub(e.loadedAt) < m.ttl) {
		return m.admit(ctx, e, now)
	}
	m.cacheMu.Lock()
	gen := m.gen
	m.cacheMu.Unlock()
	var rec *keyRecord
	var org Organization
	err := m.db.View(ctx, func(txn storage.Txn) error {
		id, err := txn.Get(digestIdx(d))
		if err != nil {
			return err
		}
		if rec, err = loadKey(txn, "", string(id)); err != nil {
			return err
		}
		org = Organization{}
		if err := getJSON(txn, orgRecKey(rec.OrganizationID), &org); err != nil && !isNotFound(err) {
			return err
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, ErrKeyNotFound) {
		return nil, ErrInvalidKey
	}
	if err != nil {
		return nil, fmt.Errorf("auth: verify: %w", err)
	}
	if subtle.ConstantTimeCompare(rec.Digest, d) != 1 {
		return nil, ErrInvalidKey
	}
	e := newCacheEntry(d, rec.Key.clone(), org.RateLimit, now)
	m.cacheMu.Lock()
	if m.gen == gen {
		m.cache.Add(h, e)
	}
	m.cacheMu.Unlock()
	return m.admit(ctx, e, now)
}

// admit checks e's key at now and records the use.
func (m *Manager) admit(ctx context.Context, e *cacheEntry, now time.Time) (*Key, error) {
	k := e.key.clone()
	if k.RateLimit == nil {
		k.RateLimit = clonePtr(e.orgLimit)
	}
	if lu := e.lastUsed.Load(); lu != 0 {
		t := time.Unix(0, lu).UTC()
		k.LastUsedAt = &t
	}
	if err := k.status(now, m.idle); err != nil {
		return nil, err
	}
	ns := now.UnixNano()
	for {
		lu := e.lastUsed.Load()
		if lu >= ns || e.lastUsed.CompareAndSwap(lu, ns) {
			break
		}
	}
	k.LastUsedAt = &now
	if lw := e.lastWrite.Load(); now.Sub(time.Unix(0, lw)) >= lastUsedEvery && e.lastWrite.CompareAndSwap(lw, ns) {
		m.writeLastUsed(ctx, k.ID, now)
	}
	return k, nil
}

func (m *Manager) writeLastUsed(ctx context.Context, id string, now time.Time) {
	err := m.db.Update(ctx, func(txn storage.Txn) error {
		rec, err := loadKey(txn, "", id)
		if errors.Is(err, ErrKeyNotFound) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if rec.LastUsedAt != nil && !rec.LastUsedAt.Before(now) {
			return nil
		}
		rec.LastUsedAt = &now
		return setJSON(txn, keyRecKey(id), rec)
	})
	if err != nil {
		m.log.LogAttrs(ctx, slog.LevelWarn, "auth: write last_used_at", slog.String("key_id", id), slog.Any("err", err))
	}
}
