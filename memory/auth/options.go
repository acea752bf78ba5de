package auth

import (
	"errors"
	"log/slog"
	"time"
)

// Options configure NewManager. Nil or zero fields mean the defaults.
type Options struct {
	// CacheSize is the number of verified keys kept in the LRU cache. Zero
	// means 10,000.
	CacheSize int
	// CacheTTL bounds how long a cached key is trusted without rereading
	// its record. Mutations through this Manager invalidate at once; the
	// TTL bounds staleness after mutations made by another process sharing
	// the storage. Zero means 1 minute; negative means no bound.
	CacheTTL time.Duration
	// IdleExpiry makes keys unused for this long stop working (ErrKeyExpired).
	// Zero turns idle expiry off.
	IdleExpiry time.Duration
	// UsageFlushInterval is how often the owned goroutine writes usage
	// counters to storage. Zero means 10 s.
	UsageFlushInterval time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives operational messages (never secrets). Nil discards.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultCacheSize          = 10_000
	DefaultCacheTTL           = time.Minute
	DefaultUsageFlushInterval = 10 * time.Second
	// MinPepperLen is the shortest pepper NewManager accepts.
	MinPepperLen = 16
	// lastUsedEvery is how often LastUsedAt is written per key, at most.
	lastUsedEvery = time.Minute
)

func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	var errs []error
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.CacheSize < 0 {
		errs = append(errs, invalid("CacheSize", "must be >= 0"))
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = DefaultCacheTTL
	}
	if c.IdleExpiry < 0 {
		errs = append(errs, invalid("IdleExpiry", "must be >= 0"))
	}
	if c.UsageFlushInterval == 0 {
		c.UsageFlushInterval = DefaultUsageFlushInterval
	}
	if c.UsageFlushInterval < 0 {
		errs = append(errs, invalid("UsageFlushInterval", "must be >= 0"))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, errors.Join(errs...)
}
