package text

import (
	"context"
	"testing"
	"unicode/utf8"
)

// FuzzSearch: no query text makes Search fail or return more than k hits.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		"", "hello", `+foo -bar field:x "unterminated`, `a:b:c ~2 ^3 /re[/ \`, "\x00\xff",
		"ÉCOLE straße 東京 🙂", "NOT AND OR ( ) { } [ ] * ? !",
	} {
		f.Add(s, 5)
	}
	ix := openT(f, f.TempDir(), testKey(f), nil)
	if err := ix.Apply([]Op{
		{ID: "a", Text: "foo bar baz école"},
		{ID: "b", Text: "the field x straße"},
	}, 1); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string, k int) {
		k = k%50 - 10
		hits, err := ix.Search(context.Background(), q, k)
		if err != nil {
			t.Fatalf("Search(%q, %d): %v", q, k, err)
		}
		if len(hits) > max(k, 0) {
			t.Fatalf("Search(%q, %d) = %d hits", q, k, len(hits))
		}
		for _, h := range hits {
			if !utf8.ValidString(h.ID) || (h.ID != "a" && h.ID != "b") {
				t.Fatalf("unknown hit %q", h.ID)
			}
		}
	})
}
