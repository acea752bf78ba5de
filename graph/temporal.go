package graph

import (
	"slices"
	"time"
)

// Relation is a stored fact between two entities with its validity
// interval [ValidFrom, ValidTo). A zero ValidTo means still valid; a zero
// ValidFrom means valid since forever. Field names follow the API's
// Relation object.
type Relation struct {
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Target          string    `json:"target"`
	Relation        string    `json:"relation"`
	Weight          float64   `json:"weight"`
	ValidFrom       time.Time `json:"valid_from"`
	ValidTo         time.Time `json:"valid_to,omitzero"`
	SourceMemoryIDs []string  `json:"source_memory_ids"`
	CreatedAt       time.Time `json:"created_at"`
}

// ValidAt reports whether r holds at t: ValidFrom <= t < ValidTo.
func ValidAt(r Relation, t time.Time) bool {
	return !t.Before(r.ValidFrom) && (r.ValidTo.IsZero() || t.Before(r.ValidTo))
}

// Edge returns the relation as a traversal edge.
func (r Relation) Edge() Edge {
	return Edge{ID: r.ID, Source: r.Source, Target: r.Target, Type: r.Relation, Weight: r.Weight,
		CreatedAt: r.CreatedAt, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo}
}

// sameTriple reports whether r states the fact f (either direction for a
// symmetric relation).
func sameTriple(r, f Relation) bool {
	if r.Relation != f.Relation {
		return false
	}
	if r.Source == f.Source && r.Target == f.Target {
		return true
	}
	return IsSymmetric(f.Relation) && r.Source == f.Target && r.Target == f.Source
}

// conflicts reports whether r and f cannot both hold for an exclusive
// relation: same relation, a shared source (or, when symmetric, any shared
// end), a different target.
func conflicts(r, f Relation) bool {
	if r.Relation != f.Relation || !IsExclusive(f.Relation) || sameTriple(r, f) {
		return false
	}
	if !IsSymmetric(f.Relation) {
		return r.Source == f.Source
	}
	return r.Source == f.Source || r.Source == f.Target || r.Target == f.Source || r.Target == f.Target
}

// openAt reports whether r is still valid at t or later.
func openAt(r Relation, t time.Time) bool { return r.ValidTo.IsZero() || r.ValidTo.After(t) }

// Apply merges a newly observed fact into the existing relations of its
// source. existing is not modified.
//
//   - The same triple, still valid at fact.ValidFrom: the fact's source
//     memories are added and the weight grows by fact.Weight (1 when zero);
//     an earlier ValidFrom is kept. No new row.
//   - Otherwise a new row is created from fact (its ID is the caller's;
//     ValidFrom defaults to CreatedAt, Weight to 1).
//   - For an exclusive relation (works_at, lives_in, married_to), every
//     conflicting row that started before the fact and is open at
//     fact.ValidFrom is ended there (ValidTo = fact.ValidFrom), never
//     deleted; a conflicting row that starts later instead ends the new
//     row at its ValidFrom (facts learned out of order).
//
// updated holds every row this call created or changed, the fact's row
// first; ended is the subset whose validity this call closed. Persist
// updated.
func Apply(existing []Relation, fact Relation) (updated []Relation, ended []Relation) {
	if fact.ValidFrom.IsZero() {
		fact.ValidFrom = fact.CreatedAt
	}
	if fact.Weight <= 0 {
		fact.Weight = 1
	}
	fact.SourceMemoryIDs = dedup(fact.SourceMemoryIDs)
	var row *Relation
	for i := range existing {
		r := existing[i]
		if sameTriple(r, fact) && openAt(r, fact.ValidFrom) {
			r.SourceMemoryIDs = dedup(append(slices.Clone(r.SourceMemoryIDs), fact.SourceMemoryIDs...))
			r.Weight += fact.Weight
			if fact.ValidFrom.Before(r.ValidFrom) {
				r.ValidFrom = fact.ValidFrom
			}
			row = &r
			break
		}
	}
	if row == nil {
		r := fact
		row = &r
	}
	var changed []Relation
	for _, r := range existing {
		if r.ID == row.ID || !conflicts(r, *row) {
			continue
		}
		switch {
		case r.ValidFrom.After(row.ValidFrom):
			if row.ValidTo.IsZero() || r.ValidFrom.Before(row.ValidTo) {
				row.ValidTo = r.ValidFrom
			}
		case openAt(r, row.ValidFrom):
			r.ValidTo = row.ValidFrom
			r.SourceMemoryIDs = slices.Clone(r.SourceMemoryIDs)
			changed = append(changed, r)
			ended = append(ended, r)
		}
	}
	return append([]Relation{*row}, changed...), ended
}

func dedup(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
