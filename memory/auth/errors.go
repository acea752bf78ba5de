package auth

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers use errors.Is; httpapi maps them to status codes.
var (
	// ErrMissingKey: no credentials were presented (401 AUTHENTICATION_REQUIRED).
	ErrMissingKey = errors.New("auth: authentication required")
	// ErrInvalidKey: the presented secret is malformed, unknown, deactivated
	// or deleted (401 INVALID_API_KEY).
	ErrInvalidKey = errors.New("auth: invalid api key")
	// ErrKeyExpired: the key is known but past its expiry, its rotation
	// grace period, or its idle expiry (401 API_KEY_EXPIRED).
	ErrKeyExpired = errors.New("auth: api key expired")
	// ErrKeyNotFound: no key with that id in that organization (404).
	ErrKeyNotFound = errors.New("auth: api key not found")
	// ErrOrgNotFound: no organization with that id (404).
	ErrOrgNotFound = errors.New("auth: organization not found")
	// ErrConflict: the request conflicts with existing state, such as an
	// organization name already taken or rotating an inactive key (409).
	ErrConflict = errors.New("auth: conflict")
	// ErrClosed: the Manager or limiter has been closed.
	ErrClosed = errors.New("auth: closed")
)

// ValidationError reports a bad request field (400 INVALID_REQUEST).
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("auth: invalid %s: %s", e.Field, e.Reason)
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
