package graph

import (
	"fmt"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Alice", "alice"},
		{"  Dr.  Alice   O'Neil's ", "alice o neil"},
		{"Mr. Bob Smith", "bob smith"},
		{"The Beatles", "beatles"},
		{"José Álvarez", "jose alvarez"},
		{"Acme, Inc.", "acme inc"},
		{"C++", "c++"},
		{"the", "the"},
		{"", ""},
		{"\xff\xfeBob", "bob"},
	} {
		t.Run("in="+tc.in, func(t *testing.T) {
			if got := Normalize(tc.in); got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

type ent struct{ name, typ string }
type rel struct{ src, rel, dst string }

func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		text    string
		speaker string
		ents    []ent
		rels    []rel
	}{
		{text: "Alice works at Google. She lives in Paris.",
			ents: []ent{{"Alice", TypePerson}, {"Google", TypeOrganization}, {"Paris", TypeLocation}},
			rels: []rel{{"alice", RelWorksAt, "google"}, {"alice", RelLivesIn, "paris"}}},
		{text: "Caroline: I moved to Boston last week with my sister Emma.",
			ents: []ent{{"Caroline", TypePerson}, {"Boston", TypeLocation}, {"last week", TypeDate}, {"Emma", TypePerson}},
			rels: []rel{{"caroline", RelLivesIn, "boston"}, {"emma", RelSisterOf, "caroline"}}},
		{text: "I work at Acme Corp.", speaker: "Dana",
			ents: []ent{{"Acme Corp", TypeOrganization}},
			rels: []rel{{"dana", RelWorksAt, "acme corp"}}},
		{text: "I work at Acme Corp.",
			rels: []rel{{"user", RelWorksAt, "acme corp"}}},
		{text: "Dr. Robert Smith, the CEO of Acme Corp, was born on 8 May 1970 in London.",
			ents: []ent{{"Dr. Robert Smith", TypePerson}, {"8 May 1970", TypeDate}, {"London", TypeLocation}},
			rels: []rel{{"robert smith", RelWorksAt, "acme corp"}, {"robert smith", RelBornOn, "8 may 1970"}, {"robert smith", RelBornIn, "london"}}},
		{text: "Email bob@example.com or see https://example.com/docs, call +1 415 555 0100 about JIRA-123 (v1.2.3, $25.50) #bugfix @devteam",
			ents: []ent{{"bob@example.com", TypeEmail}, {"https://example.com/docs", TypeURL}, {"+1 415 555 0100", TypePhone},
				{"JIRA-123", TypeIdentifier}, {"v1.2.3", TypeIdentifier}, {"$25.50", TypeMoney}, {"#bugfix", TypeHashtag}, {"@devteam", TypeHandle}}},
		{text: "Caroline: I went to a LGBTQ support group yesterday, then Jacob went to Oakwood Elementary.",
			rels: []rel{{"jacob", RelStudiesAt, "oakwood elementary"}}},
		{text: "Bob's wife Jane hates Python.",
			rels: []rel{{"jane", RelMarriedTo, "bob"}, {"jane", RelDislikes, "python"}}},
		{text: "Maria is Tom's sister. I bought a new iPhone 15 yesterday.",
			ents: []ent{{"iPhone 15", TypeProduct}, {"yesterday", TypeDate}},
			rels: []rel{{"maria", RelSisterOf, "tom"}, {"user", RelOwns, "iphone 15"}}},
	} {
		t.Run("text="+tc.text, func(t *testing.T) {
			x := Extract(tc.text, ExtractOptions{Speaker: tc.speaker})
			for _, w := range tc.ents {
				found := false
				for _, m := range x.Entities {
					found = found || m.Name == w.name && m.Type == w.typ
				}
				if !found {
					t.Errorf("entity %v missing from %v", w, x.Entities)
				}
			}
			for _, w := range tc.rels {
				found := false
				for _, f := range x.Relations {
					found = found || f.Source == w.src && f.Relation == w.rel && f.Target == w.dst
				}
				if !found {
					t.Errorf("relation %v missing from %v", w, x.Relations)
				}
			}
		})
	}
}

func TestExtractTypesFilter(t *testing.T) {
	x := Extract("Alice works at Google in Paris since 2020.", ExtractOptions{Types: []string{TypePerson, TypeOrganization}})
	for _, m := range x.Entities {
		if m.Type != TypePerson && m.Type != TypeOrganization {
			t.Errorf("entity %v of a type not asked for", m)
		}
	}
	for _, f := range x.Relations {
		if f.Target == "paris" || f.Source == "paris" {
			t.Errorf("relation %v touches a filtered entity", f)
		}
	}
	if len(x.Entities) != 2 {
		t.Errorf("got %d entities, want 2: %v", len(x.Entities), x.Entities)
	}
}

func TestExtractExclusiveAndCoOccurs(t *testing.T) {
	x := Extract("Alice works at Google. Bob likes Paris.", ExtractOptions{})
	var works, co *Fact
	for i, f := range x.Relations {
		switch {
		case f.Relation == RelWorksAt:
			works = &x.Relations[i]
		case f.Relation == RelCoOccurs && f.Source == "alice" && f.Target == "google":
			co = &x.Relations[i]
		}
	}
	if works == nil || !works.Exclusive {
		t.Errorf("works_at fact = %v, want an exclusive fact", works)
	}
	if co == nil || co.Score != 1 || co.Exclusive {
		t.Errorf("co_occurs alice-google = %v, want weight 1, not exclusive", co)
	}
}

func TestExtractDeterministic(t *testing.T) {
	text := "Caroline: I met Dr. Alan Turing at the Science Museum in London on 3 June 2024 and Bob's brother Jim."
	a := fmt.Sprint(Extract(text, ExtractOptions{}))
	for range 5 {
		if b := fmt.Sprint(Extract(text, ExtractOptions{})); b != a {
			t.Fatalf("two runs differ:\n%s\n%s", a, b)
		}
	}
}

func checkSpans(tb testing.TB, text string, x Extraction) {
	tb.Helper()
	for _, m := range x.Entities {
		if m.Start < 0 || m.End > len(text) || m.Start >= m.End {
			tb.Fatalf("span [%d,%d) out of bounds for len %d", m.Start, m.End, len(text))
		}
		if m.Name != text[m.Start:m.End] {
			tb.Fatalf("name %q != text[%d:%d] %q", m.Name, m.Start, m.End, text[m.Start:m.End])
		}
		if utf8.ValidString(text) && !utf8.ValidString(m.Name) {
			tb.Fatalf("span %q cuts a rune", m.Name)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"", "Alice works at Google.", "Caroline: I moved to Boston.", "\"Foo\" ’s “Bar” @x #y $5 3pm",
		"Dr.", "Mr. ", "é'É’s", "A:\nB: my sister C", "\xff\xfe Alice's", "v1.2.3 JIRA-1 +1 (555) 555-5555 bob@x.io"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		x := Extract(text, ExtractOptions{})
		checkSpans(t, text, x)
		for _, r := range x.Relations {
			if r.Source == "" || r.Target == "" || r.Relation == "" {
				t.Fatalf("empty fact field: %+v", r)
			}
		}
	})
}

func TestExtractSurfaceForms(t *testing.T) {
	for _, tc := range []struct{ text, name, typ, canonical string }{
		{"I saw Alice's new car.", "Alice", TypePerson, "alice"},
		{"Mr. Bob Smith called.", "Mr. Bob Smith", TypePerson, "bob smith"},
		{"She studies at the University of Chicago.", "University of Chicago", TypeOrganization, "university of chicago"},
		{"We met John F. Kennedy Jr.", "John F. Kennedy Jr", TypePerson, "john f kennedy jr"},
		{"The Acme Corp deal closed.", "Acme Corp", TypeOrganization, "acme corp"},
		{"Dinner with José Álvarez in Zürich.", "José Álvarez", TypePerson, "jose alvarez"},
		{"Call me at 7:30 pm tomorrow.", "7:30 pm", TypeTime, "7:30 pm"},
	} {
		t.Run("text="+tc.text, func(t *testing.T) {
			x := Extract(tc.text, ExtractOptions{})
			checkSpans(t, tc.text, x)
			for _, m := range x.Entities {
				if m.Name == tc.name {
					if m.Type != tc.typ || m.Canonical != tc.canonical {
						t.Errorf("got %+v, want type %s canonical %q", m, tc.typ, tc.canonical)
					}
					return
				}
			}
			t.Errorf("no mention %q in %+v", tc.name, x.Entities)
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Dr. Alice O'Neil's", "The The", "a&b", "C++", "Zürich", "\xff", "mr dr", "x 's"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if n2 := Normalize(n); n2 != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, n2)
		}
	})
}

func TestExtractNoFalseStudy(t *testing.T) {
	x := Extract("Caroline: I went to a LGBTQ support group yesterday.", ExtractOptions{})
	for _, f := range x.Relations {
		if f.Relation == RelStudiesAt {
			t.Errorf("unexpected %+v", f)
		}
	}
}
