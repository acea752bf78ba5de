package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Options configure OpenBadger. The zero value (or nil) is valid: every zero
// field means the documented default.
type Options struct {
	// EncryptionKey is the 32-byte key for Badger's at-rest encryption of
	// its tables and value log. Nil turns Badger encryption off, which is
	// meant for tests only.
	EncryptionKey []byte
	// SyncWrites makes every commit fsync before returning. Nil means true.
	SyncWrites *bool
	// Logger receives Badger's warnings and errors (never its info
	// messages) and the value-log GC's failures. Nil discards them.
	Logger *slog.Logger
	// IndexCacheSize is the size in bytes of the cache of table indexes and
	// bloom filters. Zero means 16 MiB. Must be > 0 with encryption (which
	// the default ensures).
	IndexCacheSize int64
	// BlockCacheSize is the size in bytes of the cache of decrypted,
	// decompressed table blocks. Zero means 32 MiB. Must be > 0 with
	// encryption (which the default ensures).
	BlockCacheSize int64
	// ValueLogFileSize is the size in bytes of one value-log file. Zero
	// means 64 MiB; small files let the value-log GC reclaim space sooner.
	// Must be in [1 MiB, 2 GiB).
	ValueLogFileSize int64
	// GCInterval is how often the owned goroutine runs the value-log GC.
	// Zero means 5 minutes; negative disables it.
	GCInterval time.Duration
}

// Defaults for Options fields and the Badger tuning OpenBadger applies.
const (
	DefaultIndexCacheSize   = 16 << 20
	DefaultBlockCacheSize   = 32 << 20
	DefaultValueLogFileSize = 64 << 20
	DefaultGCInterval       = 5 * time.Minute

	memTableSize   = 16 << 20 // Badger default 64 MiB
	numMemtables   = 2        // Badger default 5
	valueThreshold = 8 << 10  // values larger than 8 KiB go to the value log
)

// withDefaults returns a copy of o (nil allowed) with defaults filled in,
// or every validation problem joined.
func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if c.EncryptionKey != nil {
		c.EncryptionKey = append([]byte(nil), c.EncryptionKey...)
	}
	if c.SyncWrites == nil {
		t := true
		c.SyncWrites = &t
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.IndexCacheSize == 0 {
		c.IndexCacheSize = DefaultIndexCacheSize
	}
	if c.BlockCacheSize == 0 {
		c.BlockCacheSize = DefaultBlockCacheSize
	}
	if c.ValueLogFileSize == 0 {
		c.ValueLogFileSize = DefaultValueLogFileSize
	}
	if c.GCInterval == 0 {
		c.GCInterval = DefaultGCInterval
	}
	var errs []error
	if c.EncryptionKey != nil && len(c.EncryptionKey) != 32 {
		errs = append(errs, fmt.Errorf("%w: EncryptionKey is %d bytes, want 32", ErrInvalid, len(c.EncryptionKey)))
	}
	if c.IndexCacheSize < 0 {
		errs = append(errs, fmt.Errorf("%w: IndexCacheSize %d < 0", ErrInvalid, c.IndexCacheSize))
	}
	if c.BlockCacheSize < 0 {
		errs = append(errs, fmt.Errorf("%w: BlockCacheSize %d < 0", ErrInvalid, c.BlockCacheSize))
	}
	if c.ValueLogFileSize < 1<<20 || c.ValueLogFileSize >= 2<<30 {
		errs = append(errs, fmt.Errorf("%w: ValueLogFileSize %d not in [1 MiB, 2 GiB)", ErrInvalid, c.ValueLogFileSize))
	}
	return c, errors.Join(errs...)
}
