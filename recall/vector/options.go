package vector

import (
	"errors"
	"fmt"
)

// Defaults for zero Options fields.
const (
	DefaultHNSWThreshold  = 20000
	DefaultM              = 16
	DefaultEfConstruction = 200
	DefaultEfSearch       = 64
)

// Options configures an Index. A zero field means its documented default.
type Options struct {
	// Dim is the vector length. Required, > 0.
	Dim int
	// Metric is the similarity to rank by. Zero means Cosine.
	Metric Metric
	// HNSWThreshold is the live vector count at which the index builds an
	// HNSW graph and stops scanning. Zero means 20000; negative means never.
	HNSWThreshold int
	// M is the HNSW out-degree on upper layers (layer 0 holds 2M).
	// Zero means 16.
	M int
	// EfConstruction is the candidate list size while inserting.
	// Zero means 200.
	EfConstruction int
	// EfSearch is the candidate list size while searching (at least k).
	// Zero means 64.
	EfSearch int
	// BackgroundBuild builds the HNSW graph (when the index reaches
	// HNSWThreshold, and when tombstones call for a rebuild) in a goroutine
	// over a copy of the live vectors, while searches and writes go on
	// against the current structure; the writes made meanwhile are replayed
	// onto the new graph before it replaces the old one (build_bg.go).
	// False builds inside the write that triggers it, holding the write
	// lock for the whole build.
	BackgroundBuild bool
	// Seed seeds HNSW level generation. Zero means 1; same seed and same
	// insertion order give the same graph when built single-threaded.
	Seed int64
}

// withDefaults returns a validated copy of o with defaults filled in.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	if o.Dim <= 0 {
		errs = append(errs, fmt.Errorf("%w: Dim must be > 0, got %d", ErrOptions, o.Dim))
	}
	if !o.Metric.valid() {
		errs = append(errs, fmt.Errorf("%w: %v", ErrMetric, o.Metric))
	}
	if o.HNSWThreshold == 0 {
		o.HNSWThreshold = DefaultHNSWThreshold
	}
	if o.M == 0 {
		o.M = DefaultM
	}
	if o.M < 2 || o.M > 256 {
		errs = append(errs, fmt.Errorf("%w: M must be in [2, 256], got %d", ErrOptions, o.M))
	}
	if o.EfConstruction == 0 {
		o.EfConstruction = DefaultEfConstruction
	}
	if o.EfConstruction < 1 {
		errs = append(errs, fmt.Errorf("%w: EfConstruction must be > 0, got %d", ErrOptions, o.EfConstruction))
	}
	if o.EfSearch == 0 {
		o.EfSearch = DefaultEfSearch
	}
	if o.EfSearch < 1 {
		errs = append(errs, fmt.Errorf("%w: EfSearch must be > 0, got %d", ErrOptions, o.EfSearch))
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o, errors.Join(errs...)
}
