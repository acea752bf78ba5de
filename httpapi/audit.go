package httpapi

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

// AuditEvent is one audited action: never content, never secrets.
type AuditEvent struct {
	At             time.Time
	RequestID      string
	KeyID          string
	OrganizationID string
	Namespace      string
	Action         string
	Target         string
	Status         int
}

// Auditor receives an event for every mutation and admin action.
type Auditor interface {
	Append(ctx context.Context, ev AuditEvent) error
}

func (s *Server) appendAudit(c echo.Context, k *auth.Key, ns, action, target string, status int) {
	ev := AuditEvent{At: time.Now(), RequestID: requestID(c), KeyID: k.ID, OrganizationID: k.OrganizationID,
		Namespace: ns, Action: action, Target: target, Status: status}
	if err := s.audit.Append(context.WithoutCancel(c.Request().Context()), ev); err != nil {
		s.log.Error("audit append", "request_id", requestID(c), "err", err)
	}
}

func unixPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.Unix()
	return &v
}
