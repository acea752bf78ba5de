package embed

import "errors"

var (
	// ErrEmptyText is returned when a text to embed is empty or only
	// whitespace. Callers validate content before embedding.
	ErrEmptyText = errors.New("embed: empty text")
	// ErrCorruptTable means the embedded word table failed to decode; it can
	// only happen with a bad build (the table is committed, not downloaded).
	ErrCorruptTable = errors.New("embed: corrupt word table")
	// ErrDimensionMismatch is returned when a provider answers with a vector
	// whose length differs from the configured or first-seen dimension.
	ErrDimensionMismatch = errors.New("embed: dimension mismatch")
	// ErrBadResponse is returned when a provider answers 2xx with a body that
	// does not decode or does not hold one vector per input.
	ErrBadResponse = errors.New("embed: bad provider response")
	// ErrRequest is returned when a provider rejects a request with a 4xx
	// status other than 429; it is not retried.
	ErrRequest = errors.New("embed: request rejected")
	// ErrUnavailable is returned when retries are exhausted on 429, 5xx or
	// network errors.
	ErrUnavailable = errors.New("embed: provider unavailable")
	// ErrConfig is returned by constructors for an invalid configuration.
	ErrConfig = errors.New("embed: invalid config")
)
