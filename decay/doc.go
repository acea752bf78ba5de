// Package decay is Engram's pure scoring: retention curves, the per-namespace
// decay policy, reinforcement on recall, and the rank key that combines
// relevance, retention and importance.
//
// It owns the Policy type (the decay part of a namespace's MemoryPolicy and
// its JSON form), the memory type names, the curve names and every formula
// below. It imports nothing of the module, does no I/O, starts no goroutines
// and never reads the clock: the moment of evaluation is always a parameter,
// so ranking can be evaluated at any instant (recall's as_of) and tests need
// no fake clock.
//
// # Memory types and defaults
//
// Types are the strings "working", "episodic", "semantic", "procedural"
// (constants Working, Episodic, Semantic, Procedural). An empty or unknown
// type is scored as "episodic", the API's default type.
//
// DefaultPolicy:
//
//	type        curve        half_life_hours
//	working     exponential  1       (scratch state for the task at hand)
//	episodic    exponential  168     (7 days: events fade like Ebbinghaus' curve)
//	semantic    power_law    2160    (90 days, long tail: facts fade slowly)
//	procedural  power_law    4320    (180 days, long tail: how-to is kept longest)
//
//	relevance_weight 0.7, recency_weight 0.2, importance_weight 0.1,
//	retention_floor 0.05, spaced_repetition_factor 0.5,
//	spaced_repetition_base_interval_seconds 3600.
//
// The weights let relevance dominate (see Score: with these weights a memory
// more than 1/0.7 ≈ 1.43 times as relevant as another always ranks above it,
// however old it is), while freshness and importance reorder memories of
// similar relevance. The floor keeps old memories findable: an exact match
// from last year still surfaces, it just needs to beat fresher ones.
//
// # Effective half-life
//
// For an Item with type T, importance I (clamped to [0,1]; NaN counts as 0)
// and access count n (negative counts as 0):
//
//	h_T     = half_life_hours[T]
//	span    = max(0, LastAccessedAt - CreatedAt)
//	n_eff   = n                          if base_interval = 0
//	        = min(n, span/base_interval) otherwise
//	h_eff   = h_T × (1 + I) × (1 + f × ln(1 + n_eff))
//
// where f is spaced_repetition_factor and base_interval is
// spaced_repetition_base_interval_seconds. Importance stretches the half-life
// up to twice; each recall stretches it logarithmically (f = 0.5: one recall
// ×1.35, ten recalls ×2.2, a hundred ×3.3). The base interval encodes the
// spacing effect without storing an access history: a memory cannot have
// had more spaced repetitions than base intervals elapsed between its
// creation and its last access, so a burst of recalls within one conversation
// turn counts for little, while the same recalls spread over days count in
// full.
//
// # Retention
//
//	age = now - max(CreatedAt, LastAccessedAt)    (age <= 0 gives 1)
//	x   = age / h_eff
//
//	exponential  R = 2^(-x)                        R(h)=0.5, R(2h)=0.25
//	power_law    R = (1 + 3x)^(-1/2)               R(h)=0.5, R(2h)≈0.378
//	linear       R = max(0, 1 - x/2)               R(h)=0.5, R(2h)=0
//	step         R = 1 if x < 1, else 0            a cliff at h
//	logarithmic  R = max(0, 1 - log2(1 + x)/2)     R(h)=0.5, R(3h)=0
//	flat         R = 1                             never fades
//
//	retention = max(retention_floor, R)
//
// so retention lies in [retention_floor, 1] and every curve except step and
// flat passes 0.5 at one effective half-life. The power law uses the decay
// exponent -1/2 of FSRS-4.5's forgetting curve, rescaled so R(h) = 0.5; it
// keeps a long tail (R(10h) ≈ 0.18 against 0.001 for the exponential).
// Logarithmic drops fastest right after the last access, then ever more
// slowly, reaching zero at 3h. Retention is non-increasing in age and
// non-decreasing in importance and in access count.
//
// # Rank key
//
// Score combines relevance r (clamped to [0,1]; NaN counts as 0), retention
// R and importance I with the policy weights w_r, w_t (recency) and w_i:
//
//	W     = w_r + w_t + w_i
//	smart = r × (w_r + w_t×R + w_i×I) / W      (smart = r when W = 0)
//
// i.e. relevance scaled by a weighted mean of 1, retention and importance.
// smart lies in [0,1] and is 0 for an irrelevant memory, whatever its
// freshness or importance. Since the multiplier lies in [w_r/W, 1], a memory
// with r_a > r_b × W/w_r ranks above the other one whatever their ages and
// importances. Ordering depends only on the relative relevances, so any
// fused relevance in [0,1] (normalized weighted sum or scaled RRF) works.
//
// # Reinforcement
//
// Reinforce records a recall: access count + 1 and last access = now (or
// left as is when now is earlier, so a replayed or as_of access never ages a
// memory). Retention after reinforcement is never lower, at any later moment.
//
// # Policy JSON
//
// Policy marshals to the decay fields of the API's MemoryPolicy:
//
//	{"working_decay":"exponential","episodic_decay":"exponential",
//	 "semantic_decay":"power_law","procedural_decay":"power_law",
//	 "half_life_hours":{"working":1,"episodic":168,"semantic":2160,"procedural":4320},
//	 "importance_weight":0.1,"recency_weight":0.2,"relevance_weight":0.7,
//	 "retention_floor":0.05,"spaced_repetition_factor":0.5,
//	 "spaced_repetition_base_interval_seconds":3600}
//
// Policy.Merge applies a partial update: fields absent from the patch (or
// null) keep their value, including each type inside half_life_hours;
// fields this package does not own (TTLs, dedup, rate limits) are ignored so
// the whole MemoryPolicy patch can be passed. Validate reports every
// out-of-range field as a *ValidationError (joined with errors.Join when
// there are several); each one matches ErrInvalidPolicy with errors.Is.
package decay
