package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
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

func newTestLog(tb testing.TB) (*Log, *fakeClock, storage.DB) {
	tb.Helper()
	f := false
	db, err := storage.OpenBadger(tb.TempDir(), &storage.Options{SyncWrites: &f, GCInterval: -1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	clk := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	l, err := Open(db, &Options{Now: clk.Now})
	if err != nil {
		tb.Fatal(err)
	}
	return l, clk, db
}

// fill appends n events, one a minute, cycling through 3 namespaces, 2 keys
// and 2 actions, and returns them as List would (oldest first here).
func fill(tb testing.TB, l *Log, clk *fakeClock, n int) []Event {
	tb.Helper()
	var evs []Event
	for i := range n {
		ev := Event{RequestID: fmt.Sprint("req", i), KeyID: []string{"key_a", "key_b"}[i%2],
			OrganizationID: "org_1", Namespace: []string{"ns_x", "ns_y", "ns_z"}[i%3],
			Action: []string{"memory.store", "key.create"}[(i/2)%2], Target: fmt.Sprint("mem_", i), Status: 200}
		if err := l.Append(context.Background(), ev); err != nil {
			tb.Fatal(err)
		}
		ev.Seq, ev.ID, ev.At = uint64(i+1), eventID(uint64(i+1)), clk.Now()
		evs = append(evs, ev)
		clk.Advance(time.Minute)
	}
	return evs
}

func TestVerifyIntact(t *testing.T) {
	ctx := context.Background()
	l, clk, _ := newTestLog(t)
	if ok, n, err := l.Verify(ctx); !ok || n != 0 || err != nil {
		t.Fatalf("empty log: %v %d %v", ok, n, err)
	}
	fill(t, l, clk, 50)
	ok, n, err := l.Verify(ctx)
	if !ok || n != 50 || err != nil {
		t.Fatalf("Verify = %v, %d, %v; want true, 50", ok, n, err)
	}
	seq, h, err := l.Head(ctx)
	if err != nil || seq != 50 || len(h) != 32 {
		t.Fatalf("Head = %d %x %v", seq, h, err)
	}
}

func rewrite(t *testing.T, db storage.DB, key []byte, edit func(r *record)) {
	t.Helper()
	err := db.Update(context.Background(), func(txn storage.Txn) error {
		v, err := txn.Get(key)
		if err != nil {
			return err
		}
		var r record
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		edit(&r)
		b, _ := json.Marshal(r)
		return txn.Set(key, b)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTamperDetected(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper func(t *testing.T, db storage.DB)
		// checked is how many events verify before the damage.
		checked int
	}{
		{"change-action", func(t *testing.T, db storage.DB) {
			rewrite(t, db, eventKey(10), func(r *record) { r.Action = "nothing.happened" })
		}, 9},
		{"change-status", func(t *testing.T, db storage.DB) {
			rewrite(t, db, eventKey(1), func(r *record) { r.Status = 403 })
		}, 0},
		{"change-time", func(t *testing.T, db storage.DB) {
			rewrite(t, db, eventKey(20), func(r *record) { r.At++ })
		}, 19},
		{"rehash-one", func(t *testing.T, db storage.DB) {
			rewrite(t, db, eventKey(10), func(r *record) {
				r.Target = "mem_other"
				e := r.event()
				r.Hash = e.chainHash(r.Prev)
			})
		}, 10},
		{"delete-middle", func(t *testing.T, db storage.DB) {
			db.Update(ctx, func(txn storage.Txn) error { return txn.Delete(eventKey(15)) })
		}, 14},
		{"delete-last", func(t *testing.T, db storage.DB) {
			db.Update(ctx, func(txn storage.Txn) error { return txn.Delete(eventKey(30)) })
		}, 29},
		{"garbage", func(t *testing.T, db storage.DB) {
			db.Update(ctx, func(txn storage.Txn) error { return txn.Set(eventKey(5), []byte("{not json")) })
		}, 4},
	}
	for _, tt := range tests {
		t.Run("tamper="+tt.name, func(t *testing.T) {
			l, clk, db := newTestLog(t)
			fill(t, l, clk, 30)
			if ok, _, _ := l.Verify(ctx); !ok {
				t.Fatal("chain broken before tampering")
			}
			tt.tamper(t, db)
			ok, n, err := l.Verify(ctx)
			if ok || err != nil || n != tt.checked {
				t.Fatalf("Verify after %s = %v, %d, %v; want false, %d", tt.name, ok, n, err, tt.checked)
			}
		})
	}
}

func ids(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func TestListFiltersAndPaging(t *testing.T) {
	ctx := context.Background()
	l, clk, _ := newTestLog(t)
	t0 := clk.Now()
	all := fill(t, l, clk, 40)
	tests := []struct {
		name string
		f    Filter
		keep func(e Event) bool
	}{
		{"all", Filter{}, func(Event) bool { return true }},
		{"namespace", Filter{Namespace: "ns_y"}, func(e Event) bool { return e.Namespace == "ns_y" }},
		{"key", Filter{KeyID: "key_b"}, func(e Event) bool { return e.KeyID == "key_b" }},
		{"action", Filter{Action: "key.create"}, func(e Event) bool { return e.Action == "key.create" }},
		{"key-and-ns", Filter{KeyID: "key_a", Namespace: "ns_z"}, func(e Event) bool { return e.KeyID == "key_a" && e.Namespace == "ns_z" }},
		{"since", Filter{Since: t0.Add(25 * time.Minute)}, func(e Event) bool { return !e.At.Before(t0.Add(25 * time.Minute)) }},
		{"until", Filter{Until: t0.Add(9 * time.Minute)}, func(e Event) bool { return !e.At.After(t0.Add(9 * time.Minute)) }},
		{"window", Filter{Since: t0.Add(10 * time.Minute), Until: t0.Add(20 * time.Minute), Namespace: "ns_x"},
			func(e Event) bool {
				return e.Namespace == "ns_x" && !e.At.Before(t0.Add(10*time.Minute)) && !e.At.After(t0.Add(20*time.Minute))
			}},
		{"none", Filter{Namespace: "ns_missing"}, func(Event) bool { return false }},
	}
	for _, tt := range tests {
		var want []string
		for i := len(all) - 1; i >= 0; i-- {
			if tt.keep(all[i]) {
				want = append(want, all[i].ID)
			}
		}
		for _, limit := range []int{0, 1, 3, 7, 40} {
			t.Run(fmt.Sprintf("filter=%s/limit=%d", tt.name, limit), func(t *testing.T) {
				f := tt.f
				f.Limit = limit
				var got []string
				for page := 0; ; page++ {
					if page > 50 {
						t.Fatal("paging does not end")
					}
					evs, next, err := l.List(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if limit > 0 && len(evs) > limit {
						t.Fatalf("page of %d > limit %d", len(evs), limit)
					}
					got = append(got, ids(evs)...)
					if next == "" {
						break
					}
					f.Cursor = next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got %v\nwant %v", got, want)
				}
			})
		}
	}
	evs, _, err := l.List(ctx, Filter{Limit: 1})
	if err != nil || len(evs) != 1 {
		t.Fatal(err)
	}
	e, w := evs[0], all[len(all)-1]
	if e.RequestID != w.RequestID || e.Target != w.Target || e.Status != 200 || !e.At.Equal(w.At) || e.OrganizationID != "org_1" || len(e.Hash) != 32 || len(e.Prev) != 32 {
		t.Fatalf("stored event %+v, appended %+v", e, w)
	}
}

func TestListInvalid(t *testing.T) {
	l, _, _ := newTestLog(t)
	for _, c := range []string{"x", "0", "-1", "1.5"} {
		if _, _, err := l.List(context.Background(), Filter{Cursor: c}); !errors.Is(err, ErrInvalid) {
			t.Errorf("cursor %q: %v, want ErrInvalid", c, err)
		}
	}
	if err := l.Append(context.Background(), Event{Action: strings.Repeat("a", MaxFieldLen+1)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversized field: %v", err)
	}
}

func TestAppendConcurrentAndOddInput(t *testing.T) {
	ctx := context.Background()
	l, _, db := newTestLog(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if err := l.Append(ctx, Event{Action: "a", Target: fmt.Sprint(g, "-", i, "\xff\xfe")}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// A second Log over the same DB continues the same chain.
	l2, err := Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := l2.Append(ctx, Event{Action: "b", At: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	ok, n, err := l.Verify(ctx)
	if !ok || n != 101 || err != nil {
		t.Fatalf("Verify = %v, %d, %v; want true, 101", ok, n, err)
	}
	evs, _, err := l.List(ctx, Filter{Limit: 2})
	if err != nil || evs[0].ID != eventID(101) || evs[0].At.Before(evs[1].At) {
		t.Fatalf("newest events %+v, %v (time must not go backwards)", evs, err)
	}
}
