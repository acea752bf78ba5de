package webhook

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrNotFound reports an unknown subscription or delivery (or one of
	// another namespace).
	ErrNotFound = errors.New("webhook: not found")
	// ErrConflict reports a request the current state refuses: too many
	// subscriptions, or retrying a delivery that is still pending.
	ErrConflict = errors.New("webhook: conflict")
	// ErrClosed reports a call after Close.
	ErrClosed = errors.New("webhook: closed")
	// ErrCorrupt reports a stored row that cannot be opened or decoded.
	ErrCorrupt = errors.New("webhook: corrupt row")

	// ErrMalformedSignature reports an Engram-Signature header that cannot
	// be parsed.
	ErrMalformedSignature = errors.New("webhook: malformed signature header")
	// ErrBadSignature reports a signature that does not match the body.
	ErrBadSignature = errors.New("webhook: signature mismatch")
	// ErrStaleSignature reports a signature timestamp outside the
	// tolerance: a replayed or delayed request.
	ErrStaleSignature = errors.New("webhook: signature timestamp outside tolerance")
)

// ValidationError reports one bad field of a subscription request.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("webhook: invalid %s: %s", e.Field, e.Reason)
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
