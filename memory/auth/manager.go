package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/engramhq/engram/memory/storage"
)

// Manager owns organizations, API keys and usage counters in the shared
// system keyspace, and verifies presented secrets. It is safe for
// concurrent use. Close stops its usage-flush goroutine.
type Manager struct {
	db     storage.DB
	pepper []byte
	now    func() time.Time
	idle   time.Duration
	ttl    time.Duration
	log    *slog.Logger

	// cache maps xxh3(secret) to a verified key. cacheMu serializes
	// insertions against invalidations; gen counts invalidations so a
	// lookup that raced a mutation does not insert a stale entry.
	cache   *lru.Cache[uint64, *cacheEntry]
	cacheMu sync.Mutex
	gen     uint64 // guarded by cacheMu

	usage *usageBuffer

	stop chan struct{}
	wg   sync.WaitGroup

	closeOnce sync.Once
}

// Storage layout (all under the system prefix 0x00):
//
//	0x00 'K' <key id>                  key record (JSON keyRecord)
//	0x00 'k' 'o' <org id> 0x00 <key id>  index: keys of an organization
//	0x00 'k' 'd' <digest>              index: HMAC digest -> key id
//	0x00 'k' 'r' <key id>              index: root (bootstrap) keys
//	0x00 'O' 'i' <org id>              organization record (JSON)
//	0x00 'O' 'n' <sha256(name)>        index: organization name -> org id
//	0x00 'U' 'k' <key id> 0x00 <day>   usage of a key on a UTC day (uint32 BE)
//	0x00 'U' 'n' <sha256(ns)[:16]> <day> usage of a namespace on a UTC day
//
// No user-chosen string appears in a storage key: ids are random, names are
// hashed.
var (
	pfxKey     = []byte{0, 'K'}
	pfxOrgKeys = []byte{0, 'k', 'o'}
	pfxDigest  = []byte{0, 'k', 'd'}
	pfxRoot    = []byte{0, 'k', 'r'}
	pfxOrg     = []byte{0, 'O', 'i'}
	pfxOrgName = []byte{0, 'O', 'n'}
	pfxUsageK  = []byte{0, 'U', 'k'}
	pfxUsageN  = []byte{0, 'U', 'n'}
)

func cat(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func keyRecKey(id string) []byte { return cat(pfxKey, []byte(id)) }
func orgKeyIdx(org, id string) []byte {
	return cat(pfxOrgKeys, []byte(org), []byte{0}, []byte(id))
}
func digestIdx(d []byte) []byte  { return cat(pfxDigest, d) }
func rootIdx(id string) []byte   { return cat(pfxRoot, []byte(id)) }
func orgRecKey(id string) []byte { return cat(pfxOrg, []byte(id)) }
func orgNameIdx(name string) []byte {
	h := sha256.Sum256([]byte(name))
	return cat(pfxOrgName, h[:])
}

// keyRecord is the stored form of a key: the Key plus its digest.
type keyRecord struct {
	Key
	Digest []byte `json:"digest"`
}

// NewManager returns a Manager over db. pepper is the server secret mixed
// into every key digest (at least 16 bytes); changing it invalidates every
// key. opts may be nil.
func NewManager(db storage.DB, pepper []byte, opts *Options) (*Manager, error) {
	o, err := opts.withDefaults()
	if db == nil {
		err = errors.Join(err, invalid("db", "must not be nil"))
	}
	if len(pepper) < MinPepperLen {
		err = errors.Join(err, invalid("pepper", "must be at least %d bytes", MinPepperLen))
	}
	if err != nil {
		return nil, err
	}
	cache, err := lru.New[uint64, *cacheEntry](o.CacheSize)
	if err != nil {
		return nil, fmt.Errorf("auth: key cache: %w", err)
	}
	m := &Manager{
		db: db, pepper: append([]byte(nil), pepper...), now: o.Now, idle: o.IdleExpiry, ttl: o.CacheTTL,
		log: o.Logger, cache: cache, usage: newUsageBuffer(), stop: make(chan struct{}),
	}
	m.wg.Add(1)
	go m.flushLoop(o.UsageFlushInterval)
	return m, nil
}

// Close stops the usage-flush goroutine after a final flush. It does not
// close the DB.
func (m *Manager) Close() error {
	var err error
	m.closeOnce.Do(func() {
		close(m.stop)
		m.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = m.FlushUsage(ctx)
	})
	return err
}

func getJSON(txn storage.Txn, key []byte, v any) error {
	b, err := txn.Get(key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("auth: decode record: %w", err)
	}
	return nil
}

func setJSON(txn storage.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("auth: encode record: %w", err)
	}
	return txn.Set(key, b)
}

// invalidate drops every cached entry of key id, so the next Verify reads
// the stored record.
func (m *Manager) invalidate(id string) {
	m.cacheMu.Lock()
	defer m.cacheMu.Unlock()
	m.gen++
	for _, h := range m.cache.Keys() {
		if e, ok := m.cache.Peek(h); ok && e.key.ID == id {
			m.cache.Remove(h)
		}
	}
}

// invalidateOrg drops every cached entry of the keys of organization id,
// whose effective rate limit may come from it.
func (m *Manager) invalidateOrg(id string) {
	m.cacheMu.Lock()
	defer m.cacheMu.Unlock()
	m.gen++
	for _, h := range m.cache.Keys() {
		if e, ok := m.cache.Peek(h); ok && e.key.OrganizationID == id {
			m.cache.Remove(h)
		}
	}
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("auth: decode record: %w", err)
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
