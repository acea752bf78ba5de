package httpapi

import (
	"errors"
	"net"
	"net/http"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

// Failed authentication. A client address that keeps presenting invalid or
// expired keys is throttled: each such failure takes a token from the
// address's bucket (Options.AuthFailureLimit, default 10/s with a burst of
// 100, in the same limiter as the key limits, so several servers sharing
// Redis share it too). Once the bucket is empty the address is answered
// 429 RATE_LIMIT_EXCEEDED with Retry-After for every request, before any
// key is checked, until the bucket would admit a request again; a valid
// key from that address waits too, since the address is what is
// throttled. The address is the TCP peer: X-Forwarded-For is not trusted.
// Requests with no credentials at all are not counted (they cost no key
// check).

// defaultAuthFailureLimit is the bucket of failed authentications per
// client address.
var defaultAuthFailureLimit = auth.Limit{Rate: 10, Burst: 100}

// maxBlockedAddrs bounds the addresses remembered as blocked; the least
// recently blocked are forgotten first (their bucket still throttles them
// at their next failure).
const maxBlockedAddrs = 10_000

type authGuard struct {
	limit   auth.Limit
	blocked *lru.Cache[string, time.Time] // address -> blocked until
}

func newAuthGuard(limit auth.Limit) *authGuard {
	if limit.Rate == 0 {
		limit = defaultAuthFailureLimit
	}
	c, _ := lru.New[string, time.Time](maxBlockedAddrs) // only fails for a size <= 0
	return &authGuard{limit: limit, blocked: c}
}

// peerAddr is the client's IP address as the TCP connection shows it.
func peerAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// tooManyFailures answers 429 when addr is blocked.
func (s *Server) tooManyFailures(addr string) error {
	until, ok := s.authGuard.blocked.Get(addr)
	if !ok {
		return nil
	}
	wait := time.Until(until)
	if wait <= 0 {
		s.authGuard.blocked.Remove(addr)
		return nil
	}
	return s.rateLimited("too many failed authentications from this address", wait)
}

// authFailed counts a failed authentication of addr; it returns the 429 to
// answer instead of err once the address's bucket is empty.
func (s *Server) authFailed(c echo.Context, addr string, err error) error {
	if !errors.Is(err, auth.ErrInvalidKey) && !errors.Is(err, auth.ErrKeyExpired) {
		return err
	}
	res, lerr := s.limiter.Allow(c.Request().Context(), "authfail:"+addr, s.authGuard.limit, 1)
	if lerr != nil || res.Allowed {
		return err // a limiter outage fails open, as for the key limits
	}
	s.authGuard.blocked.Add(addr, time.Now().Add(res.RetryAfter))
	s.log.Warn("client blocked after failed authentications", "request_id", requestID(c), "addr", addr)
	return s.tooManyFailures(addr)
}
