package auth

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LocalOptions configure NewLocalLimiter. The zero value is valid.
type LocalOptions struct {
	// MaxBuckets bounds the number of buckets held in memory. Zero means
	// 100,000. When full, full buckets (indistinguishable from new ones)
	// and buckets idle for IdleAfter are dropped first, then arbitrary
	// ones, which can only make the limiter more lenient.
	MaxBuckets int
	// IdleAfter is how long a bucket may go unused before it may be
	// dropped. Zero means 10 minutes.
	IdleAfter time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// LocalLimiter keeps one golang.org/x/time/rate token bucket per bucket
// name in process memory. It is safe for concurrent use and starts no
// goroutines: eviction happens on insertion when the map is full.
type LocalLimiter struct {
	maxBuckets int
	idleAfter  time.Duration
	now        func() time.Time

	mu      sync.Mutex
	buckets map[string]*localBucket
}

type localBucket struct {
	lim  *rate.Limiter
	last time.Time // guarded by LocalLimiter.mu
}

var _ Limiter = (*LocalLimiter)(nil)

// NewLocalLimiter returns an in-memory limiter. opts may be nil.
func NewLocalLimiter(opts *LocalOptions) *LocalLimiter {
	var o LocalOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxBuckets <= 0 {
		o.MaxBuckets = 100_000
	}
	if o.IdleAfter <= 0 {
		o.IdleAfter = 10 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &LocalLimiter{maxBuckets: o.MaxBuckets, idleAfter: o.IdleAfter, now: o.Now,
		buckets: make(map[string]*localBucket)}
}

// Allow implements Limiter.
func (l *LocalLimiter) Allow(ctx context.Context, bucket string, limit Limit, cost int) (Result, error) {
	if err := limit.validate(cost); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	now := l.now()
	lim := l.bucket(bucket, limit, now)
	if lim.Limit() != rate.Limit(limit.Rate) {
		lim.SetLimitAt(now, rate.Limit(limit.Rate))
	}
	if lim.Burst() != limit.Burst {
		lim.SetBurstAt(now, limit.Burst)
	}
	res := Result{Limit: limit.Burst}
	res.Allowed = lim.AllowN(now, cost)
	tokens := lim.TokensAt(now)
	if !res.Allowed {
		res.RetryAfter = max(durationFor(float64(cost)-tokens, limit.Rate), time.Nanosecond)
	}
	res.Remaining = max(0, int(math.Floor(tokens)))
	res.ResetAt = now.Add(durationFor(float64(limit.Burst)-tokens, limit.Rate))
	return res, nil
}

// Len returns the number of buckets held.
func (l *LocalLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func (l *LocalLimiter) bucket(name string, limit Limit, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[name]
	if !ok {
		if len(l.buckets) >= l.maxBuckets {
			l.evictLocked(now)
		}
		b = &localBucket{lim: rate.NewLimiter(rate.Limit(limit.Rate), limit.Burst)}
		l.buckets[name] = b
	}
	b.last = now
	return b.lim
}

// evictLocked drops full and idle buckets; if that frees less than a tenth
// of the map, it drops arbitrary buckets until it has.
func (l *LocalLimiter) evictLocked(now time.Time) {
	for name, b := range l.buckets {
		if now.Sub(b.last) >= l.idleAfter || b.lim.TokensAt(now) >= float64(b.lim.Burst()) {
			delete(l.buckets, name)
		}
	}
	target := l.maxBuckets - max(1, l.maxBuckets/10)
	for name := range l.buckets {
		if len(l.buckets) <= target {
			break
		}
		delete(l.buckets, name)
	}
}
