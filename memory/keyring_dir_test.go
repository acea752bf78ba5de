package memory

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/engramhq/engram/memory/storage"
)

// TestNoSpaceDegradesToReadOnly injects ENOSPC into every write: writes
// fail with ErrUnavailable, reads keep working, Ready reports the state,
// and clearing the fault recovers without a restart.
func TestNoSpaceDegradesToReadOnly(t *testing.T) {
	ctx := context.Background()
	var full atomic.Bool
	s := openTest(t, t.TempDir(), &Options{failWrites: func() error {
		if full.Load() {
			return storage.ErrNoSpace
		}
		return nil
	}})
	defer s.Close()
	ids := populate(t, s, 2)
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("ready before: %v", err)
	}
	full.Store(true)
	e, err := s.Engine(ctx, "org_test", "notes")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "disk is full"}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("store on a full disk: %v, want ErrUnavailable", err)
	}
	checkReadable(t, s, ids)
	if err := s.Ready(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("ready while full: %v, want ErrUnavailable", err)
	}
	full.Store(false)
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("ready after space came back: %v", err)
	}
	if _, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "space is back"}); err != nil {
		t.Fatalf("store after recovery: %v", err)
	}
}
