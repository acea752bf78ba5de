package memory

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
)

// versions counts the namespace's sealed values by DEK version.
func versions(tb testing.TB, s *Store, org, name string) map[uint32]int {
	tb.Helper()
	s.mu.Lock()
	rec, err := s.lookupLocked(org, name)
	s.mu.Unlock()
	if err != nil {
		tb.Fatal(err)
	}
	deks, err := s.unwrapAll(rec)
	if err != nil {
		tb.Fatal(err)
	}
	sealer, err := seal.NewSealer(rec.ID[:], deks)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[uint32]int{}
	err = s.db.View(context.Background(), func(tx storage.Txn) error {
		return tx.Scan(rec.ID[:], nil, false, func(k, v []byte) error {
			if _, err := sealer.Open(k, v); err == nil {
				out[binary.BigEndian.Uint32(v)]++
			}
			return nil
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestRotateNamespaceKeyResumesAfterCrash(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	oldBatch, oldScan := rotateBatch, rotateScan
	rotateBatch, rotateScan = 8, 16
	t.Cleanup(func() { rotateBatch, rotateScan, rotateBatchHook = oldBatch, oldScan, nil })

	dir := t.TempDir()
	s := openTest(t, dir, nil)
	ids := populate(t, s, 12)
	if v := versions(t, s, "org_test", "notes"); len(v) != 1 || v[1] == 0 {
		t.Fatalf("before rotation: versions %v", v)
	}
	stopped := make(chan struct{})
	rotateBatchHook = func(int64) error {
		close(stopped)
		return errors.New("injected crash")
	}
	st, err := s.RotateNamespaceKey(ctx, "org_test", "notes")
	if err != nil || st.KeyVersion != 2 || st.Status != "running" {
		t.Fatalf("rotate = %+v, %v", st, err)
	}
	<-stopped
	// Mid-rotation: rows under both versions, all readable, new writes
	// sealed under version 2.
	checkReadable(t, s, ids)
	v := versions(t, s, "org_test", "notes")
	if v[1] == 0 || v[2] == 0 {
		t.Fatalf("mid-rotation versions %v, want both 1 and 2", v)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rotateBatchHook = nil

	s = openTest(t, dir, nil)
	defer s.Close()
	st, err = s.WaitRotation(ctx, "org_test", "notes")
	if err != nil || st.Status != "done" || st.KeyVersion != 2 {
		t.Fatalf("resumed rotation = %+v, %v", st, err)
	}
	if v := versions(t, s, "org_test", "notes"); v[1] != 0 || v[2] == 0 {
		t.Fatalf("after rotation: versions %v, want only 2", v)
	}
	checkReadable(t, s, ids)

	// A second rotation adds version 3.
	st, err = s.RotateNamespaceKey(ctx, "org_test", "notes")
	if err != nil || st.KeyVersion != 3 {
		t.Fatalf("second rotate = %+v, %v", st, err)
	}
	if st, err = s.WaitRotation(ctx, "org_test", "notes"); err != nil || st.Status != "done" {
		t.Fatalf("second rotation = %+v, %v", st, err)
	}
	e, _ := s.Engine(ctx, "org_test", "notes")
	m, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "after rotation quokka"})
	if err != nil {
		t.Fatal(err)
	}
	ids["quokka"] = m.ID
	if v := versions(t, s, "org_test", "notes"); v[1] != 0 || v[2] != 0 || v[3] == 0 {
		t.Fatalf("after second rotation: versions %v, want only 3", v)
	}
	delete(ids, "quokka")
	checkReadable(t, s, ids)
}
