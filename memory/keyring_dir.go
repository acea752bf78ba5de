package memory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"github.com/engramhq/engram/memory/storage"
)

// lockFile is the data directory's lock: the server (every Store.Open) and
// `engram rekey` hold an exclusive flock on it, so they never run at once on
// one directory. Badger keeps its own directory lock under db/ as well.
const lockFile = "LOCK"

// lockDir takes the exclusive, non-blocking lock of dir; ErrLocked if
// another process (or another Store in this one) holds it. The lock is
// released by closing the returned file (or by the process ending).
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("memory: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
		}
		return nil, fmt.Errorf("memory: lock data directory: %w", err)
	}
	return f, nil
}

// guardedDB is the Store's database: Badger plus a record of write health.
// A write that fails for lack of space marks the store degraded: reads keep
// working, Ready reports ErrUnavailable, and the first write (or Ready
// probe) that succeeds again clears the mark, without a restart.
type guardedDB struct {
	*storage.Badger
	// failWrites, when set (tests only), is called before every Update and
	// DeletePrefix; a non-nil error is returned instead of writing.
	failWrites func() error
	degraded   atomic.Bool
}

// Update runs fn in a write transaction (see storage.Badger.Update).
func (g *guardedDB) Update(ctx context.Context, fn func(storage.Txn) error) error {
	if g.failWrites != nil {
		if err := g.failWrites(); err != nil {
			g.note(err)
			return err
		}
	}
	err := g.Badger.Update(ctx, fn)
	g.note(err)
	return err
}

// DeletePrefix removes every key under prefix (see storage.Badger).
func (g *guardedDB) DeletePrefix(ctx context.Context, prefix []byte) error {
	if g.failWrites != nil {
		if err := g.failWrites(); err != nil {
			g.note(err)
			return err
		}
	}
	err := g.Badger.DeletePrefix(ctx, prefix)
	g.note(err)
	return err
}

func (g *guardedDB) note(err error) {
	switch {
	case err == nil:
		g.degraded.Store(false)
	case errors.Is(err, storage.ErrNoSpace):
		g.degraded.Store(true)
	}
}

// probeKey is the system row Ready reads, and writes while degraded.
var probeKey = sysKey('F', []byte("probe"))

// ready reads the probe row and, while writes are failing, tries one small
// write so that recovery is noticed without a restart.
func (g *guardedDB) ready(ctx context.Context) error {
	err := g.View(ctx, func(tx storage.Txn) error {
		_, err := tx.Get(probeKey)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return storageErr(err)
	}
	if !g.degraded.Load() {
		return nil
	}
	err = g.Update(ctx, func(tx storage.Txn) error { return tx.Delete(probeKey) })
	if err != nil {
		return fmt.Errorf("%w: writes failing: %v", ErrUnavailable, err)
	}
	return nil
}
