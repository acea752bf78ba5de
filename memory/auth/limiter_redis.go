package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// RedisLimiter keeps token buckets in Redis with redis_rate's GCRA script,
// so that every node of a cluster shares them. Redis' own clock (TIME)
// drives the buckets; ResetAt is computed on the local clock.
type RedisLimiter struct {
	lim *redis_rate.Limiter
}

var _ Limiter = (*RedisLimiter)(nil)

// redisKeyPrefix namespaces Engram's buckets; redis_rate adds "rate:".
const redisKeyPrefix = "engram:"

// NewRedisLimiter returns a limiter over client (a *redis.Client,
// *redis.ClusterClient or other UniversalClient). The caller owns client.
func NewRedisLimiter(client redis.UniversalClient) *RedisLimiter {
	return &RedisLimiter{lim: redis_rate.NewLimiter(client)}
}

// Allow implements Limiter. A Redis failure is returned as an error; the
// caller decides whether to fail open or closed.
func (l *RedisLimiter) Allow(ctx context.Context, bucket string, limit Limit, cost int) (Result, error) {
	if err := limit.validate(cost); err != nil {
		return Result{}, err
	}
	// GCRA's emission interval is Period/Rate: Rate 1 per 1/rate seconds
	// expresses a fractional tokens-per-second rate exactly.
	rl := redis_rate.Limit{Rate: 1, Burst: limit.Burst, Period: time.Duration(float64(time.Second) / limit.Rate)}
	if rl.Period <= 0 {
		return Result{}, invalid("limit", "rate too high")
	}
	r, err := l.lim.AllowN(ctx, redisKeyPrefix+bucket, rl, cost)
	if err != nil {
		return Result{}, fmt.Errorf("auth: redis rate limit: %w", err)
	}
	res := Result{
		Allowed:   r.Allowed > 0,
		Limit:     limit.Burst,
		Remaining: max(0, r.Remaining),
		ResetAt:   time.Now().Add(max(0, r.ResetAfter)),
	}
	if !res.Allowed {
		res.RetryAfter = max(r.RetryAfter, time.Nanosecond)
	}
	return res, nil
}
