package httpapi

import (
	"net/http"
	"strings"
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

const (
	ctxUsage = "engram.usage"
	ctxAudit = "engram.audit"
)

// record notes a handler's usage and, for mutations (action != ""), the
// audit action and target; the access log appends the audit event once
// the response status is known.
func (s *Server) record(c echo.Context, action, target string, u usageDelta) {
	c.Set(ctxUsage, u)
	if action != "" {
		c.Set(ctxAudit, [2]string{action, target})
	}
}

// usageNS is the name usage counters of a namespace are kept under:
// namespace names are unique only within an organization.
func usageNS(org, name string) string {
	if name == "" {
		return ""
	}
	return org + "/" + name
}

// recordUsage runs in the access log once the status is known.
func (s *Server) recordUsage(c echo.Context, k *auth.Key, status int, dur time.Duration) {
	u, _ := c.Get(ctxUsage).(usageDelta)
	ns, _ := c.Get(ctxNSID).(string)
	d := auth.UsageDelta{Requests: 1, Stores: u.stores, Recalls: u.recalls, Latency: dur,
		Bytes: max(0, c.Request().ContentLength) + c.Response().Size, Endpoint: c.Request().Method + " " + c.Path()}
	switch {
	case status == http.StatusTooManyRequests:
		d.RateLimited = 1
	case status >= 400:
		d.Failed = 1
	default:
		d.Successful = 1
	}
	d.Embeddings = u.stores + u.recalls
	s.keys.RecordUsage(k.ID, usageNS(k.OrganizationID, ns), d)
	s.auditRequest(c, k, ns, status)
	s.emitEvent(c, k, ns, status)
}

// usageJSON is a set of usage counters on the wire.
type usageJSON struct {
	Requests     int64   `json:"requests"`
	Successful   int64   `json:"successful"`
	Failed       int64   `json:"failed"`
	RateLimited  int64   `json:"rate_limited"`
	Stores       int64   `json:"stores"`
	Recalls      int64   `json:"recalls"`
	Bytes        int64   `json:"bytes"`
	Embeddings   int64   `json:"embeddings"`
	AvgLatencyMS float64 `json:"avg_latency_ms"`
}

func toUsageJSON(u auth.Usage) usageJSON {
	return usageJSON{Requests: u.Requests, Successful: u.Successful, Failed: u.Failed, RateLimited: u.RateLimited,
		Stores: u.Stores, Recalls: u.Recalls, Bytes: u.Bytes, Embeddings: u.Embeddings,
		AvgLatencyMS: float64(u.AvgLatency().Microseconds()) / 1000}
}

// keyUsage answers GET /admin/keys/{id}/usage.
func (s *Server) keyUsage(c echo.Context) error {
	k, err := s.managedKey(c)
	if err != nil {
		return err
	}
	from, to, err := usageRange(c)
	if err != nil {
		return err
	}
	u, err := s.keys.KeyUsage(c.Request().Context(), k.ID, from, to)
	if err != nil {
		return err
	}
	byEndpoint := map[string]int64{}
	for ep, v := range u.ByEndpoint {
		byEndpoint[ep] = v.Requests
	}
	byNS := map[string]int64{}
	for ns, v := range u.ByNamespace {
		byNS[stripOrg(ns)] = v.Requests
	}
	return c.JSON(http.StatusOK, map[string]any{
		"key_id": k.ID, "total_requests": u.Total.Requests, "successful_requests": u.Total.Successful,
		"failed_requests": u.Total.Failed, "rate_limited_requests": u.Total.RateLimited,
		"bytes_transferred": u.Total.Bytes, "avg_latency_ms": float64(u.Total.AvgLatency().Microseconds()) / 1000,
		"stores": u.Total.Stores, "recalls": u.Total.Recalls, "embeddings": u.Total.Embeddings,
		"by_endpoint": byEndpoint, "by_namespace": byNS,
	})
}

func stripOrg(ns string) string {
	if _, name, ok := strings.Cut(ns, "/"); ok {
		return name
	}
	return ns
}

func usageRange(c echo.Context) (from, to time.Time, err error) {
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := c.QueryParam(p.name); v != "" {
			t, perr := parseTime(v)
			if perr != nil {
				return from, to, badRequest(p.name, "must be an ISO-8601 timestamp or Unix seconds")
			}
			*p.t = t
		}
	}
	return from, to, nil
}

// namespaceUsage answers GET /v1/usage: per namespace, its counters and a
// breakdown per key. An admin sees its organization's namespaces within its
// grants.
func (s *Server) namespaceUsage(c echo.Context) error {
	if err := need(c, auth.PermAdmin); err != nil {
		return err
	}
	k := keyOf(c)
	from, to, err := usageRange(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var list []*auth.NamespaceUsage
	if ns := c.QueryParam("namespace"); ns != "" {
		if strings.HasPrefix(ns, "ns_") {
			if ns, err = s.store.ResolveName(k.OrganizationID, ns); err != nil {
				return err
			}
		}
		if !k.Allows(ns) {
			return forbiddenNamespace(ns)
		}
		u, err := s.keys.NamespaceUsage(ctx, usageNS(k.OrganizationID, ns), from, to)
		if err != nil {
			return err
		}
		list = []*auth.NamespaceUsage{u}
	} else if list, err = s.keys.ListNamespaceUsage(ctx, from, to); err != nil {
		return err
	}
	all := k.AtLeast(auth.ScopeSuperAdmin) && k.Namespaces == nil
	out := []map[string]any{}
	for _, u := range list {
		org, name, ok := strings.Cut(u.Namespace, "/")
		if !ok || (!all && (org != k.OrganizationID || !k.Allows(name))) {
			continue
		}
		byKey := map[string]usageJSON{}
		for id, v := range u.ByKey {
			byKey[id] = toUsageJSON(v)
		}
		out = append(out, map[string]any{"namespace": name, "organization_id": org,
			"usage": toUsageJSON(u.Total), "by_key": byKey})
	}
	return c.JSON(http.StatusOK, map[string]any{"namespaces": out, "from": unixOrNil(from), "to": unixOrNil(to)})
}

func unixOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}
