package httpapi

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

// usageDelta is what a handler adds to the request's usage beyond the
// request itself (counted by the access log).
type usageDelta struct {
	stores, recalls int64
}

func usageStores(n int) usageDelta  { return usageDelta{stores: int64(n)} }
func usageRecalls(n int) usageDelta { return usageDelta{recalls: int64(n)} }

const ctxUsage = "engram.usage"

// record notes a handler's usage and, for mutations (action != ""),
// appends an audit event after the response status is known.
func (s *Server) record(c echo.Context, action, target string, u usageDelta) {
	c.Set(ctxUsage, u)
	if action != "" {
		c.Set("engram.audit", [2]string{action, target})
	}
}

// recordUsage runs in the access log once the status is known.
func (s *Server) recordUsage(c echo.Context, k *auth.Key, status int, dur time.Duration) {
	u, _ := c.Get(ctxUsage).(usageDelta)
	ns, _ := c.Get(ctxNSID).(string)
	d := auth.UsageDelta{Requests: 1, Stores: u.stores, Recalls: u.recalls, Latency: dur,
		Bytes: c.Request().ContentLength + c.Response().Size, Endpoint: c.Request().Method + " " + c.Path()}
	switch {
	case status == 429:
		d.RateLimited = 1
	case status >= 400:
		d.Failed = 1
	default:
		d.Successful = 1
	}
	if u.stores > 0 {
		d.Embeddings = u.stores
	}
	if u.recalls > 0 {
		d.Embeddings += u.recalls
	}
	s.keys.RecordUsage(k.ID, ns, d)
	s.auditRequest(c, k, ns, status)
}

func (s *Server) auditRequest(c echo.Context, k *auth.Key, ns string, status int) {
	if s.audit == nil {
		return
	}
	act, ok := c.Get("engram.audit").([2]string)
	if !ok {
		return
	}
	s.appendAudit(c, k, ns, act[0], act[1], status)
}
