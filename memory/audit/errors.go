package audit

import "errors"

// Sentinel errors.
var (
	// ErrInvalid reports a bad argument: an oversized field or a malformed
	// cursor.
	ErrInvalid = errors.New("audit: invalid argument")
	// ErrCorrupt reports stored audit rows that cannot be decoded.
	ErrCorrupt = errors.New("audit: corrupt log")
)
