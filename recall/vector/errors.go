package vector

import "errors"

var (
	// ErrDimension reports a vector or query whose length differs from the
	// index dimension.
	ErrDimension = errors.New("vector: wrong dimension")
	// ErrNonFinite reports a vector or query holding NaN or ±Inf.
	ErrNonFinite = errors.New("vector: non-finite value")
	// ErrMetric reports an unknown metric name or value.
	ErrMetric = errors.New("vector: unknown metric")
	// ErrOptions reports invalid Options.
	ErrOptions = errors.New("vector: invalid options")
	// ErrCorrupt reports a snapshot that cannot be decoded.
	ErrCorrupt = errors.New("vector: corrupt snapshot")
)
