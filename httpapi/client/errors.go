package client

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrOptions is returned by New for invalid options.
var ErrOptions = errors.New("client: invalid options")

// Error is a non-2xx answer of the server, decoded from its error body
// {"error","code","status","details"}.
type Error struct {
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Code is the server's SCREAMING_SNAKE error code, e.g. NOT_FOUND.
	Code string `json:"code"`
	// Message is the human-readable message.
	Message string `json:"error"`
	// Details adds context, e.g. "namespace: team-a".
	Details string `json:"details,omitempty"`
	// Resource names the resource concerned, when the server sent one.
	Resource string `json:"resource,omitempty"`
	// RequestID is the X-Request-ID of the answer.
	RequestID string `json:"-"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("engram: %d %s: %s", e.Status, e.Code, e.Message)
	if e.Details != "" {
		msg += " (" + e.Details + ")"
	}
	return msg
}

func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsForbidden reports whether err is a 403 answer: the key's scope or
// namespace grants do not allow the request.
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// IsUnauthorized reports whether err is a 401 answer: a missing, invalid or
// expired key.
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// IsRateLimited reports whether err is a 429 answer (after retries).
func IsRateLimited(err error) bool { return statusOf(err) == http.StatusTooManyRequests }

// IsConflict reports whether err is a 409 answer.
func IsConflict(err error) bool { return statusOf(err) == http.StatusConflict }

// IsInvalid reports whether err is a 400 answer: the request was invalid.
func IsInvalid(err error) bool { return statusOf(err) == http.StatusBadRequest }
