package storage

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// maxAttempts bounds how often Update runs fn when commits conflict;
// attempts from escalateAfter on run exclusively of other Update calls.
const (
	maxAttempts   = 10
	escalateAfter = 3
)

// Badger is the DB implementation on one Badger v4 database shared by every
// namespace. It is safe for concurrent use.
type Badger struct {
	db   *badger.DB
	opts Options
	dir  string

	// mu guards closed; inflight counts operations admitted before Close.
	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup

	// writers is held shared by every Update attempt, and exclusively by
	// DeletePrefix and by an attempt that already conflicted escalateAfter
	// times, so that one cannot conflict again: no other Update
	// transaction overlaps it.
	writers sync.RWMutex

	stopGC chan struct{}
	gcDone chan struct{}
}

var _ DB = (*Badger)(nil)

// OpenBadger opens (creating if needed) the Badger database in dir. nil opts
// are valid. A wrong EncryptionKey for an existing database returns
// ErrWrongKey before anything on disk is touched.
func OpenBadger(dir string, opts *Options) (*Badger, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	if err := checkKeyRegistry(dir, o.EncryptionKey); err != nil {
		return nil, err
	}
	bo := badgerOptions(dir, o)
	db, err := badger.Open(bo)
	if err != nil {
		if errors.Is(err, badger.ErrEncryptionKeyMismatch) {
			return nil, fmt.Errorf("%w: %s", ErrWrongKey, dir)
		}
		return nil, fmt.Errorf("storage: open badger %s: %w", dir, translate(err))
	}
	b := &Badger{db: db, opts: o, dir: dir, stopGC: make(chan struct{}), gcDone: make(chan struct{})}
	go b.gcLoop()
	return b, nil
}

func badgerOptions(dir string, o Options) badger.Options {
	bo := badger.DefaultOptions(dir).
		WithLogger(slogAdapter{o.Logger}).
		WithSyncWrites(*o.SyncWrites).
		WithMetricsEnabled(false).
		WithMemTableSize(memTableSize).
		WithNumMemtables(numMemtables).
		WithNumLevelZeroTables(3).
		WithNumLevelZeroTablesStall(8).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithValueThreshold(valueThreshold).
		WithValueLogFileSize(o.ValueLogFileSize).
		WithIndexCacheSize(o.IndexCacheSize).
		WithBlockCacheSize(o.BlockCacheSize).
		WithNumVersionsToKeep(1).
		WithDetectConflicts(true)
	if o.EncryptionKey != nil {
		bo = bo.WithEncryptionKey(o.EncryptionKey)
	}
	return bo
}

// sanityText is what Badger encrypts at the start of its KEYREGISTRY file to
// check the key on open (key_registry.go in Badger v4).
var sanityText = []byte("Hello Badger")

// checkKeyRegistry verifies key against an existing database's key registry
// with reads only, so that a wrong key never lets Badger open (and possibly
// rewrite) the manifest. A missing registry means a new database.
func checkKeyRegistry(dir string, key []byte) error {
	f, err := os.Open(filepath.Join(dir, badger.KeyRegistryFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: open key registry: %w", err)
	}
	defer f.Close()
	buf := make([]byte, aes.BlockSize+len(sanityText))
	if _, err := io.ReadFull(f, buf); err != nil {
		return fmt.Errorf("storage: read key registry: %w", err)
	}
	iv, text := buf[:aes.BlockSize], buf[aes.BlockSize:]
	if len(key) > 0 {
		block, err := aes.NewCipher(key)
		if err != nil {
			return fmt.Errorf("storage: key registry: %w", err)
		}
		cipher.NewCTR(block, iv).XORKeyStream(text, text)
	}
	if !bytes.Equal(text, sanityText) {
		return fmt.Errorf("%w: %s", ErrWrongKey, dir)
	}
	return nil
}

// acquire admits one operation unless the DB is closed; release with done.
func (b *Badger) acquire() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	b.inflight.Add(1)
	return nil
}

func (b *Badger) done() { b.inflight.Done() }

// View runs fn in a read-only transaction.
func (b *Badger) View(ctx context.Context, fn func(Txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.acquire(); err != nil {
		return err
	}
	defer b.done()
	txn := b.db.NewTransaction(false)
	defer txn.Discard()
	return fn(&badgerTxn{txn: txn})
}

// Update runs fn in a read-write transaction and commits it if fn returns
// nil. Commits that conflict with a concurrent transaction (or that meet
// writes blocked by a running DeletePrefix) are retried with a short jittered
// backoff, running fn again, up to 10 attempts in all. Attempts are
// optimistic at first; after 3 conflicts fn runs with every other Update
// held off, so a hot key cannot starve a writer. fn's own errors are
// returned as they are, without retry. fn must not call Update on the same
// DB (that would be a separate transaction, and may deadlock).
func (b *Badger) Update(ctx context.Context, fn func(Txn) error) error {
	if err := b.acquire(); err != nil {
		return err
	}
	defer b.done()
	var err error
	for attempt := range maxAttempts {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		var retry bool
		retry, err = b.updateOnce(fn, attempt >= escalateAfter)
		if !retry {
			return err
		}
		if attempt+1 < maxAttempts {
			if werr := backoff(ctx, attempt); werr != nil {
				return werr
			}
		}
	}
	return err
}

// updateOnce runs fn once; retry reports a commit failure worth retrying.
func (b *Badger) updateOnce(fn func(Txn) error, exclusive bool) (retry bool, err error) {
	if exclusive {
		b.writers.Lock()
		defer b.writers.Unlock()
	} else {
		b.writers.RLock()
		defer b.writers.RUnlock()
	}
	txn := b.db.NewTransaction(true)
	defer txn.Discard()
	if err := fn(&badgerTxn{txn: txn}); err != nil {
		return false, err
	}
	err = txn.Commit()
	if err == nil {
		return false, nil
	}
	retry = errors.Is(err, badger.ErrConflict) || errors.Is(err, badger.ErrBlockedWrites) && !b.db.IsClosed()
	return retry, translate(err)
}

// backoff sleeps a jittered, growing delay (about 50 µs doubling up to 10 ms)
// or until ctx is done.
func backoff(ctx context.Context, attempt int) error {
	d := 50 * time.Microsecond << min(attempt, 8)
	d = min(d, 10*time.Millisecond)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DeletePrefix removes every key with prefix using Badger's DropPrefix,
// which blocks all writes while it flushes and compacts. It therefore holds
// off Update calls (they wait, they do not fail) until it is done; it must
// not be called from inside an Update's fn. An empty prefix is refused.
func (b *Badger) DeletePrefix(ctx context.Context, prefix []byte) error {
	if len(prefix) == 0 {
		return fmt.Errorf("%w: DeletePrefix with an empty prefix", ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.acquire(); err != nil {
		return err
	}
	defer b.done()
	b.writers.Lock()
	defer b.writers.Unlock()
	if err := b.db.DropPrefix(prefix); err != nil {
		return fmt.Errorf("storage: drop prefix: %w", translate(err))
	}
	return nil
}

// Close stops the value-log GC, waits for admitted operations, and closes
// Badger. Later calls return ErrClosed.
func (b *Badger) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stopGC)
	<-b.gcDone
	b.inflight.Wait()
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("storage: close: %w", translate(err))
	}
	return nil
}

// Size returns the bytes on disk of the LSM tables (*.sst) and the value log
// (*.vlog), measured from the directory.
func (b *Badger) Size() (lsm, vlog int64) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return 0, 0
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		switch {
		case strings.HasSuffix(e.Name(), ".sst"):
			lsm += info.Size()
		case strings.HasSuffix(e.Name(), ".vlog"):
			vlog += info.Size()
		}
	}
	return lsm, vlog
}

// gcLoop runs the value-log GC every GCInterval until Close.
func (b *Badger) gcLoop() {
	defer close(b.gcDone)
	if b.opts.GCInterval < 0 {
		<-b.stopGC
		return
	}
	t := time.NewTicker(b.opts.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-b.stopGC:
			return
		case <-t.C:
			b.runGC()
		}
	}
}

// runGC rewrites value-log files while at least half of one is garbage.
func (b *Badger) runGC() {
	for range 16 {
		select {
		case <-b.stopGC:
			return
		default:
		}
		err := b.db.RunValueLogGC(0.5)
		if err == nil {
			continue
		}
		if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
			b.opts.Logger.Warn("value log gc failed", "op", "vlog_gc", "err", err)
		}
		return
	}
}

// translate maps Badger and OS errors to this package's sentinels, keeping
// the original in the chain.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, badger.ErrKeyNotFound):
		return ErrNotFound
	case errors.Is(err, badger.ErrConflict):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case errors.Is(err, badger.ErrTxnTooBig):
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	case errors.Is(err, badger.ErrDBClosed), errors.Is(err, badger.ErrBlockedWrites):
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}

// slogAdapter routes Badger's logger to slog: errors at error level,
// warnings at warn level; Infof and Debugf (Badger's chatty replay and
// compaction messages) are dropped.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Errorf(f string, v ...any) {
	a.l.Error(strings.TrimSpace(fmt.Sprintf(f, v...)), "op", "badger")
}

func (a slogAdapter) Warningf(f string, v ...any) {
	a.l.Warn(strings.TrimSpace(fmt.Sprintf(f, v...)), "op", "badger")
}

func (slogAdapter) Infof(string, ...any)  {}
func (slogAdapter) Debugf(string, ...any) {}
