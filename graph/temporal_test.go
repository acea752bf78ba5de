package graph

import (
	"testing"
	"time"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

func TestApplySameTriple(t *testing.T) {
	old := Relation{ID: "r1", Source: "alice", Target: "google", Relation: RelWorksAt, Weight: 1,
		ValidFrom: day(0), SourceMemoryIDs: []string{"m1"}}
	up, ended := Apply([]Relation{old}, Relation{ID: "r2", Source: "alice", Target: "google", Relation: RelWorksAt,
		Weight: 0.5, ValidFrom: day(10), SourceMemoryIDs: []string{"m2", "m1"}})
	if len(up) != 1 || len(ended) != 0 {
		t.Fatalf("updated=%v ended=%v, want one row, none ended", up, ended)
	}
	r := up[0]
	if r.ID != "r1" || r.Weight != 1.5 || !r.ValidFrom.Equal(day(0)) || len(r.SourceMemoryIDs) != 2 || r.SourceMemoryIDs[1] != "m2" {
		t.Errorf("merged row = %+v", r)
	}
	if len(old.SourceMemoryIDs) != 1 {
		t.Errorf("existing slice modified: %v", old.SourceMemoryIDs)
	}
}

func TestApplyExclusiveEndsOld(t *testing.T) {
	old := Relation{ID: "r1", Source: "alice", Target: "paris", Relation: RelLivesIn, Weight: 1, ValidFrom: day(0)}
	other := Relation{ID: "r0", Source: "alice", Target: "jazz", Relation: RelLikes, Weight: 1, ValidFrom: day(0)}
	up, ended := Apply([]Relation{other, old}, Relation{ID: "r2", Source: "alice", Target: "berlin", Relation: RelLivesIn, ValidFrom: day(30)})
	if len(up) != 2 || up[0].ID != "r2" || up[1].ID != "r1" {
		t.Fatalf("updated = %+v", up)
	}
	if len(ended) != 1 || !ended[0].ValidTo.Equal(day(30)) {
		t.Fatalf("ended = %+v, want r1 ended at day 30", ended)
	}
	if !ValidAt(ended[0], day(29)) || ValidAt(ended[0], day(30)) || !ValidAt(up[0], day(30)) || ValidAt(up[0], day(29)) {
		t.Errorf("validity wrong: old %+v new %+v", ended[0], up[0])
	}
	if up[0].Weight != 1 {
		t.Errorf("default weight = %v, want 1", up[0].Weight)
	}
	// Non-exclusive relations accumulate.
	up, ended = Apply([]Relation{other}, Relation{ID: "r3", Source: "alice", Target: "rock", Relation: RelLikes, ValidFrom: day(5)})
	if len(up) != 1 || len(ended) != 0 {
		t.Errorf("likes: updated=%v ended=%v", up, ended)
	}
}

func TestApplyOutOfOrderAndSymmetric(t *testing.T) {
	later := Relation{ID: "r1", Source: "alice", Target: "berlin", Relation: RelLivesIn, ValidFrom: day(30)}
	up, ended := Apply([]Relation{later}, Relation{ID: "r2", Source: "alice", Target: "paris", Relation: RelLivesIn, ValidFrom: day(0)})
	if len(ended) != 0 || !up[0].ValidTo.Equal(day(30)) {
		t.Errorf("older fact learned late: updated=%+v ended=%+v, want new row ending at day 30", up, ended)
	}
	m := Relation{ID: "r1", Source: "bob", Target: "alice", Relation: RelMarriedTo, ValidFrom: day(0)}
	up, ended = Apply([]Relation{m}, Relation{ID: "r2", Source: "alice", Target: "bob", Relation: RelMarriedTo, ValidFrom: day(3)})
	if len(up) != 1 || up[0].ID != "r1" || len(ended) != 0 {
		t.Errorf("symmetric same fact: updated=%+v ended=%+v", up, ended)
	}
	_, ended = Apply([]Relation{m}, Relation{ID: "r3", Source: "alice", Target: "carol", Relation: RelMarriedTo, ValidFrom: day(9)})
	if len(ended) != 1 || ended[0].ID != "r1" {
		t.Errorf("symmetric conflict: ended=%+v", ended)
	}
	// Moving back after leaving creates a new interval.
	gone := Relation{ID: "r1", Source: "alice", Target: "paris", Relation: RelLivesIn, ValidFrom: day(0), ValidTo: day(10)}
	up, _ = Apply([]Relation{gone}, Relation{ID: "r5", Source: "alice", Target: "paris", Relation: RelLivesIn, ValidFrom: day(20)})
	if up[0].ID != "r5" || !up[0].ValidTo.IsZero() {
		t.Errorf("return after end: %+v", up)
	}
}

func TestValidAt(t *testing.T) {
	r := Relation{ValidFrom: day(1), ValidTo: day(3)}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{{day(0), false}, {day(1), true}, {day(2), true}, {day(3), false}} {
		t.Run("at="+tc.at.Format(time.DateOnly), func(t *testing.T) {
			if got := ValidAt(r, tc.at); got != tc.want {
				t.Errorf("ValidAt = %v, want %v", got, tc.want)
			}
		})
	}
	if !ValidAt(Relation{}, day(100)) {
		t.Error("zero interval should always be valid")
	}
}
