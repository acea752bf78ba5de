package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/audit"
	"github.com/engramhq/engram/memory/auth"
)

// auditActions names the audit action of every mutating or admin route, so
// that a refused or failed attempt is audited too. A handler that succeeds
// sets the action and target itself through s.record.
var auditActions = map[string]string{
	"POST /v1/namespaces":                     "namespace.create",
	"PUT /v1/namespaces/:ns":                  "namespace.put",
	"DELETE /v1/namespaces/:ns":               "namespace.delete",
	"PUT /v1/namespaces/:ns/memory_policy":    "namespace.policy",
	"PATCH /v1/namespaces/:ns/memory_policy":  "namespace.policy",
	"PATCH /v1/namespaces/:ns/config":         "namespace.config",
	"PUT /v1/namespaces/:ns/config":           "namespace.config",
	"POST /v1/memory/store":                   "memory.store",
	"POST /v1/memories/store/batch":           "memory.store_batch",
	"PUT /v1/memory/update/:id":               "memory.update",
	"POST /v1/memory/importance":              "memory.importance",
	"POST /v1/memory/forget":                  "memory.forget",
	"DELETE /v1/memories/forget/batch":        "memory.forget_batch",
	"POST /v1/memories/forget/batch":          "memory.forget_batch",
	"POST /v1/memories/:id/feedback":          "memory.feedback",
	"POST /v1/sessions/start":                 "session.start",
	"POST /v1/sessions/:id/end":               "session.end",
	"POST /admin/keys":                        "key.create",
	"POST /v1/admin/keys":                     "key.create",
	"PATCH /admin/keys/:id":                   "key.update",
	"PATCH /v1/admin/keys/:id":                "key.update",
	"DELETE /admin/keys/:id":                  "key.delete",
	"DELETE /v1/admin/keys/:id":               "key.delete",
	"POST /admin/keys/:id/rotate":             "key.rotate",
	"POST /v1/admin/keys/:id/rotate":          "key.rotate",
	"POST /admin/keys/:id/deactivate":         "key.deactivate",
	"POST /v1/admin/keys/:id/deactivate":      "key.deactivate",
	"POST /v1/namespaces/:ns/keys":            "key.create",
	"DELETE /v1/namespaces/:ns/keys/:id":      "key.delete",
	"POST /admin/organizations":               "organization.create",
	"POST /v1/admin/organizations":            "organization.create",
	"PATCH /admin/organizations/:id":          "organization.update",
	"PATCH /v1/admin/organizations/:id":       "organization.update",
	"GET /v1/audit":                           "audit.list",
	"GET /v1/audit/verify":                    "audit.verify",
	"GET /v1/namespaces/:ns/export":           "namespace.export",
	"POST /v1/namespaces/:ns/rotate-key":      "namespace.rotate_key",
	"GET /v1/admin/backup":                    "server.backup",
	"POST /v1/namespaces/:ns/import":          "namespace.import",
	"POST /v1/namespaces/:ns/vectors":         "vectors.upsert",
	"POST /v1/namespaces/:ns/vectors/delete":  "vectors.delete",
	"POST /v1/namespaces/:ns/upsert-text":     "text.upsert",
	"POST /v1/namespaces/:ns/fulltext/index":  "fulltext.index",
	"POST /v1/namespaces/:ns/fulltext/delete": "fulltext.delete",
	"POST /v1/namespaces/:ns/relations":       "relation.create",
	"POST /v1/memories/:id/links":             "memory.link",
	"POST /v1/memory/consolidate":             "memory.consolidate",
	"DELETE /v1/memories/:id":                 "memory.forget",
}

// maxAuditParam bounds a path parameter copied into an audit event.
const maxAuditParam = 160

// auditRequest appends the request's audit event, if its route is audited,
// once the status is known. It never records bodies, queries or secrets.
func (s *Server) auditRequest(c echo.Context, k *auth.Key, ns string, status int) {
	if s.audit == nil {
		return
	}
	action, target := "", ""
	if act, ok := c.Get(ctxAudit).([2]string); ok {
		action, target = act[0], act[1]
	} else {
		action = auditActions[c.Request().Method+" "+c.Path()]
		if action == "" {
			return
		}
		target = clip(c.Param("id"))
	}
	if ns == "" {
		ns = clip(c.Param("ns"))
	}
	if ns == "" && strings.HasPrefix(action, "namespace.") {
		ns = target // namespace.create names its namespace as the target
	}
	ev := audit.Event{At: s.opts.Now(), RequestID: requestID(c), KeyID: k.ID, OrganizationID: k.OrganizationID,
		Namespace: ns, Action: action, Target: target, Status: status}
	if err := s.audit.Append(context.WithoutCancel(c.Request().Context()), ev); err != nil {
		s.log.Error("audit append", "request_id", requestID(c), "err", err)
	}
}

func clip(s string) string {
	if len(s) > maxAuditParam {
		return s[:maxAuditParam]
	}
	return s
}

func unixPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.Unix()
	return &v
}

// auditEventJSON is an event on the wire.
type auditEventJSON struct {
	ID             string `json:"id"`
	At             int64  `json:"at"`
	RequestID      string `json:"request_id"`
	KeyID          string `json:"key_id"`
	OrganizationID string `json:"organization_id"`
	Namespace      string `json:"namespace"`
	Action         string `json:"action"`
	Target         string `json:"target"`
	Status         int    `json:"status"`
}

// maxAuditPages bounds the log pages one /v1/audit request reads while
// filtering by organization and grants.
const maxAuditPages = 50

// listAudit answers GET /v1/audit: newest first, filtered, paged by cursor.
// An admin sees its own organization's events within its grants; a
// super_admin sees every event.
func (s *Server) listAudit(c echo.Context) error {
	if err := need(c, auth.PermAdmin); err != nil {
		return err
	}
	if s.audit == nil {
		return errAuditDisabled
	}
	k := keyOf(c)
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	if f.Namespace != "" && !k.AtLeast(auth.ScopeSuperAdmin) && !k.Allows(f.Namespace) {
		return forbiddenNamespace(f.Namespace)
	}
	visible := func(e *audit.Event) bool {
		if k.AtLeast(auth.ScopeSuperAdmin) && k.Namespaces == nil {
			return true
		}
		if e.OrganizationID != k.OrganizationID {
			return false
		}
		return k.Namespaces == nil || k.Allows(e.Namespace)
	}
	want := f.Limit
	out := []auditEventJSON{}
	next := ""
	for range maxAuditPages {
		evs, cur, err := s.audit.List(c.Request().Context(), f)
		if err != nil {
			return err
		}
		for i := range evs {
			if !visible(&evs[i]) {
				continue
			}
			if len(out) == want {
				break
			}
			e := &evs[i]
			out = append(out, auditEventJSON{ID: e.ID, At: e.At.Unix(), RequestID: e.RequestID, KeyID: e.KeyID,
				OrganizationID: e.OrganizationID, Namespace: e.Namespace, Action: e.Action, Target: e.Target, Status: e.Status})
			next = strconv.FormatUint(e.Seq, 10)
		}
		if len(out) == want || cur == "" {
			if cur == "" && len(out) < want {
				next = ""
			}
			break
		}
		f.Cursor, next = cur, cur
	}
	var nc any
	if next != "" {
		nc = next
	}
	return c.JSON(http.StatusOK, map[string]any{"events": out, "next_cursor": nc})
}

func auditFilter(c echo.Context) (audit.Filter, error) {
	f := audit.Filter{Namespace: c.QueryParam("namespace"), KeyID: c.QueryParam("key_id"),
		Action: c.QueryParam("action"), Cursor: c.QueryParam("cursor")}
	if f.Cursor != "" {
		if n, err := strconv.ParseUint(f.Cursor, 10, 64); err != nil || n == 0 {
			return f, badRequest("cursor", "must be a next_cursor of an earlier answer")
		}
	}
	var err error
	if f.Limit, err = queryInt(c, "limit", audit.DefaultLimit, 1, audit.MaxLimit); err != nil {
		return f, err
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := c.QueryParam(p.name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				return f, badRequest(p.name, "must be an ISO-8601 timestamp or Unix seconds")
			}
			*p.t = t
		}
	}
	return f, nil
}

// verifyAudit answers GET /v1/audit/verify (super_admin).
func (s *Server) verifyAudit(c echo.Context) error {
	if err := needScope(c, auth.ScopeSuperAdmin); err != nil {
		return err
	}
	if s.audit == nil {
		return errAuditDisabled
	}
	ok, n, err := s.audit.Verify(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": ok, "events_checked": n})
}
