package memory

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	s := openTest(t, src, nil)
	ids := populate(t, s, 6)
	pepper := s.Pepper()
	var buf bytes.Buffer
	info, err := s.Backup(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if info.Bytes != int64(buf.Len()) || info.Bytes == 0 {
		t.Fatalf("backup info %+v for %d bytes", info, buf.Len())
	}
	s.Close()
	backup := buf.Bytes()

	t.Run("case=wrong_key", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		err := Restore(ctx, bytes.NewReader(backup), dir, testKey(t, 0x22))
		if !errors.Is(err, ErrWrongMasterKey) {
			t.Fatalf("restore with a wrong key: %v", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a refused restore created the directory: %v", err)
		}
	})
	t.Run("case=truncated", func(t *testing.T) {
		dir := t.TempDir()
		err := Restore(ctx, bytes.NewReader(backup[:len(backup)-40]), dir, testKey(t, 0x11))
		if !errors.Is(err, ErrInvalidBackup) {
			t.Fatalf("restore of a truncated backup: %v", err)
		}
	})
	t.Run("case=not_empty", func(t *testing.T) {
		if err := Restore(ctx, bytes.NewReader(backup), src, testKey(t, 0x11)); err == nil {
			t.Fatal("restore into a non-empty directory succeeded")
		}
	})
	t.Run("case=ok", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "restored")
		if err := Restore(ctx, bytes.NewReader(backup), dir, testKey(t, 0x11)); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "text")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("restore wrote text indexes: %v", err)
		}
		r := openTest(t, dir, nil)
		defer r.Close()
		if !bytes.Equal(r.Pepper(), pepper) {
			t.Fatal("restored pepper differs")
		}
		checkReadable(t, r, ids) // bm25 recall: the text index was rebuilt
	})
}
