package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var testPepper = []byte("0123456789abcdef-test-pepper")

func openDB(tb testing.TB, dir string) *storage.Badger {
	tb.Helper()
	f := false
	db, err := storage.OpenBadger(dir, &storage.Options{SyncWrites: &f, GCInterval: -1})
	if err != nil {
		tb.Fatalf("open badger: %v", err)
	}
	return db
}

// newTestManager opens a Badger in a temp dir and a Manager with a fake
// clock over it.
func newTestManager(tb testing.TB, opts *Options) (*Manager, *fakeClock, storage.DB) {
	tb.Helper()
	db := openDB(tb, tb.TempDir())
	tb.Cleanup(func() { db.Close() })
	clk := newFakeClock()
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Now = clk.Now
	m, err := NewManager(db, testPepper, &o)
	if err != nil {
		tb.Fatalf("NewManager: %v", err)
	}
	tb.Cleanup(func() { m.Close() })
	return m, clk, db
}

func mustOrg(tb testing.TB, m *Manager, name string) *Organization {
	tb.Helper()
	org, err := m.EnsureOrganization(context.Background(), name)
	if err != nil {
		tb.Fatalf("EnsureOrganization(%q): %v", name, err)
	}
	return org
}

func mustCreate(tb testing.TB, m *Manager, req CreateRequest) (string, *Key) {
	tb.Helper()
	secret, k, err := m.Create(context.Background(), req)
	if err != nil {
		tb.Fatalf("Create: %v", err)
	}
	return secret, k
}
