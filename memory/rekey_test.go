package memory

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestRekey(t *testing.T) {
	ctx := context.Background()
	oldKey, newKey := testKey(t, 0x11), testKey(t, 0x22)
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	ids := populate(t, s, 5)
	pepper := s.Pepper()
	s.Close()
	if err := Rekey(ctx, dir, oldKey, newKey, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, &Options{MasterKey: oldKey}); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("old key after rekey: %v, want ErrWrongMasterKey", err)
	}
	s = openTest(t, dir, &Options{MasterKey: newKey})
	defer s.Close()
	checkReadable(t, s, ids)
	if !bytes.Equal(s.Pepper(), pepper) {
		t.Fatal("rekey changed the API-key pepper")
	}
	if s.ring.prev != nil {
		t.Fatal("keyring still holds the previous key")
	}
}

// TestRekeyCrash stops a rekey after each durable step, as a crash would,
// and checks the directory opens with exactly one of the two keys, that
// opening it with the new key finishes the rekey, and that everything is
// readable.
func TestRekeyCrash(t *testing.T) {
	ctx := context.Background()
	oldKey, newKey := testKey(t, 0x11), testKey(t, 0x22)
	for _, step := range []string{"keyring", "fingerprint", "deks"} {
		t.Run("crash_after="+step, func(t *testing.T) {
			dir := t.TempDir()
			s := openTest(t, dir, nil)
			ids := populate(t, s, 3)
			s.Close()
			crash := errors.New("injected crash")
			rekeyFault = func(at string) error {
				if at == step {
					return crash
				}
				return nil
			}
			err := Rekey(ctx, dir, oldKey, newKey, nil)
			rekeyFault = nil
			if !errors.Is(err, crash) {
				t.Fatalf("rekey: %v, want the injected crash", err)
			}
			if _, err := Open(dir, &Options{MasterKey: oldKey}); !errors.Is(err, ErrWrongMasterKey) {
				t.Fatalf("old key after crash at %s: %v, want ErrWrongMasterKey", step, err)
			}
			s = openTest(t, dir, &Options{MasterKey: newKey})
			checkReadable(t, s, ids)
			s.Close()
			kr, err := readKeyring(dir, newKey)
			if err != nil || kr.prev != nil {
				t.Fatalf("after reopen the rekey is not finished: %v", err)
			}
			// Running the rekey again is harmless.
			if err := Rekey(ctx, dir, oldKey, newKey, nil); err != nil {
				t.Fatalf("rekey rerun: %v", err)
			}
		})
	}
	t.Run("crash_after=keyring/rerun", func(t *testing.T) {
		dir := t.TempDir()
		s := openTest(t, dir, nil)
		ids := populate(t, s, 2)
		s.Close()
		rekeyFault = func(at string) error {
			if at == "keyring" {
				return errors.New("injected crash")
			}
			return nil
		}
		_ = Rekey(ctx, dir, oldKey, newKey, nil)
		rekeyFault = nil
		if err := Rekey(ctx, dir, oldKey, newKey, nil); err != nil {
			t.Fatalf("resumed rekey: %v", err)
		}
		s = openTest(t, dir, &Options{MasterKey: newKey})
		defer s.Close()
		checkReadable(t, s, ids)
	})
}
