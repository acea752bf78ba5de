package decay

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestScore(t *testing.T) {
	p := DefaultPolicy()
	year := 365 * 24 * time.Hour
	old := Item{Type: Episodic, CreatedAt: t0}                            // at now: floor
	fresh := Item{Type: Episodic, Importance: 1, CreatedAt: t0.Add(year)} // at now: 1
	now := t0.Add(year)
	tests := []struct {
		name      string
		relevance float64
		it        Item
		wantRet   float64
		wantSmart float64
	}{
		{"rel=1/fresh", 1, fresh, 1, 1},
		{"rel=0/fresh", 0, fresh, 1, 0},
		{"rel=1/old", 1, old, 0.05, 0.7 + 0.2*0.05},
		{"rel=0.5/old", 0.5, old, 0.05, 0.5 * (0.7 + 0.2*0.05)},
		{"rel=2/fresh", 2, fresh, 1, 1},
		{"rel=-1/fresh", -1, fresh, 1, 0},
		{"rel=NaN/fresh", math.NaN(), fresh, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ret, smart := Score(&p, tc.relevance, tc.it, now)
			if !near(ret, tc.wantRet) || !near(smart, tc.wantSmart) {
				t.Errorf("Score = (%g, %g), want (%g, %g)", ret, smart, tc.wantRet, tc.wantSmart)
			}
		})
	}
}

func TestScoreWeights(t *testing.T) {
	it := Item{Type: Working, Importance: 0.4, CreatedAt: t0}
	now := t0.Add(time.Hour) // working, importance 0.4: h_eff = 1.4h
	ret := math.Exp2(-1 / 1.4)
	tests := []struct {
		wr, wt, wi float64
		want       float64
	}{
		{0, 0, 0, 0.8},       // pure relevance
		{1, 0, 0, 0.8},       // pure relevance
		{0, 1, 0, 0.8 * ret}, // relevance × retention
		{0, 0, 1, 0.8 * 0.4}, // relevance × importance
		{7, 2, 1, 0.8 * (0.7 + 0.2*ret + 0.1*0.4)},    // scale does not matter
		{0.7, 0.2, 0.1, 0.8 * (0.7 + 0.2*ret + 0.04)}, // defaults
		{-1, 1, math.NaN(), 0.8 * ret},                // bad weights read as 0
		{math.MaxFloat64, math.MaxFloat64, 0, 0.8 * (1 + ret) / 2},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("wr=%g/wt=%g/wi=%g", tc.wr, tc.wt, tc.wi), func(t *testing.T) {
			p := DefaultPolicy()
			p.RelevanceWeight, p.RecencyWeight, p.ImportanceWeight = tc.wr, tc.wt, tc.wi
			gotRet, got := Score(&p, 0.8, it, now)
			if !near(gotRet, ret) || !near(got, tc.want) {
				t.Errorf("Score = (%g, %g), want (%g, %g)", gotRet, got, ret, tc.want)
			}
		})
	}
}

// TestScoreRelevanceWins checks the documented guarantee on concrete
// cases: a much more relevant memory outranks a fresher, more important,
// less relevant one, while among similar relevances freshness decides.
func TestScoreRelevanceWins(t *testing.T) {
	p := DefaultPolicy()
	now := t0.Add(400 * 24 * time.Hour)
	ancient := Item{Type: Episodic, Importance: 0, CreatedAt: t0}
	freshImportant := Item{Type: Episodic, Importance: 1, CreatedAt: now.Add(-time.Minute)}
	tests := []struct {
		name       string
		relA, relB float64
		a, b       Item
		wantAOverB bool
	}{
		{"case=relevant_ancient_vs_irrelevant_fresh", 0.9, 0.3, ancient, freshImportant, true},
		{"case=ratio_above_bound", 0.5, 0.5 * 0.7 * 0.999, ancient, freshImportant, true},
		{"case=similar_relevance_freshness_decides", 0.8, 0.75, ancient, freshImportant, false},
		{"case=irrelevant_never_wins", 0.01, 0, ancient, freshImportant, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, sa := Score(&p, tc.relA, tc.a, now)
			_, sb := Score(&p, tc.relB, tc.b, now)
			if (sa > sb) != tc.wantAOverB {
				t.Errorf("smart(a)=%g smart(b)=%g, want a above b: %v", sa, sb, tc.wantAOverB)
			}
		})
	}
}
