package auth

import (
	"context"
	"math"
	"time"
)

// Limiter admits or refuses requests against named token buckets. Bucket
// names are chosen by the caller ("key:<key id>", "ns:<namespace id>",
// "route:<name>:<key id>"); they must not carry secrets.
type Limiter interface {
	// Allow takes cost tokens from bucket under limit if it holds that
	// many, and reports the outcome. A limit change for an existing bucket
	// takes effect at once.
	Allow(ctx context.Context, bucket string, limit Limit, cost int) (Result, error)
}

// Limit is a token bucket: Rate tokens per second refill it up to Burst.
type Limit struct {
	Rate  float64
	Burst int
}

// Result is the outcome of Allow, with what X-RateLimit-* and Retry-After
// need.
type Result struct {
	Allowed bool
	// Limit is the bucket's capacity (Burst).
	Limit int
	// Remaining is the number of whole tokens left after this request.
	Remaining int
	// RetryAfter is how long until this request would be admitted; zero
	// when Allowed.
	RetryAfter time.Duration
	// ResetAt is when the bucket will be full again.
	ResetAt time.Time
}

// DefaultKeyLimit is the per-key default: 60 requests/s, burst 120.
var DefaultKeyLimit = Limit{Rate: 60, Burst: 120}

func (l Limit) validate(cost int) error {
	if math.IsNaN(l.Rate) || l.Rate <= 0 || math.IsInf(l.Rate, 0) {
		return invalid("limit", "rate must be > 0")
	}
	if l.Burst < 1 {
		return invalid("limit", "burst must be >= 1")
	}
	if cost < 1 || cost > l.Burst {
		return invalid("cost", "must be in [1, burst]")
	}
	return nil
}

// durationFor returns how long it takes to refill tokens at rate r.
func durationFor(tokens, r float64) time.Duration {
	if tokens <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(tokens / r * float64(time.Second)))
}
