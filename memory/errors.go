package memory

import (
	"errors"
	"fmt"
)

// Sentinel errors of the memory package. httpapi maps them to status codes in
// one place; callers use errors.Is.
var (
	ErrNotFound          = errors.New("memory: not found")
	ErrNamespaceNotFound = errors.New("memory: namespace not found")
	ErrSessionNotFound   = errors.New("memory: session not found")
	ErrConflict          = errors.New("memory: conflict")
	ErrDimensionMismatch = errors.New("memory: dimension mismatch")
	ErrClosed            = errors.New("memory: store closed")
	ErrUnavailable       = errors.New("memory: storage unavailable")
	ErrWrongMasterKey    = errors.New("memory: master key does not match the data directory")
	ErrQuotaExceeded     = errors.New("memory: quota exceeded")
	ErrLocked            = errors.New("memory: data directory is in use by another process")
	ErrInvalidBackup     = errors.New("memory: invalid backup file")
)

// ValidationError reports one bad field of a request.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return "invalid request: " + e.Reason
	}
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
