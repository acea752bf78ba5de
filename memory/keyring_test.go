package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// populate stores n memories, each holding a unique word, in org_test/notes
// and returns their ids by word.
func populate(tb testing.TB, s *Store, n int) map[string]string {
	tb.Helper()
	ctx := context.Background()
	e, err := s.EnsureNamespace(ctx, "org_test", "notes", true)
	if err != nil {
		tb.Fatal(err)
	}
	ids := map[string]string{}
	for i := range n {
		word := fmt.Sprintf("zebrafinch%03d", i)
		m, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "the password is " + word})
		if err != nil {
			tb.Fatal(err)
		}
		ids[word] = m.ID
	}
	return ids
}

// checkReadable asserts every memory of populate is readable and that a
// bm25 recall of its word finds it.
func checkReadable(tb testing.TB, s *Store, ids map[string]string) {
	tb.Helper()
	ctx := context.Background()
	e, err := s.Engine(ctx, "org_test", "notes")
	if err != nil {
		tb.Fatal(err)
	}
	for word, id := range ids {
		m, err := e.Get(ctx, id)
		if err != nil || m.Content != "the password is "+word {
			tb.Fatalf("get %s: %v %v", word, m, err)
		}
		items, _, err := e.Recall(ctx, RecallInput{Query: word, Routing: "bm25"})
		if err != nil || len(items) == 0 || items[0].Memory.ID != id {
			tb.Fatalf("recall %s: %d items, err %v", word, len(items), err)
		}
	}
}

func TestKeyringFreshDir(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	pepper := s.Pepper()
	ids := populate(t, s, 3)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, keyringFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Fatalf("keyring mode = %v, want 0600", got)
	}
	mk := testKey(t, 0x11)
	if bytes.Equal(pepper, mk.Derive("api-key-pepper")) {
		t.Fatal("a fresh directory's pepper is derived from the master key")
	}
	s = openTest(t, dir, nil)
	defer s.Close()
	if !bytes.Equal(s.Pepper(), pepper) {
		t.Fatal("pepper changed across restarts")
	}
	checkReadable(t, s, ids)
}

func TestKeyringWrongMasterKeyTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	populate(t, s, 1)
	s.Close()
	before := snapshotDir(t, dir)
	_, err := Open(dir, &Options{MasterKey: testKey(t, 0x22)})
	if !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("open with a wrong key: %v, want ErrWrongMasterKey", err)
	}
	if after := snapshotDir(t, dir); after != before {
		t.Fatalf("a refused open changed the directory:\n%s\nvs\n%s", before, after)
	}
}

// TestKeyringLegacyDir opens a directory laid out before keyrings existed
// (every secret derived from the master key): it keeps working, and the
// keyring written holds exactly the derived values.
func TestKeyringLegacyDir(t *testing.T) {
	dir := t.TempDir()
	mk := testKey(t, 0x11)
	if err := writeKeyring(dir, mk, derivedKeyring(mk)); err != nil {
		t.Fatal(err)
	}
	s := openTest(t, dir, nil)
	ids := populate(t, s, 3)
	s.Close()
	if err := os.Remove(filepath.Join(dir, keyringFile)); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, nil)
	checkReadable(t, s, ids)
	if !bytes.Equal(s.Pepper(), mk.Derive("api-key-pepper")) {
		t.Fatal("legacy pepper is not the derived one")
	}
	s.Close()
	kr, err := readKeyring(dir, mk)
	if err != nil {
		t.Fatal(err)
	}
	want := derivedKeyring(mk)
	if !bytes.Equal(kr.badger, want.badger) || !bytes.Equal(kr.system, want.system) || !bytes.Equal(kr.pepper, want.pepper) || kr.prev != nil {
		t.Fatal("keyring written for a legacy directory does not hold the derived values")
	}
	if _, err := Open(dir, &Options{MasterKey: testKey(t, 0x22)}); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("wrong key on a migrated legacy dir: %v", err)
	}
}

func TestDataDirLock(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	if _, err := Open(dir, &Options{MasterKey: testKey(t, 0x11)}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if err := Rekey(context.Background(), dir, testKey(t, 0x11), testKey(t, 0x22), nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("rekey while open: %v, want ErrLocked", err)
	}
	s.Close()
	s = openTest(t, dir, nil)
	s.Close()
}
