package text

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// openUnder counts the indexes registered (open) under root.
func openUnder(root string) int {
	registryMu.RLock()
	defer registryMu.RUnlock()
	n := 0
	for d := range registry {
		if strings.HasPrefix(d, root+string(filepath.Separator)) {
			n++
		}
	}
	return n
}

func newTestPool(tb testing.TB, max int) (*Pool, string, *atomic.Int64) {
	tb.Helper()
	root := tb.TempDir()
	key := testKey(tb)
	var opens atomic.Int64
	p := NewPool(max, func(name string) (*Index, error) {
		opens.Add(1)
		return Open(filepath.Join(root, name), key, nil)
	})
	tb.Cleanup(func() { _ = p.Close() })
	return p, root, &opens
}

func TestPoolEvictionBound(t *testing.T) {
	tests := []struct{ max, users, names int }{
		{max: 3, users: 4, names: 10},
		{max: 1, users: 3, names: 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("max=%d/users=%d/names=%d", tt.max, tt.users, tt.names), func(t *testing.T) {
			seed := time.Now().UnixNano()
			t.Logf("seed=%d", seed)
			p, root, opens := newTestPool(t, tt.max)
			ctx := context.Background()
			var peak atomic.Int64
			var wg sync.WaitGroup
			for u := range tt.users {
				r := rand.New(rand.NewPCG(uint64(seed), uint64(u)))
				wg.Go(func() {
					for i := range 40 {
						name := fmt.Sprint("ns", r.IntN(tt.names))
						ix, release, err := p.Get(name)
						if err != nil {
							t.Error(err)
							return
						}
						if n := int64(openUnder(root)); n > peak.Load() {
							peak.Store(n) // racy max is fine: only an upper estimate is asserted
						}
						if err := ix.Apply([]Op{{ID: fmt.Sprint(u, "-", i), Text: "held index stays open"}}, uint64(i+1)); err != nil {
							t.Errorf("Apply on held index: %v", err)
						}
						if _, err := ix.Search(ctx, "held open", 3); err != nil {
							t.Errorf("Search on held index: %v", err)
						}
						release()
						release() // idempotent
					}
				})
			}
			wg.Wait()
			if bound := int64(tt.max + tt.users); peak.Load() > bound {
				t.Fatalf("peak open = %d, bound %d", peak.Load(), bound)
			}
			if got := p.Len(); got > tt.max {
				t.Fatalf("idle pool holds %d, max %d", got, tt.max)
			}
			if got := openUnder(root); got != p.Len() {
				t.Fatalf("open indexes = %d, pool holds %d", got, p.Len())
			}
			if opens.Load() <= int64(tt.max) {
				t.Fatalf("only %d opens: eviction never happened", opens.Load())
			}
			t.Logf("opens=%d peak=%d", opens.Load(), peak.Load())
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			if got := openUnder(root); got != 0 {
				t.Fatalf("%d indexes open after Close", got)
			}
			if _, _, err := p.Get("ns0"); !errors.Is(err, ErrClosed) {
				t.Fatalf("Get after Close = %v", err)
			}
		})
	}
}

func TestPoolHeldNotEvicted(t *testing.T) {
	p, root, _ := newTestPool(t, 1)
	a, releaseA, err := p.Get("a")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Evict("a"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Evict held = %v, want ErrBusy", err)
	}
	b, releaseB, err := p.Get("b")
	if err != nil {
		t.Fatal(err)
	}
	if got := openUnder(root); got != 2 {
		t.Fatalf("open = %d, want 2 while both are held", got)
	}
	if err := a.Apply([]Op{{ID: "1", Text: "x"}}, 1); err != nil {
		t.Fatalf("held index was closed: %v", err)
	}
	releaseA()
	if got := openUnder(root); got != 1 {
		t.Fatalf("open = %d after release, want 1", got)
	}
	if _, err := a.Count(); !errors.Is(err, ErrClosed) {
		t.Fatalf("evicted index Count = %v, want ErrClosed", err)
	}
	// Same name again: reopens the evicted folder, data intact.
	releaseB()
	a2, releaseA2, err := p.Get("a")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := a2.Count(); err != nil || n != 1 {
		t.Fatalf("reopened Count = %d, %v", n, err)
	}
	if _, err := b.Count(); !errors.Is(err, ErrClosed) {
		t.Fatalf("b not evicted: %v", err)
	}
	releaseA2()
	if err := p.Evict("a"); err != nil {
		t.Fatal(err)
	}
	if err := Destroy(filepath.Join(root, "a")); err != nil {
		t.Fatal(err)
	}
}

func TestPoolOpenError(t *testing.T) {
	boom := errors.New("boom")
	var calls atomic.Int64
	p := NewPool(2, func(string) (*Index, error) { calls.Add(1); return nil, boom })
	defer p.Close()
	for range 2 {
		if _, _, err := p.Get("x"); !errors.Is(err, boom) {
			t.Fatalf("Get = %v, want boom", err)
		}
	}
	if calls.Load() != 2 || p.Len() != 0 {
		t.Fatalf("calls = %d, len = %d: failed opens must not be cached", calls.Load(), p.Len())
	}
}

func TestPoolCloseWaitsForUsers(t *testing.T) {
	p, root, _ := newTestPool(t, 2)
	ix, release, err := p.Get("a")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = p.Close(); close(done) }()
	// Close must not finish while "a" is held; the held index still works.
	if err := ix.Apply([]Op{{ID: "1", Text: "x"}}, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		t.Fatal("Close returned while an index was held")
	default:
	}
	release()
	<-done
	if got := openUnder(root); got != 0 {
		t.Fatalf("%d open after Close", got)
	}
}
