package decay

import (
	"math"
	"time"
)

// Item is what retention depends on: a memory's type, importance (0..1),
// access count and the times it was created and last accessed. A zero
// LastAccessedAt means never accessed.
type Item struct {
	Type           string
	Importance     float64
	AccessCount    int
	CreatedAt      time.Time
	LastAccessedAt time.Time
}

// Retention returns how much of it is retained at now, in
// [retention_floor, 1], under policy p (nil means DefaultPolicy). See the
// package doc for the formula. An invalid policy never panics: an unknown
// curve is read as exponential, a non-positive or non-finite half-life as
// the default one, and the floor is clamped to [0, 1].
func Retention(p *Policy, it Item, now time.Time) float64 {
	if p == nil {
		def := DefaultPolicy()
		p = &def
	}
	floor := clamp01(p.RetentionFloor)
	age := now.Sub(lastTouch(it)).Seconds()
	if age <= 0 {
		return 1
	}
	r := curveValue(curveOf(p, it.Type), age/halfLifeSeconds(p, it))
	return math.Max(floor, r)
}

// HalfLife returns the effective half-life of it under p (nil means
// DefaultPolicy): the type's base half-life stretched by importance and
// by spaced repetition. It saturates at the largest time.Duration.
func HalfLife(p *Policy, it Item) time.Duration {
	if p == nil {
		def := DefaultPolicy()
		p = &def
	}
	s := halfLifeSeconds(p, it)
	if s >= float64(math.MaxInt64)/float64(time.Second) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second))
}

// Reinforce records a recall of it at now: one more access, and the last
// access moved to now unless it is already later.
func Reinforce(it Item, now time.Time) Item {
	if it.AccessCount < math.MaxInt {
		it.AccessCount++
	}
	if now.After(it.LastAccessedAt) {
		it.LastAccessedAt = now
	}
	return it
}

// lastTouch is the later of creation and last access.
func lastTouch(it Item) time.Time {
	if it.LastAccessedAt.After(it.CreatedAt) {
		return it.LastAccessedAt
	}
	return it.CreatedAt
}

// halfLifeSeconds is h_eff in seconds, always > 0 and finite.
func halfLifeSeconds(p *Policy, it Item) float64 {
	h := halfLifeHoursOf(p, it.Type)
	if !(h > 0 && h <= MaxHalfLifeHours) {
		def := DefaultPolicy()
		h = halfLifeHoursOf(&def, it.Type)
	}
	stretch := (1 + clamp01(it.Importance)) * (1 + nonNeg(p.SpacedRepetitionFactor)*math.Log1p(effectiveRepetitions(p, it)))
	return h * 3600 * stretch
}

// effectiveRepetitions is n_eff: the access count, capped by the number of
// base intervals between creation and last access.
func effectiveRepetitions(p *Policy, it Item) float64 {
	n := float64(max(it.AccessCount, 0))
	base := nonNeg(p.SpacedRepetitionBaseIntervalSeconds)
	if n == 0 || base == 0 {
		return n
	}
	span := 0.0
	if it.LastAccessedAt.After(it.CreatedAt) {
		span = it.LastAccessedAt.Sub(it.CreatedAt).Seconds()
	}
	return math.Min(n, span/base)
}

// curveValue evaluates curve c at x = age / h_eff > 0, before the floor.
func curveValue(c Curve, x float64) float64 {
	switch c {
	case PowerLaw:
		return 1 / math.Sqrt(1+3*x)
	case Linear:
		return math.Max(0, 1-x/2)
	case Step:
		if x < 1 {
			return 1
		}
		return 0
	case Logarithmic:
		return math.Max(0, 1-math.Log2(1+x)/2)
	case Flat:
		return 1
	}
	return math.Exp2(-x) // Exponential and unknown curves
}

// clamp01 clamps v to [0, 1]; NaN gives 0.
func clamp01(v float64) float64 {
	if !(v > 0) {
		return 0
	}
	return math.Min(v, 1)
}

// nonNeg returns v if finite and > 0, else 0.
func nonNeg(v float64) float64 {
	if v > 0 && !math.IsInf(v, 1) {
		return v
	}
	return 0
}
