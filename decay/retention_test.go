package decay

import (
	"fmt"
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// policyWith returns the default policy with every type on curve c, a
// base half-life of h hours for every type, and the given floor.
func policyWith(c Curve, h, floor float64) Policy {
	p := DefaultPolicy()
	p.WorkingDecay, p.EpisodicDecay, p.SemanticDecay, p.ProceduralDecay = c, c, c, c
	p.HalfLifeHours = HalfLives{Working: h, Episodic: h, Semantic: h, Procedural: h}
	p.RetentionFloor = floor
	return p
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRetentionCurves(t *testing.T) {
	const h = 10.0 // hours
	tests := []struct {
		curve Curve
		ageH  float64
		floor float64
		want  float64
	}{
		{Exponential, 0, 0, 1},
		{Exponential, h, 0, 0.5},
		{Exponential, 2 * h, 0, 0.25},
		{Exponential, 100 * h, 0, math.Exp2(-100)},
		{Exponential, 100 * h, 0.05, 0.05},
		{PowerLaw, 0, 0, 1},
		{PowerLaw, h, 0, 0.5},
		{PowerLaw, 2 * h, 0, 1 / math.Sqrt(7)},
		{PowerLaw, 10 * h, 0, 1 / math.Sqrt(31)},
		{PowerLaw, 1e4 * h, 0.05, 0.05},
		{Linear, 0, 0, 1},
		{Linear, h, 0, 0.5},
		{Linear, 1.5 * h, 0, 0.25},
		{Linear, 2 * h, 0, 0},
		{Linear, 2 * h, 0.05, 0.05},
		{Linear, 100 * h, 0, 0},
		{Step, 0, 0, 1},
		{Step, 0.999 * h, 0, 1},
		{Step, h, 0, 0},
		{Step, h, 0.05, 0.05},
		{Step, 2 * h, 0.2, 0.2},
		{Logarithmic, 0, 0, 1},
		{Logarithmic, h, 0, 0.5},
		{Logarithmic, 2 * h, 0, 1 - math.Log2(3)/2},
		{Logarithmic, 3 * h, 0, 0},
		{Logarithmic, 100 * h, 0.05, 0.05},
		{Flat, 0, 0, 1},
		{Flat, h, 0, 1},
		{Flat, 2 * h, 0, 1},
		{Flat, 1e5 * h, 0.05, 1},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("curve=%s/age=%gh/floor=%g", tc.curve, tc.ageH, tc.floor)
		t.Run(name, func(t *testing.T) {
			p := policyWith(tc.curve, h, tc.floor)
			for _, typ := range []string{Working, Episodic, Semantic, Procedural} {
				it := Item{Type: typ, CreatedAt: t0}
				got := Retention(&p, it, t0.Add(hours(tc.ageH)))
				if !near(got, tc.want) {
					t.Errorf("type=%s: Retention = %.12g, want %.12g", typ, got, tc.want)
				}
			}
		})
	}
}

func TestRetentionPerTypeDefaults(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		typ   string
		halfH float64
	}{
		{Working, 1},
		{Episodic, 168},
		{Semantic, 2160},
		{Procedural, 4320},
		{"", 168},      // default type
		{"dream", 168}, // unknown type reads as episodic
	}
	for _, tc := range tests {
		t.Run("type="+tc.typ, func(t *testing.T) {
			it := Item{Type: tc.typ, CreatedAt: t0}
			if got := Retention(&p, it, t0.Add(hours(tc.halfH))); !near(got, 0.5) {
				t.Errorf("Retention at base half-life = %g, want 0.5", got)
			}
			if got, want := HalfLife(&p, it), hours(tc.halfH); got != want {
				t.Errorf("HalfLife = %v, want %v", got, want)
			}
		})
	}
}

func TestRetentionAge(t *testing.T) {
	p := policyWith(Exponential, 1, 0)
	tests := []struct {
		name string
		it   Item
		now  time.Time
		want float64
	}{
		{"case=future_created", Item{CreatedAt: t0.Add(time.Hour)}, t0, 1},
		{"case=last_access_counts", Item{CreatedAt: t0, LastAccessedAt: t0.Add(time.Hour)}, t0.Add(2 * time.Hour), 0.5},
		{"case=zero_last_access", Item{CreatedAt: t0}, t0.Add(time.Hour), 0.5},
		{"case=access_before_creation", Item{CreatedAt: t0, LastAccessedAt: t0.Add(-time.Hour)}, t0.Add(time.Hour), 0.5},
		{"case=all_zero_times", Item{}, t0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Retention(&p, tc.it, tc.now); !near(got, tc.want) {
				t.Errorf("Retention = %g, want %g", got, tc.want)
			}
		})
	}
}

func TestHalfLifeStretch(t *testing.T) {
	p := policyWith(Exponential, 10, 0)
	p.SpacedRepetitionFactor = 0.5
	p.SpacedRepetitionBaseIntervalSeconds = 3600
	day := 24 * time.Hour
	tests := []struct {
		name string
		it   Item
		want float64 // hours
	}{
		{"importance=0", Item{CreatedAt: t0}, 10},
		{"importance=0.5", Item{Importance: 0.5, CreatedAt: t0}, 15},
		{"importance=1", Item{Importance: 1, CreatedAt: t0}, 20},
		{"importance=7", Item{Importance: 7, CreatedAt: t0}, 20},
		{"importance=-1", Item{Importance: -1, CreatedAt: t0}, 10},
		{"importance=NaN", Item{Importance: math.NaN(), CreatedAt: t0}, 10},
		{"access=1/spread=1d", Item{AccessCount: 1, CreatedAt: t0, LastAccessedAt: t0.Add(day)}, 10 * (1 + 0.5*math.Log(2))},
		{"access=10/spread=1d", Item{AccessCount: 10, CreatedAt: t0, LastAccessedAt: t0.Add(day)}, 10 * (1 + 0.5*math.Log(11))},
		{"access=10/spread=30m", Item{AccessCount: 10, CreatedAt: t0, LastAccessedAt: t0.Add(30 * time.Minute)}, 10 * (1 + 0.5*math.Log(1.5))},
		{"access=10/spread=0", Item{AccessCount: 10, CreatedAt: t0}, 10},
		{"access=-3", Item{AccessCount: -3, CreatedAt: t0, LastAccessedAt: t0.Add(day)}, 10},
		{"access=3/importance=1", Item{AccessCount: 3, Importance: 1, CreatedAt: t0, LastAccessedAt: t0.Add(day)}, 20 * (1 + 0.5*math.Log(4))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := HalfLife(&p, tc.it), hours(tc.want); (got - want).Abs() > time.Microsecond {
				t.Errorf("HalfLife = %v, want %v", got, want)
			}
			// Retention one effective half-life after the last touch is 0.5.
			now := lastTouch(tc.it).Add(hours(tc.want))
			if got := Retention(&p, tc.it, now); math.Abs(got-0.5) > 1e-6 {
				t.Errorf("Retention at effective half-life = %g, want 0.5", got)
			}
		})
	}
	t.Run("base_interval=0", func(t *testing.T) {
		q := p
		q.SpacedRepetitionBaseIntervalSeconds = 0
		it := Item{AccessCount: 10, CreatedAt: t0}
		if got, want := HalfLife(&q, it), hours(10*(1+0.5*math.Log(11))); (got - want).Abs() > time.Microsecond {
			t.Errorf("HalfLife = %v, want %v", got, want)
		}
	})
	t.Run("factor=0", func(t *testing.T) {
		q := p
		q.SpacedRepetitionFactor = 0
		it := Item{AccessCount: 10, CreatedAt: t0, LastAccessedAt: t0.Add(day)}
		if got, want := HalfLife(&q, it), hours(10); got != want {
			t.Errorf("HalfLife = %v, want %v", got, want)
		}
	})
}

func TestHalfLifeSaturates(t *testing.T) {
	p := policyWith(Exponential, MaxHalfLifeHours, 0)
	p.SpacedRepetitionFactor = 1e300
	p.SpacedRepetitionBaseIntervalSeconds = 0
	it := Item{Importance: 1, AccessCount: math.MaxInt, CreatedAt: t0}
	if got := HalfLife(&p, it); got != time.Duration(math.MaxInt64) {
		t.Errorf("HalfLife = %v, want saturation", got)
	}
	if got := Retention(&p, it, t0.Add(time.Hour)); got != 1 {
		t.Errorf("Retention = %g, want 1", got)
	}
}

func TestRetentionInvalidPolicy(t *testing.T) {
	bad := Policy{
		WorkingDecay:                        "zigzag",
		EpisodicDecay:                       "",
		HalfLifeHours:                       HalfLives{Working: -1, Episodic: math.NaN(), Semantic: math.Inf(1)},
		RetentionFloor:                      7,
		RecencyWeight:                       math.NaN(),
		ImportanceWeight:                    -3,
		SpacedRepetitionFactor:              math.Inf(1),
		SpacedRepetitionBaseIntervalSeconds: math.NaN(),
	}
	for _, typ := range []string{Working, Episodic, Semantic, Procedural} {
		it := Item{Type: typ, Importance: 0.5, AccessCount: 3, CreatedAt: t0, LastAccessedAt: t0.Add(time.Hour)}
		for _, age := range []time.Duration{0, time.Hour, 1000 * time.Hour} {
			r, s := Score(&bad, 0.8, it, t0.Add(age))
			if math.IsNaN(r) || r < 0 || r > 1 || math.IsNaN(s) || s < 0 || s > 1 {
				t.Errorf("type=%s age=%v: Score = (%g, %g), want both in [0,1]", typ, age, r, s)
			}
		}
	}
	// Floor 7 clamps to 1: everything is fully retained.
	if got := Retention(&bad, Item{Type: Working, CreatedAt: t0}, t0.Add(1000*time.Hour)); got != 1 {
		t.Errorf("Retention with floor 7 = %g, want 1", got)
	}
	// Unknown curve reads as exponential, bad half-life as the default one.
	if got := Retention(&bad, Item{Type: Working, CreatedAt: t0}, t0); got != 1 {
		t.Errorf("Retention at age 0 = %g, want 1", got)
	}
}

func TestRetentionNilPolicy(t *testing.T) {
	it := Item{Type: Episodic, CreatedAt: t0}
	now := t0.Add(168 * time.Hour)
	def := DefaultPolicy()
	if got, want := Retention(nil, it, now), Retention(&def, it, now); got != want {
		t.Errorf("Retention(nil) = %g, want %g", got, want)
	}
	if got, want := HalfLife(nil, it), HalfLife(&def, it); got != want {
		t.Errorf("HalfLife(nil) = %v, want %v", got, want)
	}
	r1, s1 := Score(nil, 0.5, it, now)
	r2, s2 := Score(&def, 0.5, it, now)
	if r1 != r2 || s1 != s2 {
		t.Errorf("Score(nil) = (%g, %g), want (%g, %g)", r1, s1, r2, s2)
	}
}

func TestReinforce(t *testing.T) {
	tests := []struct {
		name      string
		it        Item
		now       time.Time
		wantCount int
		wantLast  time.Time
	}{
		{"case=first", Item{CreatedAt: t0}, t0.Add(time.Hour), 1, t0.Add(time.Hour)},
		{"case=again", Item{CreatedAt: t0, AccessCount: 4, LastAccessedAt: t0.Add(time.Hour)}, t0.Add(2 * time.Hour), 5, t0.Add(2 * time.Hour)},
		{"case=now_earlier", Item{CreatedAt: t0, AccessCount: 4, LastAccessedAt: t0.Add(time.Hour)}, t0, 5, t0.Add(time.Hour)},
		{"case=max_count", Item{CreatedAt: t0, AccessCount: math.MaxInt}, t0, math.MaxInt, t0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Reinforce(tc.it, tc.now)
			if got.AccessCount != tc.wantCount || !got.LastAccessedAt.Equal(tc.wantLast) {
				t.Errorf("Reinforce = count %d last %v, want count %d last %v", got.AccessCount, got.LastAccessedAt, tc.wantCount, tc.wantLast)
			}
			if got.Type != tc.it.Type || got.Importance != tc.it.Importance || !got.CreatedAt.Equal(tc.it.CreatedAt) {
				t.Errorf("Reinforce changed other fields: %+v from %+v", got, tc.it)
			}
		})
	}
}
