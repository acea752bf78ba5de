package decay

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var seedFlag = flag.Uint64("decay.seed", 0, "seed for the randomized decay tests (0 = from the clock)")

// newRand returns a generator seeded from -decay.seed or the clock, and
// logs the seed so a failure can be replayed.
func newRand(tb testing.TB) *rand.Rand {
	tb.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	tb.Logf("seed %d (replay with -decay.seed=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

var allCurves = []Curve{Exponential, PowerLaw, Linear, Step, Logarithmic, Flat}

// randPolicy draws a valid policy.
func randPolicy(r *rand.Rand) Policy {
	c := func() Curve { return allCurves[r.IntN(len(allCurves))] }
	h := func() float64 { return math.Exp(r.Float64()*14 - 4) } // ~0.02h .. ~22000h
	return Policy{
		WorkingDecay: c(), EpisodicDecay: c(), SemanticDecay: c(), ProceduralDecay: c(),
		HalfLifeHours:                       HalfLives{Working: h(), Episodic: h(), Semantic: h(), Procedural: h()},
		ImportanceWeight:                    r.Float64(),
		RecencyWeight:                       r.Float64(),
		RelevanceWeight:                     r.Float64(),
		RetentionFloor:                      r.Float64() * 0.5,
		SpacedRepetitionFactor:              r.Float64() * 2,
		SpacedRepetitionBaseIntervalSeconds: float64(r.IntN(3)) * r.Float64() * 86400,
	}
}

// randItem draws an item created around t0.
func randItem(r *rand.Rand) Item {
	types := []string{Working, Episodic, Semantic, Procedural, ""}
	created := t0.Add(randDur(r))
	it := Item{
		Type:        types[r.IntN(len(types))],
		Importance:  r.Float64(),
		AccessCount: r.IntN(50),
		CreatedAt:   created,
	}
	if r.IntN(4) > 0 {
		it.LastAccessedAt = created.Add(randDur(r))
	}
	return it
}

// randDur draws a duration from a second to about a year, log-uniformly.
func randDur(r *rand.Rand) time.Duration {
	return time.Duration(math.Exp(r.Float64()*17.3) * float64(time.Second))
}

const propertyRounds = 20000

func TestPropertyBounded(t *testing.T) {
	r := newRand(t)
	for range propertyRounds {
		p := randPolicy(r)
		if err := p.Validate(); err != nil {
			t.Fatalf("randPolicy gave an invalid policy: %v", err)
		}
		it := randItem(r)
		now := lastTouch(it).Add(randDur(r) - randDur(r))
		ret, smart := Score(&p, r.Float64(), it, now)
		if !(ret >= p.RetentionFloor && ret <= 1) {
			t.Fatalf("retention %g outside [%g, 1]: policy %+v item %+v now %v", ret, p.RetentionFloor, p, it, now)
		}
		if !(smart >= 0 && smart <= 1) {
			t.Fatalf("smart %g outside [0, 1]: policy %+v item %+v now %v", smart, p, it, now)
		}
	}
}

func TestPropertyMonotoneInAge(t *testing.T) {
	r := newRand(t)
	for range propertyRounds {
		p := randPolicy(r)
		it := randItem(r)
		t1 := lastTouch(it).Add(randDur(r) - randDur(r))
		t2 := t1.Add(randDur(r))
		a, b := Retention(&p, it, t1), Retention(&p, it, t2)
		if b > a {
			t.Fatalf("retention rose with age: %g at %v, %g at %v; policy %+v item %+v", a, t1, b, t2, p, it)
		}
	}
}

func TestPropertyReinforceNeverLowers(t *testing.T) {
	r := newRand(t)
	for range propertyRounds {
		p := randPolicy(r)
		it := randItem(r)
		at := lastTouch(it).Add(randDur(r) - randDur(r)) // may be before the last touch
		re := Reinforce(it, at)
		later := at.Add(randDur(r))
		if r.IntN(2) == 0 {
			later = lastTouch(re).Add(randDur(r))
		}
		for _, now := range []time.Time{at, later} {
			before, after := Retention(&p, it, now), Retention(&p, re, now)
			if after < before {
				t.Fatalf("reinforcement lowered retention %g -> %g at %v; policy %+v item %+v reinforced at %v", before, after, now, p, it, at)
			}
		}
	}
}

func TestPropertyImportanceNeverLowers(t *testing.T) {
	r := newRand(t)
	for range propertyRounds {
		p := randPolicy(r)
		it := randItem(r)
		more := it
		more.Importance = it.Importance + r.Float64()*(1.2-it.Importance)
		now := lastTouch(it).Add(randDur(r))
		if a, b := Retention(&p, it, now), Retention(&p, more, now); b < a {
			t.Fatalf("importance %g -> %g lowered retention %g -> %g; policy %+v item %+v", it.Importance, more.Importance, a, b, p, it)
		}
		rel := r.Float64()
		_, a := Score(&p, rel, it, now)
		_, b := Score(&p, rel, more, now)
		if b < a {
			t.Fatalf("importance %g -> %g lowered smart %g -> %g", it.Importance, more.Importance, a, b)
		}
	}
}

func TestPropertyRelevanceDominates(t *testing.T) {
	r := newRand(t)
	for range propertyRounds {
		p := randPolicy(r)
		if p.RelevanceWeight == 0 {
			continue
		}
		// Any relA above relB × W/w_r must win, whatever the items.
		bound := (p.RelevanceWeight + p.RecencyWeight + p.ImportanceWeight) / p.RelevanceWeight
		relB := r.Float64() / bound
		lowest := relB * bound * (1 + 1e-9)
		if lowest >= 1 {
			continue
		}
		relA := lowest + r.Float64()*(1-lowest)
		a, b := randItem(r), randItem(r)
		now := lastTouch(a).Add(randDur(r))
		_, sa := Score(&p, relA, a, now)
		_, sb := Score(&p, relB, b, now)
		if sa <= sb {
			t.Fatalf("relevance %g vs %g (ratio %g > bound %g): smart %g <= %g; policy %+v a %+v b %+v",
				relA, relB, relA/relB, bound, sa, sb, p, a, b)
		}
	}
}

func TestPropertyMoreRelevanceNeverLowers(t *testing.T) {
	r := newRand(t)
	for range propertyRounds {
		p := randPolicy(r)
		it := randItem(r)
		now := lastTouch(it).Add(randDur(r))
		lo := r.Float64()
		hi := lo + r.Float64()*(1-lo)
		_, a := Score(&p, lo, it, now)
		_, b := Score(&p, hi, it, now)
		if b < a {
			t.Fatalf("relevance %g -> %g lowered smart %g -> %g", lo, hi, a, b)
		}
	}
}
