package memory

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/recall"
)

// Options configure a Store. Nil options are invalid only because the master
// key is required; every other zero field means its documented default.
type Options struct {
	// MasterKey wraps every namespace data key. Required.
	MasterKey seal.MasterKey
	// Embedder turns text into vectors. Nil means the built-in offline
	// embedder (recall/embed.Static).
	Embedder recall.Embedder
	// SyncWrites makes every acknowledged write durable before it returns.
	// Nil means true.
	SyncWrites *bool
	// MaxOpenNamespaces bounds how many namespace engines (with their
	// vector and text indexes) stay open; idle ones are closed. Zero means 256.
	MaxOpenNamespaces int
	// MaxContentBytes bounds one memory's content. Zero means 100,000.
	MaxContentBytes int
	// MaxBatch bounds the items of one batch request. Zero means 1,000.
	MaxBatch int
	// SweepInterval is how often the background sweep flushes recorded
	// accesses, ends idle sessions and expires memories. Zero means 1s for
	// access flushes; expiry runs every 60 sweeps.
	SweepInterval time.Duration
	// Logger receives operational logs, never content. Nil discards.
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time

	// afterCommit, when set (tests only), runs after a write transaction
	// commits and before the derived indexes are updated.
	afterCommit func()
	// failWrites, when set (tests only), is called before every write
	// transaction; its error is returned instead of writing (keyring_dir.go).
	failWrites func() error
}

func (o *Options) withDefaults() (Options, error) {
	var out Options
	if o != nil {
		out = *o
	}
	var errs []error
	if out.MasterKey == (seal.MasterKey{}) {
		errs = append(errs, errors.New("memory: options: MasterKey is required"))
	}
	if out.SyncWrites == nil {
		t := true
		out.SyncWrites = &t
	}
	if out.MaxOpenNamespaces == 0 {
		out.MaxOpenNamespaces = 256
	}
	if out.MaxContentBytes == 0 {
		out.MaxContentBytes = 100_000
	}
	if out.MaxBatch == 0 {
		out.MaxBatch = 1000
	}
	if out.SweepInterval == 0 {
		out.SweepInterval = time.Second
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	for name, v := range map[string]int{"MaxOpenNamespaces": out.MaxOpenNamespaces, "MaxContentBytes": out.MaxContentBytes, "MaxBatch": out.MaxBatch} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("memory: options: %s must not be negative", name))
		}
	}
	return out, errors.Join(errs...)
}
