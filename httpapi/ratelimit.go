package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

// namespaceRateLimit enforces the namespace's memory policy limits
// (rate_limit_stores_per_minute, rate_limit_recalls_per_minute) on the
// store and recall routes, in buckets shared by every key. Zero means no
// limit. It answers like the per-key limit: 429, Retry-After, X-RateLimit-*.
func (s *Server) namespaceRateLimit(c echo.Context, org, name string) error {
	kind := ""
	switch c.Path() {
	case "/v1/memory/store", "/v1/memories/store/batch":
		kind = "store"
	case "/v1/memory/recall", "/v1/memory/search", "/v1/memories/recall/batch":
		kind = "recall"
	default:
		return nil
	}
	p, err := s.store.Policy(org, name)
	if err != nil {
		return nil // the namespace is new or gone: nothing to enforce
	}
	perMinute := p.RateLimitStoresPerMinute
	if kind == "recall" {
		perMinute = p.RateLimitRecallsPerMinute
	}
	if perMinute <= 0 {
		return nil
	}
	limit := auth.Limit{Rate: float64(perMinute) / 60, Burst: perMinute}
	return s.allow(c, "ns:"+org+"/"+name+":"+kind, limit)
}

// allow takes one request's tokens from bucket, sets X-RateLimit-* from it
// and answers 429 when it is empty. A limiter outage fails open.
func (s *Server) allow(c echo.Context, bucket string, limit auth.Limit) error {
	cost := min(routeCost(c), limit.Burst)
	res, err := s.limiter.Allow(c.Request().Context(), bucket, limit, cost)
	if err != nil {
		s.log.Warn("rate limiter unavailable", "request_id", requestID(c), "err", err)
		return nil
	}
	h := c.Response().Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(res.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, res.Remaining)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(res.ResetAt.Unix(), 10))
	if !res.Allowed {
		return s.rateLimited("rate limit exceeded", res.RetryAfter)
	}
	return nil
}

// rateLimited counts a refused request and returns its 429 with
// Retry-After: wait rounded up to whole seconds, at least 1.
func (s *Server) rateLimited(msg string, wait time.Duration) error {
	s.metrics.rateLimited.Add(1)
	e := apiErr(http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", msg)
	e.retryAfter = max(1, int((wait+time.Second-1)/time.Second))
	return e
}
