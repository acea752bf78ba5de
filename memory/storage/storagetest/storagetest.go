package storagetest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/engramhq/engram/memory/storage"
)

// Run runs the conformance suite. open must return a new, empty DB for each
// call; Run closes every DB it opens (a second Close may return ErrClosed).
func Run(t *testing.T, open func(t *testing.T) storage.DB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db storage.DB)
	}{
		{"case=get_set_delete", testGetSetDelete},
		{"case=scan_order", testScanOrder},
		{"case=scan_stop", testScanStop},
		{"case=isolation", testIsolation},
		{"case=rollback", testRollback},
		{"case=conflict_retry", testConflictRetry},
		{"case=changelog_concurrent", testChangeLogConcurrent},
		{"case=changes_since", testChangesSince},
		{"case=delete_prefix", testDeletePrefix},
		{"case=delete_prefix_concurrent_writers", testDeletePrefixConcurrent},
		{"case=context_canceled", testContextCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			t.Cleanup(func() { _ = db.Close() })
			tc.fn(t, db)
		})
	}
	t.Run("case=closed", func(t *testing.T) { testClosed(t, open(t)) })
}

var ctx = context.Background()

func set(t *testing.T, db storage.DB, kv ...string) {
	t.Helper()
	err := db.Update(ctx, func(tx storage.Txn) error {
		for i := 0; i+1 < len(kv); i += 2 {
			if err := tx.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("set: %v", err)
	}
}

func get(t *testing.T, db storage.DB, key string) (string, error) {
	t.Helper()
	var v []byte
	err := db.View(ctx, func(tx storage.Txn) error {
		var err error
		v, err = tx.Get([]byte(key))
		return err
	})
	return string(v), err
}

func scan(t *testing.T, db storage.DB, prefix, start string, reverse bool) []string {
	t.Helper()
	var keys []string
	err := db.View(ctx, func(tx storage.Txn) error {
		var s []byte
		if start != "" {
			s = []byte(start)
		}
		return tx.Scan([]byte(prefix), s, reverse, func(k, v []byte) error {
			keys = append(keys, string(k)+"="+string(v))
			return nil
		})
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return keys
}

func testGetSetDelete(t *testing.T, db storage.DB) {
	if _, err := get(t, db, "nsa1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("get absent: err = %v, want ErrNotFound", err)
	}
	set(t, db, "nsa1", "one", "nsa2", "two")
	if v, err := get(t, db, "nsa1"); err != nil || v != "one" {
		t.Fatalf("get = %q, %v; want one", v, err)
	}
	set(t, db, "nsa1", "uno")
	if v, _ := get(t, db, "nsa1"); v != "uno" {
		t.Fatalf("after overwrite get = %q, want uno", v)
	}
	// The returned value is a copy the caller may keep and modify.
	var kept []byte
	_ = db.View(ctx, func(tx storage.Txn) error { kept, _ = tx.Get([]byte("nsa2")); return nil })
	set(t, db, "nsa2", "TWO")
	if string(kept) != "two" {
		t.Fatalf("kept value changed to %q", kept)
	}
	err := db.Update(ctx, func(tx storage.Txn) error {
		if err := tx.Delete([]byte("nsa1")); err != nil {
			return err
		}
		return tx.Delete([]byte("absent"))
	})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := get(t, db, "nsa1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("get deleted: err = %v, want ErrNotFound", err)
	}
	// A transaction reads its own writes.
	err = db.Update(ctx, func(tx storage.Txn) error {
		if err := tx.Set([]byte("nsa3"), []byte("three")); err != nil {
			return err
		}
		v, err := tx.Get([]byte("nsa3"))
		if err != nil || string(v) != "three" {
			return fmt.Errorf("own write: %q, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testScanOrder(t *testing.T, db storage.DB) {
	set(t, db, "a", "0", "p", "0", "pa", "1", "pb", "2", "pb\xff", "3", "pc", "4", "q", "5", "p\xff", "6", "p\xff\xff", "7")
	tests := []struct {
		prefix, start string
		reverse       bool
		want          []string
	}{
		{"p", "", false, []string{"p=0", "pa=1", "pb=2", "pb\xff=3", "pc=4", "p\xff=6", "p\xff\xff=7"}},
		{"p", "", true, []string{"p\xff\xff=7", "p\xff=6", "pc=4", "pb\xff=3", "pb=2", "pa=1", "p=0"}},
		{"p", "pb", false, []string{"pb=2", "pb\xff=3", "pc=4", "p\xff=6", "p\xff\xff=7"}},
		{"p", "pbz", false, []string{"pb\xff=3", "pc=4", "p\xff=6", "p\xff\xff=7"}},
		{"p", "a", false, []string{"p=0", "pa=1", "pb=2", "pb\xff=3", "pc=4", "p\xff=6", "p\xff\xff=7"}},
		{"p", "pb", true, []string{"p\xff\xff=7", "p\xff=6", "pc=4", "pb\xff=3", "pb=2", "pa=1", "p=0"}},
		{"pb", "", true, []string{"pb\xff=3", "pb=2"}},
		{"p\xff", "", true, []string{"p\xff\xff=7", "p\xff=6"}},
		{"p\xff", "", false, []string{"p\xff=6", "p\xff\xff=7"}},
		{"z", "", false, nil},
		{"z", "", true, nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("prefix=%q/start=%q/reverse=%v", tc.prefix, tc.start, tc.reverse), func(t *testing.T) {
			got := scan(t, db, tc.prefix, tc.start, tc.reverse)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func testScanStop(t *testing.T, db storage.DB) {
	set(t, db, "k1", "1", "k2", "2", "k3", "3")
	var n int
	err := db.View(ctx, func(tx storage.Txn) error {
		return tx.Scan([]byte("k"), nil, false, func(k, v []byte) error {
			n++
			if n == 2 {
				return storage.ErrStop
			}
			return nil
		})
	})
	if err != nil || n != 2 {
		t.Fatalf("ErrStop: n = %d, err = %v; want 2, nil", n, err)
	}
	boom := errors.New("boom")
	err = db.View(ctx, func(tx storage.Txn) error {
		return tx.Scan([]byte("k"), nil, true, func(k, v []byte) error { return boom })
	})
	if !errors.Is(err, boom) {
		t.Fatalf("callback error: got %v, want boom", err)
	}
}

func testIsolation(t *testing.T, db storage.DB) {
	set(t, db, "x", "old")
	inside := make(chan struct{})
	written := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- db.View(ctx, func(tx storage.Txn) error {
			close(inside)
			<-written
			v, err := tx.Get([]byte("x"))
			if err != nil || string(v) != "old" {
				return fmt.Errorf("snapshot read x = %q, %v; want old", v, err)
			}
			if _, err := tx.Get([]byte("y")); !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("snapshot read y: %v, want ErrNotFound", err)
			}
			return nil
		})
	}()
	<-inside
	set(t, db, "x", "new", "y", "new")
	close(written)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if v, _ := get(t, db, "x"); v != "new" {
		t.Fatalf("after commit x = %q, want new", v)
	}
}

func testRollback(t *testing.T, db storage.DB) {
	set(t, db, "r", "kept")
	boom := errors.New("boom")
	err := db.Update(ctx, func(tx storage.Txn) error {
		if err := tx.Set([]byte("r"), []byte("lost")); err != nil {
			return err
		}
		if err := tx.Set([]byte("r2"), []byte("lost")); err != nil {
			return err
		}
		if _, err := tx.AppendChange([]byte("ns"), []byte("lost")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: err = %v, want boom", err)
	}
	if v, _ := get(t, db, "r"); v != "kept" {
		t.Fatalf("r = %q, want kept", v)
	}
	if _, err := get(t, db, "r2"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("r2: err = %v, want ErrNotFound", err)
	}
	if got := lastSeq(t, db, "ns"); got != 0 {
		t.Fatalf("LastSeq after rollback = %d, want 0", got)
	}
}

func testConflictRetry(t *testing.T, db storage.DB) {
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				errs <- db.Update(ctx, func(tx storage.Txn) error {
					var n uint64
					v, err := tx.Get([]byte("counter"))
					switch {
					case err == nil:
						n = binary.BigEndian.Uint64(v)
					case !errors.Is(err, storage.ErrNotFound):
						return err
					}
					return tx.Set([]byte("counter"), binary.BigEndian.AppendUint64(nil, n+1))
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	var failed int
	for err := range errs {
		if err != nil {
			failed++
			if !errors.Is(err, storage.ErrConflict) {
				t.Fatalf("increment: %v", err)
			}
		}
	}
	v, err := get(t, db, "counter")
	if err != nil {
		t.Fatal(err)
	}
	// Only an increment that reported ErrConflict after all its retries may
	// be missing; every nil return must be counted exactly once.
	if got, want := binary.BigEndian.Uint64([]byte(v)), uint64(workers*each-failed); got != want {
		t.Fatalf("counter = %d, want %d (%d gave up)", got, want, failed)
	}
	if failed > 0 {
		t.Errorf("%d of %d increments gave up with ErrConflict", failed, workers*each)
	}
}

func lastSeq(t *testing.T, db storage.DB, ns string) uint64 {
	t.Helper()
	var seq uint64
	err := db.View(ctx, func(tx storage.Txn) error {
		var err error
		seq, err = tx.LastSeq([]byte(ns))
		return err
	})
	if err != nil {
		t.Fatalf("LastSeq: %v", err)
	}
	return seq
}

type change struct {
	seq  uint64
	data string
}

func changes(t *testing.T, db storage.DB, ns string, after uint64, limit int) []change {
	t.Helper()
	var got []change
	err := db.ChangesSince(ctx, []byte(ns), after, limit, func(seq uint64, c []byte) error {
		got = append(got, change{seq, string(c)})
		return nil
	})
	if err != nil {
		t.Fatalf("ChangesSince: %v", err)
	}
	return got
}

func testChangeLogConcurrent(t *testing.T, db storage.DB) {
	const workers, each = 8, 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	returned := map[uint64]string{}
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				data := fmt.Sprintf("w%d-%d", w, i)
				var seq uint64
				err := db.Update(ctx, func(tx storage.Txn) error {
					var err error
					seq, err = tx.AppendChange([]byte("nsA"), []byte(data))
					return err
				})
				if err != nil {
					t.Errorf("AppendChange: %v", err)
					return
				}
				mu.Lock()
				if prev, dup := returned[seq]; dup {
					t.Errorf("sequence %d returned for %s and %s", seq, prev, data)
				}
				returned[seq] = data
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	got := changes(t, db, "nsA", 0, 0)
	if len(got) != workers*each {
		t.Fatalf("%d changes, want %d", len(got), workers*each)
	}
	for i, c := range got {
		if c.seq != uint64(i+1) {
			t.Fatalf("change %d has seq %d: not gap-free", i, c.seq)
		}
		if returned[c.seq] != c.data {
			t.Fatalf("seq %d holds %q, AppendChange returned it for %q", c.seq, c.data, returned[c.seq])
		}
	}
	if ls := lastSeq(t, db, "nsA"); ls != workers*each {
		t.Fatalf("LastSeq = %d, want %d", ls, workers*each)
	}
	if ls := lastSeq(t, db, "nsB"); ls != 0 {
		t.Fatalf("LastSeq of empty namespace = %d, want 0", ls)
	}
}

func appendN(t *testing.T, db storage.DB, ns string, n int) {
	t.Helper()
	err := db.Update(ctx, func(tx storage.Txn) error {
		for i := range n {
			if _, err := tx.AppendChange([]byte(ns), fmt.Appendf(nil, "%s%d", ns, i+1)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
}

func testChangesSince(t *testing.T, db storage.DB) {
	appendN(t, db, "n1", 10)
	appendN(t, db, "n12", 3) // a namespace id that extends another one
	set(t, db, "n1a", "row")
	tests := []struct {
		after     uint64
		limit     int
		wantFirst uint64
		wantN     int
	}{
		{0, 0, 1, 10},
		{0, 3, 1, 3},
		{4, 0, 5, 6},
		{4, 2, 5, 2},
		{9, 5, 10, 1},
		{10, 0, 0, 0},
		{1 << 62, 0, 0, 0},
		{^uint64(0), 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("after=%d/limit=%d", tc.after, tc.limit), func(t *testing.T) {
			got := changes(t, db, "n1", tc.after, tc.limit)
			if len(got) != tc.wantN {
				t.Fatalf("got %d changes, want %d: %v", len(got), tc.wantN, got)
			}
			for i, c := range got {
				want := change{tc.wantFirst + uint64(i), fmt.Sprintf("n1%d", tc.wantFirst+uint64(i))}
				if c != want {
					t.Fatalf("change %d = %v, want %v", i, c, want)
				}
			}
		})
	}
	// The change log stays out of caller prefixes ns|kind.
	if got := scan(t, db, "n1a", "", false); !slices.Equal(got, []string{"n1a=row"}) {
		t.Fatalf("scan n1a = %q", got)
	}
	var n int
	err := db.ChangesSince(ctx, []byte("n1"), 0, 0, func(uint64, []byte) error {
		n++
		if n == 4 {
			return storage.ErrStop
		}
		return nil
	})
	if err != nil || n != 4 {
		t.Fatalf("ErrStop: n = %d, err = %v", n, err)
	}
	boom := errors.New("boom")
	err = db.ChangesSince(ctx, []byte("n1"), 0, 0, func(uint64, []byte) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("callback error: got %v, want boom", err)
	}
}

func testDeletePrefix(t *testing.T, db storage.DB) {
	set(t, db, "AAa1", "x", "AAb2", "y", "ABa1", "z")
	appendN(t, db, "AA", 3)
	appendN(t, db, "AB", 2)
	if err := db.DeletePrefix(ctx, []byte("AA")); err != nil {
		t.Fatalf("DeletePrefix: %v", err)
	}
	if got := scan(t, db, "AA", "", false); len(got) != 0 {
		t.Fatalf("after DeletePrefix AA scan = %q", got)
	}
	if got := changes(t, db, "AA", 0, 0); len(got) != 0 {
		t.Fatalf("after DeletePrefix AA changes = %v", got)
	}
	if ls := lastSeq(t, db, "AA"); ls != 0 {
		t.Fatalf("after DeletePrefix AA LastSeq = %d, want 0", ls)
	}
	if got := scan(t, db, "ABa", "", false); !slices.Equal(got, []string{"ABa1=z"}) {
		t.Fatalf("other namespace scan = %q", got)
	}
	if got := changes(t, db, "AB", 0, 0); len(got) != 2 {
		t.Fatalf("other namespace changes = %v", got)
	}
	// The namespace can be written again afterwards.
	set(t, db, "AAa1", "again")
	if v, err := get(t, db, "AAa1"); err != nil || v != "again" {
		t.Fatalf("rewrite after delete: %q, %v", v, err)
	}
	appendN(t, db, "AA", 1)
	if got := changes(t, db, "AA", 0, 0); len(got) != 1 || got[0].seq != 1 {
		t.Fatalf("change log restarts at 1: %v", got)
	}
}

func testContextCanceled(t *testing.T, db storage.DB) {
	c, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	err := db.Update(c, func(storage.Txn) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("Update on canceled ctx: err = %v, ran = %v", err, ran)
	}
	if err := db.View(c, func(storage.Txn) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("View on canceled ctx: err = %v, ran = %v", err, ran)
	}
}

func testClosed(t *testing.T, db storage.DB) {
	set(t, db, "k", "v")
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	noop := func(storage.Txn) error { return nil }
	checks := map[string]error{
		"View":         db.View(ctx, noop),
		"Update":       db.Update(ctx, noop),
		"ChangesSince": db.ChangesSince(ctx, []byte("ns"), 0, 0, func(uint64, []byte) error { return nil }),
		"DeletePrefix": db.DeletePrefix(ctx, []byte("k")),
	}
	for name, err := range checks {
		if !errors.Is(err, storage.ErrClosed) {
			t.Errorf("%s after Close: err = %v, want ErrClosed", name, err)
		}
	}
	if err := db.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
		t.Errorf("second Close: err = %v, want nil or ErrClosed", err)
	}
}

// testDeletePrefixConcurrent deletes one namespace while another is being
// written: every write of the other namespace succeeds and survives.
func testDeletePrefixConcurrent(t *testing.T, db storage.DB) {
	for i := range 50 {
		set(t, db, fmt.Sprintf("DDa%03d", i), "x")
	}
	appendN(t, db, "DD", 20)
	const writes = 40
	errc := make(chan error, 1)
	go func() {
		for i := range writes {
			err := db.Update(ctx, func(tx storage.Txn) error {
				if err := tx.Set(fmt.Appendf(nil, "EEa%03d", i), []byte("y")); err != nil {
					return err
				}
				_, err := tx.AppendChange([]byte("EE"), []byte("y"))
				return err
			})
			if err != nil {
				errc <- fmt.Errorf("write %d during DeletePrefix: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	for range 3 {
		if err := db.DeletePrefix(ctx, []byte("DD")); err != nil {
			t.Fatalf("DeletePrefix: %v", err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got := scan(t, db, "DD", "", false); len(got) != 0 {
		t.Fatalf("deleted namespace still holds %d keys", len(got))
	}
	if got := scan(t, db, "EEa", "", false); len(got) != writes {
		t.Fatalf("other namespace holds %d rows, want %d", len(got), writes)
	}
	if ls := lastSeq(t, db, "EE"); ls != writes {
		t.Fatalf("other namespace LastSeq = %d, want %d", ls, writes)
	}
}
