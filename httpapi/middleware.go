package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

const (
	ctxRequestID = "engram.request_id"
	ctxKey       = "engram.key"
	ctxNSID      = "engram.ns"
)

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID echoes a sane client X-Request-ID or makes one.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get("X-Request-ID")
		if !saneRequestID.MatchString(id) {
			var b [12]byte
			rand.Read(b[:])
			id = "req_" + hex.EncodeToString(b[:])
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set("X-Request-ID", id)
		return next(c)
	}
}

func requestID(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		return next(c)
	}
}

func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// accessLog logs one line per request: route, status, duration, request id,
// key id and namespace id; never bodies or query strings.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		s.captureForWebhooks(c)
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		dur := time.Since(start)
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(c, route, status, dur)
		keyID := ""
		if k := keyOf(c); k != nil {
			keyID = k.ID
			s.recordUsage(c, k, status, dur)
		}
		s.log.Info("request", "request_id", requestID(c), "method", c.Request().Method, "op", route,
			"status", status, "dur", dur, "key_id", keyID, "ns", c.Get(ctxNSID))
		return nil
	}
}

func (s *Server) bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength > s.opts.MaxBodyBytes {
			return apiErr(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
				"request body exceeds "+strconv.FormatInt(s.opts.MaxBodyBytes, 10)+" bytes")
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(c.Response(), r.Body, s.opts.MaxBodyBytes)
		}
		return next(c)
	}
}

func (s *Server) timeout(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func (s *Server) cors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		origin := c.Request().Header.Get("Origin")
		if origin != "" && slices.Contains(s.opts.CORSOrigins, origin) {
			h := c.Response().Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Vary", "Origin")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace, X-Request-ID")
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
			h.Set("Access-Control-Expose-Headers", "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After")
			if c.Request().Method == http.MethodOptions {
				return c.NoContent(http.StatusNoContent)
			}
		}
		return next(c)
	}
}

// authenticate verifies the bearer key before anything else of the route
// runs, then applies the key's rate limit.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		addr := peerAddr(c.Request())
		if err := s.tooManyFailures(addr); err != nil {
			return err
		}
		secret, err := auth.ParseBearer(c.Request().Header.Get("Authorization"))
		if err != nil {
			if q := c.QueryParam("api_key"); q != "" && isEventStream(c) {
				secret, err = q, nil
			}
		}
		if err != nil {
			return s.authFailed(c, addr, err)
		}
		key, err := s.keys.Verify(c.Request().Context(), secret)
		if err != nil {
			return s.authFailed(c, addr, err)
		}
		c.Set(ctxKey, key)
		if err := s.rateLimit(c, key); err != nil {
			return err
		}
		return next(c)
	}
}

func isEventStream(c echo.Context) bool {
	return c.Request().Header.Get("Accept") == "text/event-stream"
}

func keyOf(c echo.Context) *auth.Key {
	k, _ := c.Get(ctxKey).(*auth.Key)
	return k
}

// routeCost makes heavier routes spend more tokens.
func routeCost(c echo.Context) int {
	switch c.Path() {
	case "/v1/memories/store/batch", "/v1/memory/consolidate", "/v1/namespaces/:ns/import":
		return 5
	case "/v1/memory/recall", "/v1/memory/search", "/v1/memories/recall/batch":
		return 2
	}
	return 1
}

func (s *Server) rateLimit(c echo.Context, key *auth.Key) error {
	limit := s.opts.DefaultRateLimit
	if key.RateLimit != nil {
		limit = key.RateLimit.Limit()
	}
	return s.allow(c, "key:"+key.ID, limit)
}
