package decay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// Memory types. An empty or unknown type is scored as Episodic.
const (
	Working    = "working"
	Episodic   = "episodic"
	Semantic   = "semantic"
	Procedural = "procedural"
)

// KnownType reports whether t is one of the four memory types.
func KnownType(t string) bool {
	switch t {
	case Working, Episodic, Semantic, Procedural:
		return true
	}
	return false
}

// Curve names a retention curve; see the package doc for each formula.
type Curve string

// Curves.
const (
	Exponential Curve = "exponential"
	PowerLaw    Curve = "power_law"
	Linear      Curve = "linear"
	Step        Curve = "step"
	Logarithmic Curve = "logarithmic"
	Flat        Curve = "flat"
)

// Valid reports whether c is one of the six curves.
func (c Curve) Valid() bool {
	switch c {
	case Exponential, PowerLaw, Linear, Step, Logarithmic, Flat:
		return true
	}
	return false
}

// MaxHalfLifeHours bounds a base half-life (about 114 years).
const MaxHalfLifeHours = 1e6

// HalfLives holds a base half-life in hours per memory type.
type HalfLives struct {
	Working    float64 `json:"working"`
	Episodic   float64 `json:"episodic"`
	Semantic   float64 `json:"semantic"`
	Procedural float64 `json:"procedural"`
}

// Policy is the decay part of a namespace's MemoryPolicy. Its fields are
// plain values: a partial JSON patch decoded onto a copy (Merge) keeps
// every field the patch does not name. Use DefaultPolicy as the base.
type Policy struct {
	WorkingDecay    Curve `json:"working_decay"`
	EpisodicDecay   Curve `json:"episodic_decay"`
	SemanticDecay   Curve `json:"semantic_decay"`
	ProceduralDecay Curve `json:"procedural_decay"`

	// HalfLifeHours is the base half-life per type, in hours, > 0.
	HalfLifeHours HalfLives `json:"half_life_hours"`

	// Weights of the rank key (see Score); each >= 0, any scale.
	ImportanceWeight float64 `json:"importance_weight"`
	RecencyWeight    float64 `json:"recency_weight"`
	RelevanceWeight  float64 `json:"relevance_weight"`

	// RetentionFloor is the lowest retention, in [0, 1].
	RetentionFloor float64 `json:"retention_floor"`

	// SpacedRepetitionFactor (f >= 0) sets how much each recall stretches
	// the half-life: × (1 + f·ln(1 + n_eff)). Zero disables it.
	SpacedRepetitionFactor float64 `json:"spaced_repetition_factor"`

	// SpacedRepetitionBaseIntervalSeconds (>= 0) is the spacing a recall
	// needs to count in full; zero counts every recall.
	SpacedRepetitionBaseIntervalSeconds float64 `json:"spaced_repetition_base_interval_seconds"`
}

// DefaultPolicy returns the documented defaults (see the package doc).
func DefaultPolicy() Policy {
	return Policy{
		WorkingDecay:    Exponential,
		EpisodicDecay:   Exponential,
		SemanticDecay:   PowerLaw,
		ProceduralDecay: PowerLaw,
		HalfLifeHours: HalfLives{
			Working:    1,
			Episodic:   7 * 24,
			Semantic:   90 * 24,
			Procedural: 180 * 24,
		},
		ImportanceWeight:                    0.1,
		RecencyWeight:                       0.2,
		RelevanceWeight:                     0.7,
		RetentionFloor:                      0.05,
		SpacedRepetitionFactor:              0.5,
		SpacedRepetitionBaseIntervalSeconds: 3600,
	}
}

// CurveFor returns the curve of memory type t (Episodic's for unknown t).
func (p Policy) CurveFor(t string) Curve { return curveOf(&p, t) }

func curveOf(p *Policy, t string) Curve {
	switch t {
	case Working:
		return p.WorkingDecay
	case Semantic:
		return p.SemanticDecay
	case Procedural:
		return p.ProceduralDecay
	}
	return p.EpisodicDecay
}

// HalfLifeHoursFor returns the base half-life of memory type t in hours
// (Episodic's for unknown t).
func (p Policy) HalfLifeHoursFor(t string) float64 { return halfLifeHoursOf(&p, t) }

func halfLifeHoursOf(p *Policy, t string) float64 {
	switch t {
	case Working:
		return p.HalfLifeHours.Working
	case Semantic:
		return p.HalfLifeHours.Semantic
	case Procedural:
		return p.HalfLifeHours.Procedural
	}
	return p.HalfLifeHours.Episodic
}

// Validate reports every out-of-range field. The result is nil, one
// *ValidationError, or several joined with errors.Join; all match
// ErrInvalidPolicy.
func (p Policy) Validate() error {
	var errs []error
	bad := func(field, reason string, args ...any) {
		errs = append(errs, &ValidationError{Field: field, Reason: fmt.Sprintf(reason, args...)})
	}
	curves := []struct {
		field string
		c     Curve
	}{
		{"working_decay", p.WorkingDecay},
		{"episodic_decay", p.EpisodicDecay},
		{"semantic_decay", p.SemanticDecay},
		{"procedural_decay", p.ProceduralDecay},
	}
	for _, c := range curves {
		if !c.c.Valid() {
			bad(c.field, "unknown curve %q (want exponential, power_law, linear, step, logarithmic or flat)", string(c.c))
		}
	}
	halfLives := []struct {
		field string
		h     float64
	}{
		{"half_life_hours.working", p.HalfLifeHours.Working},
		{"half_life_hours.episodic", p.HalfLifeHours.Episodic},
		{"half_life_hours.semantic", p.HalfLifeHours.Semantic},
		{"half_life_hours.procedural", p.HalfLifeHours.Procedural},
	}
	for _, h := range halfLives {
		if !(h.h > 0 && h.h <= MaxHalfLifeHours) { // also catches NaN
			bad(h.field, "must be > 0 and <= %g hours, got %g", float64(MaxHalfLifeHours), h.h)
		}
	}
	nonNeg := []struct {
		field string
		v     float64
	}{
		{"importance_weight", p.ImportanceWeight},
		{"recency_weight", p.RecencyWeight},
		{"relevance_weight", p.RelevanceWeight},
		{"spaced_repetition_factor", p.SpacedRepetitionFactor},
		{"spaced_repetition_base_interval_seconds", p.SpacedRepetitionBaseIntervalSeconds},
	}
	for _, v := range nonNeg {
		if !(v.v >= 0) || math.IsInf(v.v, 1) {
			bad(v.field, "must be finite and >= 0, got %g", v.v)
		}
	}
	if !(p.RetentionFloor >= 0 && p.RetentionFloor <= 1) {
		bad("retention_floor", "must be in [0, 1], got %g", p.RetentionFloor)
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// Merge decodes a partial JSON policy onto a copy of p and validates the
// result. Absent and null fields keep their value (inside half_life_hours
// too); unknown fields are ignored, so a whole MemoryPolicy patch may be
// passed. On error it returns p unchanged and an error matching
// ErrInvalidPolicy.
func (p Policy) Merge(patch []byte) (Policy, error) {
	merged := p
	dec := json.NewDecoder(bytes.NewReader(patch))
	if err := dec.Decode(&merged); err != nil {
		return p, patchError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return p, &ValidationError{Reason: "trailing data after the JSON object"}
	}
	if err := merged.Validate(); err != nil {
		return p, err
	}
	return merged, nil
}

// patchError turns a JSON decoding error into a *ValidationError.
func patchError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return &ValidationError{Field: typeErr.Field, Reason: fmt.Sprintf("cannot be a JSON %s", typeErr.Value)}
	}
	return &ValidationError{Reason: "malformed JSON"}
}
