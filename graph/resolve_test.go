package graph

import (
	"fmt"
	"testing"
)

func TestResolver(t *testing.T) {
	r := NewResolver(nil)
	steps := []struct {
		name, typ string
		wantID    string
		wantNew   bool
	}{
		{"Robert Smith", TypePerson, "e1", true},
		{"robert  smith", TypePerson, "e1", false}, // exact after normalization
		{"Mr. Robert Smith's", TypePerson, "e1", false},
		{"Bob Smith", TypePerson, "e1", false}, // nickname
		{"Bob", TypePerson, "e1", false},       // first name → unique full name
		{"Robert", TypePerson, "e1", false},
		{"Acme Corporation", TypeOrganization, "e2", true},
		{"Acme Corporaton", TypeOrganization, "e2", false}, // MinHash near-duplicate
		{"Acme Corporation", TypeLocation, "e3", true},     // same name, incompatible type
		{"Jordan", TypeLocation, "e4", true},
		{"Jordan", TypePerson, "e5", true},
		{"Galaxy S23 Ultra", TypeProduct, "e6", true},
		{"Galaxy S24 Ultra", TypeProduct, "e7", true}, // differs only in digits: not a near-duplicate
		{"8 May 2023", TypeDate, "e8", true},
		{"9 May 2023", TypeDate, "e9", true}, // dates are never near-duplicates
		{"Bob Jones", TypePerson, "e10", true},
	}
	for _, s := range steps {
		id, isNew := r.Resolve(Mention{Name: s.name, Type: s.typ})
		if id != s.wantID || isNew != s.wantNew {
			t.Errorf("Resolve(%q, %s) = %s, %v; want %s, %v", s.name, s.typ, id, isNew, s.wantID, s.wantNew)
		}
	}
	e, ok := r.Entity("e1")
	if !ok || e.Canonical != "robert smith" || len(e.Aliases) == 0 {
		t.Errorf("Entity(e1) = %+v, %v", e, ok)
	}
	// Two full names share the first name: a lone "Bobby" is ambiguous.
	r2 := NewResolver(nil)
	r2.Resolve(Mention{Name: "Robert Smith", Type: TypePerson})
	r2.Resolve(Mention{Name: "Bob Jones", Type: TypePerson})
	if id, isNew := r2.Resolve(Mention{Name: "Bobby", Type: TypePerson}); id != "e3" || !isNew {
		t.Errorf("ambiguous first name resolved to %s (new %v), want a new e3", id, isNew)
	}
	if id, _ := r.Resolve(Mention{Name: "", Type: TypePerson}); id != "" {
		t.Errorf("empty name resolved to %q", id)
	}
}

func TestResolverAddAndNewID(t *testing.T) {
	n := 0
	r := NewResolver(&ResolverOptions{NewID: func(m Mention) string { n++; return fmt.Sprintf("ent-%d", n) }})
	r.Add(Entity{ID: "known", Name: "Katherine Johnson", Type: TypePerson, Aliases: []string{"KJ"}})
	for _, tc := range []struct{ name, want string }{
		{"Kate Johnson", "known"}, {"kj", "known"}, {"Katie", "known"}, {"Dorothy Vaughan", "ent-1"},
	} {
		t.Run("name="+tc.name, func(t *testing.T) {
			if id, _ := r.Resolve(Mention{Name: tc.name, Type: TypePerson}); id != tc.want {
				t.Errorf("Resolve(%q) = %q, want %q", tc.name, id, tc.want)
			}
		})
	}
	if r.Len() != 2 {
		t.Errorf("Len = %d, want 2", r.Len())
	}
	if es := r.Entities(); len(es) != 2 || es[0].ID != "known" || len(es[0].Aliases) < 3 {
		t.Errorf("Entities = %+v", es)
	}
}

func TestResolverDeterministic(t *testing.T) {
	names := []string{"Alice Wong", "Alicia Wong", "Alice", "Wong Alice", "Acme Labs", "Acme Lab", "ACME Labs Inc"}
	run := func() string {
		r := NewResolver(nil)
		out := ""
		for _, n := range names {
			id, _ := r.Resolve(Mention{Name: n, Type: TypeConcept})
			out += id + ","
		}
		return out
	}
	a := run()
	for range 3 {
		if b := run(); b != a {
			t.Fatalf("runs differ: %s vs %s", a, b)
		}
	}
}

func TestMinhashSimilarity(t *testing.T) {
	for _, tc := range []struct {
		a, b     string
		min, max float64
	}{
		{"acme corporation", "acme corporation", 1, 1},
		{"acme corporation", "acme corporaton", 0.6, 1},
		{"acme corporation", "zebra holdings", 0, 0.2},
	} {
		t.Run("a="+tc.a+"/b="+tc.b, func(t *testing.T) {
			s := similarity(minhash(tc.a), minhash(tc.b))
			if s < tc.min || s > tc.max {
				t.Errorf("similarity = %.2f, want in [%.2f, %.2f]", s, tc.min, tc.max)
			}
		})
	}
}

func BenchmarkResolve(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("known=%d", n), func(b *testing.B) {
			r := NewResolver(nil)
			for i := range n {
				r.Add(Entity{ID: fmt.Sprintf("k%d", i), Name: syllables(uint64(i)) + " " + syllables(uint64(i)*31+7), Type: TypePerson})
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				// Unseen names: the exact, alias and MinHash paths all run.
				r.Resolve(Mention{Name: syllables(uint64(i)+1e6) + " " + syllables(uint64(i)*7919), Type: TypePerson})
				i++
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "resolves/s")
		})
	}
}

// syllables spells n as a pronounceable made-up name.
func syllables(n uint64) string {
	const cons, vows = "bdfgklmnprstvz", "aeiou"
	var b []byte
	n = splitmix(n)
	for range 3 {
		b = append(b, cons[n%uint64(len(cons))], vows[(n/16)%uint64(len(vows))])
		n /= 97
	}
	return string(b)
}
