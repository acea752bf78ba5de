package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/memory/storage/storagetest"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func openBadger(tb testing.TB, dir string, key []byte) *storage.Badger {
	tb.Helper()
	db, err := storage.OpenBadger(dir, &storage.Options{EncryptionKey: key})
	if err != nil {
		tb.Fatalf("OpenBadger: %v", err)
	}
	return db
}

func TestBadgerConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.DB {
		return openBadger(t, t.TempDir(), testKey(1))
	})
}

func TestBadgerConformanceNoEncryption(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.DB {
		return openBadger(t, t.TempDir(), nil)
	})
}

func TestOpenBadgerOptions(t *testing.T) {
	tests := []struct {
		name string
		opts *storage.Options
		ok   bool
	}{
		{"opts=nil", nil, true},
		{"opts=zero", &storage.Options{}, true},
		{"key=16bytes", &storage.Options{EncryptionKey: make([]byte, 16)}, false},
		{"cache=negative", &storage.Options{IndexCacheSize: -1, BlockCacheSize: -1}, false},
		{"vlog=tiny", &storage.Options{ValueLogFileSize: 1024}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := storage.OpenBadger(t.TempDir(), tc.opts)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err == nil {
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			} else if !errors.Is(err, storage.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

var ctx = context.Background()

func put(tb testing.TB, db storage.DB, k, v string) {
	tb.Helper()
	err := db.Update(ctx, func(tx storage.Txn) error {
		if err := tx.Set([]byte(k), []byte(v)); err != nil {
			return err
		}
		_, err := tx.AppendChange([]byte("ns"), []byte(k))
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func read(tb testing.TB, db storage.DB, k string) string {
	tb.Helper()
	var v []byte
	err := db.View(ctx, func(tx storage.Txn) error {
		var err error
		v, err = tx.Get([]byte(k))
		return err
	})
	if err != nil {
		tb.Fatalf("get %q: %v", k, err)
	}
	return string(v)
}

func TestBadgerReopen(t *testing.T) {
	dir := t.TempDir()
	db := openBadger(t, dir, testKey(1))
	put(t, db, "nsa1", "persisted")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openBadger(t, dir, testKey(1))
	defer db.Close()
	if got := read(t, db, "nsa1"); got != "persisted" {
		t.Fatalf("after reopen got %q", got)
	}
	var seq uint64
	_ = db.Update(ctx, func(tx storage.Txn) error {
		var err error
		seq, err = tx.AppendChange([]byte("ns"), []byte("second"))
		return err
	})
	if seq != 2 {
		t.Fatalf("sequence after reopen = %d, want 2", seq)
	}
}

// dirDigest hashes every file name, mode and content under dir.
func dirDigest(tb testing.TB, dir string) [32]byte {
	tb.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func TestBadgerWrongKey(t *testing.T) {
	tests := []struct {
		name      string
		create    []byte
		open      []byte
		wantWrong bool
	}{
		{"create=key1/open=key2", testKey(1), testKey(2), true},
		{"create=key1/open=none", testKey(1), nil, true},
		{"create=none/open=key1", nil, testKey(1), true},
		{"create=key1/open=key1", testKey(1), testKey(1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openBadger(t, dir, tc.create)
			put(t, db, "nsa1", "secret")
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			before := dirDigest(t, dir)
			db2, err := storage.OpenBadger(dir, &storage.Options{EncryptionKey: tc.open})
			if !tc.wantWrong {
				if err != nil {
					t.Fatalf("open with right key: %v", err)
				}
				_ = db2.Close()
				return
			}
			if !errors.Is(err, storage.ErrWrongKey) {
				t.Fatalf("err = %v, want ErrWrongKey", err)
			}
			if after := dirDigest(t, dir); after != before {
				t.Fatal("opening with a wrong key modified the directory")
			}
			db = openBadger(t, dir, tc.create)
			defer db.Close()
			if got := read(t, db, "nsa1"); got != "secret" {
				t.Fatalf("after failed open got %q", got)
			}
		})
	}
}

func TestBadgerBackupRestore(t *testing.T) {
	db := openBadger(t, t.TempDir(), testKey(1))
	defer db.Close()
	for i, k := range []string{"nsa1", "nsa2", "nsb1"} {
		put(t, db, k, "value"+string(rune('0'+i)))
	}
	if err := db.Update(ctx, func(tx storage.Txn) error { return tx.Delete([]byte("nsa2")) }); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := db.Backup(&buf); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	put(t, db, "nsc1", "after backup")

	dir := filepath.Join(t.TempDir(), "restored")
	if err := storage.RestoreBadger(dir, bytes.NewReader(buf.Bytes()), &storage.Options{EncryptionKey: testKey(2)}); err != nil {
		t.Fatalf("RestoreBadger: %v", err)
	}
	if err := storage.RestoreBadger(dir, bytes.NewReader(buf.Bytes()), nil); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("restore into non-empty dir: err = %v, want ErrInvalid", err)
	}
	rdb := openBadger(t, dir, testKey(2))
	defer rdb.Close()
	if got := read(t, rdb, "nsa1"); got != "value0" {
		t.Fatalf("restored nsa1 = %q", got)
	}
	if got := read(t, rdb, "nsb1"); got != "value2" {
		t.Fatalf("restored nsb1 = %q", got)
	}
	for _, k := range []string{"nsa2", "nsc1"} {
		err := rdb.View(ctx, func(tx storage.Txn) error { _, err := tx.Get([]byte(k)); return err })
		if !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("restored %s: err = %v, want ErrNotFound", k, err)
		}
	}
	var seqs []uint64
	err := rdb.ChangesSince(ctx, []byte("ns"), 0, 0, func(seq uint64, _ []byte) error {
		seqs = append(seqs, seq)
		return nil
	})
	if err != nil || len(seqs) != 3 || seqs[2] != 3 {
		t.Fatalf("restored change log = %v, %v", seqs, err)
	}
}

func TestBadgerSize(t *testing.T) {
	dir := t.TempDir()
	db := openBadger(t, dir, testKey(1))
	put(t, db, "nsa1", string(bytes.Repeat([]byte("x"), 64<<10)))
	lsm, vlog := db.Size()
	if lsm < 0 || vlog <= 0 {
		t.Fatalf("Size = %d, %d; want vlog > 0 after a 64 KiB value", lsm, vlog)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestDeletePrefixEmpty(t *testing.T) {
	db := openBadger(t, t.TempDir(), nil)
	defer db.Close()
	if err := db.DeletePrefix(ctx, nil); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}
