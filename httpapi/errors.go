package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/graph"
	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/audit"
	"github.com/engramhq/engram/memory/auth"
	"github.com/engramhq/engram/memory/webhook"
)

// errAuditDisabled answers the audit routes of a server without a log.
var errAuditDisabled = errors.New("httpapi: audit log disabled")

// Error is the wire error body of API.md.
type Error struct {
	Message  string `json:"error"`
	Code     string `json:"code"`
	Status   int    `json:"status"`
	Details  string `json:"details,omitempty"`
	Resource string `json:"resource,omitempty"`
	// retryAfter, in seconds, is sent as Retry-After when > 0.
	retryAfter int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func apiErr(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func badRequest(field, reason string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "INVALID_REQUEST",
		Message: fmt.Sprintf("invalid %s: %s", field, reason), Details: "field: " + field}
}

func forbiddenScope(required, actual string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "INSUFFICIENT_SCOPE",
		Message: "the API key's scope does not allow this", Details: "required: " + required + ", actual: " + actual}
}

func forbiddenNamespace(ns string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "NAMESPACE_ACCESS_DENIED",
		Message: "the API key may not access this namespace", Details: "namespace: " + ns}
}

// toAPIError maps any error to its wire form. It is the one place where
// failures get a status code.
func toAPIError(err error) *Error {
	var ae *Error
	var mv *memory.ValidationError
	var av *auth.ValidationError
	var he *echo.HTTPError
	var mb *http.MaxBytesError
	var wv *webhook.ValidationError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &mv):
		return badRequest(mv.Field, mv.Reason)
	case errors.As(err, &av):
		return badRequest(av.Field, av.Reason)
	case errors.As(err, &wv):
		return badRequest(wv.Field, wv.Reason)
	case errors.Is(err, webhook.ErrNotFound):
		return apiErr(http.StatusNotFound, "NOT_FOUND", "not found")
	case errors.Is(err, webhook.ErrConflict):
		return apiErr(http.StatusConflict, "CONFLICT", conflictMessage(err))
	case errors.Is(err, errWebhooksDisabled):
		return apiErr(http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "webhooks are not enabled on this server")
	case errors.As(err, &mb):
		return apiErr(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
			"request body exceeds "+strconv.FormatInt(mb.Limit, 10)+" bytes")
	case errors.Is(err, memory.ErrDimensionMismatch):
		return apiErr(http.StatusBadRequest, "DIMENSION_MISMATCH", dimensionMessage(err))
	case errors.Is(err, memory.ErrNamespaceNotFound):
		return apiErr(http.StatusNotFound, "NAMESPACE_NOT_FOUND", "namespace not found")
	case errors.Is(err, memory.ErrNotFound), errors.Is(err, memory.ErrSessionNotFound), errors.Is(err, graph.ErrNoPath):
		return apiErr(http.StatusNotFound, "NOT_FOUND", "not found")
	case errors.Is(err, auth.ErrKeyNotFound):
		return apiErr(http.StatusNotFound, "API_KEY_NOT_FOUND", "API key not found")
	case errors.Is(err, audit.ErrInvalid):
		return apiErr(http.StatusBadRequest, "INVALID_REQUEST", "invalid audit filter or cursor")
	case errors.Is(err, errAuditDisabled):
		return apiErr(http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "the audit log is not enabled on this server")
	case errors.Is(err, auth.ErrOrgNotFound):
		return apiErr(http.StatusNotFound, "NOT_FOUND", "organization not found")
	case errors.Is(err, memory.ErrConflict), errors.Is(err, auth.ErrConflict):
		return apiErr(http.StatusConflict, "CONFLICT", conflictMessage(err))
	case errors.Is(err, memory.ErrQuotaExceeded):
		return apiErr(http.StatusRequestEntityTooLarge, "QUOTA_EXCEEDED", "quota exceeded")
	case errors.Is(err, auth.ErrMissingKey):
		return apiErr(http.StatusUnauthorized, "AUTHENTICATION_REQUIRED", "an API key is required: Authorization: Bearer <key>")
	case errors.Is(err, auth.ErrInvalidKey):
		return apiErr(http.StatusUnauthorized, "INVALID_API_KEY", "invalid API key")
	case errors.Is(err, auth.ErrKeyExpired):
		return apiErr(http.StatusUnauthorized, "API_KEY_EXPIRED", "API key expired")
	case errors.Is(err, memory.ErrUnavailable), errors.Is(err, memory.ErrClosed), errors.Is(err, auth.ErrClosed), errors.Is(err, webhook.ErrClosed):
		e := apiErr(http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "storage is unavailable; try again later")
		e.retryAfter = 5
		return e
	case errors.As(err, &he):
		return fromEcho(he)
	}
	return apiErr(http.StatusInternalServerError, "INTERNAL_ERROR", "internal error")
}

func fromEcho(he *echo.HTTPError) *Error {
	switch he.Code {
	case http.StatusNotFound:
		return apiErr(he.Code, "ROUTE_NOT_FOUND", "no such route")
	case http.StatusMethodNotAllowed:
		return apiErr(he.Code, "METHOD_NOT_ALLOWED", "method not allowed on this route")
	case http.StatusRequestEntityTooLarge:
		return apiErr(he.Code, "PAYLOAD_TOO_LARGE", "request body too large")
	case http.StatusUnsupportedMediaType:
		return apiErr(he.Code, "INVALID_REQUEST", "unsupported content type")
	}
	if he.Code >= 400 && he.Code < 500 {
		return apiErr(he.Code, "INVALID_REQUEST", http.StatusText(he.Code))
	}
	return apiErr(http.StatusInternalServerError, "INTERNAL_ERROR", "internal error")
}

// dimensionMessage keeps the sizes but never input.
func dimensionMessage(err error) string {
	msg := err.Error()
	const p = "memory: dimension mismatch: "
	if len(msg) > len(p) && msg[:len(p)] == p {
		return "dimension mismatch: " + msg[len(p):]
	}
	return "dimension mismatch"
}

func conflictMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{"memory: conflict: ", "auth: conflict: ", "webhook: conflict: "} {
		if len(msg) > len(p) && msg[:len(p)] == p {
			return msg[len(p):]
		}
	}
	return "conflict"
}

// errorHandler is echo's HTTPErrorHandler: it writes the error body, logs
// 5xx with detail (never the request), and never echoes internals.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := toAPIError(err)
	if e.Status >= 500 {
		s.log.Error("request failed", "request_id", requestID(c), "op", c.Path(), "err", err)
	}
	if e.retryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.Status)
		return
	}
	_ = c.JSON(e.Status, e)
}
