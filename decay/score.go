package decay

import "time"

// Score returns the retention of it at now and the rank key (smart score)
// for a memory of the given relevance under p (nil means DefaultPolicy):
//
//	smart = r × (w_r + w_t×retention + w_i×importance) / (w_r + w_t + w_i)
//
// with r and importance clamped to [0, 1] and negative or non-finite weights
// read as 0; smart = r when all weights are 0. smart is in [0, 1], is 0 when
// r is 0, and a memory with r_a > r_b × W/w_r outranks the other whatever
// their ages (see the package doc).
func Score(p *Policy, relevance float64, it Item, now time.Time) (retention, smart float64) {
	if p == nil {
		def := DefaultPolicy()
		p = &def
	}
	retention = Retention(p, it, now)
	r := clamp01(relevance)
	wr, wt, wi := nonNeg(p.RelevanceWeight), nonNeg(p.RecencyWeight), nonNeg(p.ImportanceWeight)
	top := max(wr, wt, wi)
	if top == 0 {
		return retention, r
	}
	wr, wt, wi = wr/top, wt/top, wi/top // keeps the sum finite
	m := (wr + wt*retention + wi*clamp01(it.Importance)) / (wr + wt + wi)
	return retention, clamp01(r * m)
}
