package text

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/blevesearch/vellum"
)

func testKey(tb testing.TB) []byte {
	tb.Helper()
	k := make([]byte, keySize)
	rand.Read(k)
	return k
}

func openT(tb testing.TB, dir string, key []byte, opts *Options) *Index {
	tb.Helper()
	ix, err := Open(dir, key, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = ix.Close() })
	return ix
}

func ids(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func TestIndexSearchDelete(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir(), testKey(t), nil)
	ops := []Op{
		{ID: "m1", Text: "Alice prefers dark roast coffee in the morning"},
		{ID: "m2", Text: "Bob is allergic to peanuts and shellfish"},
		{ID: "m3", Text: "The quarterly report is due on Friday"},
		{ID: "m4", Text: "Alice's sister lives in Lisbon"},
	}
	if err := ix.Apply(ops, 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  string
	}{
		{"what coffee does alice like", "m1"},
		{"peanut allergy", "m2"},
		{"when is the report due", "m3"},
		{"where does Alice's sister live", "m4"},
	}
	for _, tt := range tests {
		t.Run("query="+tt.query, func(t *testing.T) {
			hits, err := ix.Search(ctx, tt.query, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].ID != tt.want {
				t.Fatalf("hits = %v, want %s first", hits, tt.want)
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].Score > hits[i-1].Score {
					t.Fatalf("hits not sorted by score: %v", hits)
				}
			}
		})
	}
	if n, err := ix.Count(); err != nil || n != 4 {
		t.Fatalf("Count = %d, %v; want 4", n, err)
	}
	if err := ix.Apply([]Op{{ID: "m2", Delete: true}, {ID: "m1", Text: "Alice switched to green tea"}}, 2); err != nil {
		t.Fatal(err)
	}
	hits, err := ix.Search(ctx, "peanuts", 5)
	if err != nil || len(hits) != 0 {
		t.Fatalf("deleted doc still found: %v, %v", hits, err)
	}
	hits, err = ix.Search(ctx, "coffee", 5)
	if err != nil || len(hits) != 0 {
		t.Fatalf("replaced text still found: %v, %v", hits, err)
	}
	hits, err = ix.Search(ctx, "tea", 5)
	if err != nil || !slices.Equal(ids(hits), []string{"m1"}) {
		t.Fatalf("Search(tea) = %v, %v", hits, err)
	}
	if n, err := ix.Count(); err != nil || n != 3 {
		t.Fatalf("Count = %d, %v; want 3", n, err)
	}
}

func TestSearchEdgeQueries(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir(), testKey(t), nil)
	if err := ix.Apply([]Op{
		{ID: "a", Text: "foo bar baz"},
		{ID: "b", Text: "field x notes"},
	}, 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query   string
		k       int
		wantAny bool
	}{
		{"", 5, false},
		{"   ", 5, false},
		{"the and of to", 5, false},
		{`+foo -bar field:x "unterminated`, 5, true},
		{`foo AND (bar OR`, 5, true},
		{`*:* ~~ ^2 /regex[/ \`, 5, false},
		{`title:foo^10 _id:a`, 5, false}, // "title:foo" is one token (UAX#29)
		{"foo", 0, false},
		{"foo", -3, false},
		{"foo", 1 << 30, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("query=%q/k=%d", tt.query, tt.k), func(t *testing.T) {
			hits, err := ix.Search(ctx, tt.query, tt.k)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if got := len(hits) > 0; got != tt.wantAny {
				t.Fatalf("hits = %v, want any=%v", hits, tt.wantAny)
			}
		})
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ix.Search(cctx, "foo", 5); !errors.Is(err, context.Canceled) {
		t.Fatalf("Search with canceled ctx = %v", err)
	}
	// Syntax characters are not operators: "-bar" must not exclude "a".
	hits, err := ix.Search(ctx, "+foo -bar", 5)
	if err != nil || !slices.Contains(ids(hits), "a") {
		t.Fatalf("Search(+foo -bar) = %v, %v; want a", hits, err)
	}
}

func TestCheckpointPersists(t *testing.T) {
	dir := t.TempDir()
	key := testKey(t)
	ix, err := Open(dir, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cp, err := ix.Checkpoint(); err != nil || cp != 0 {
		t.Fatalf("new Checkpoint = %d, %v", cp, err)
	}
	for seq := uint64(1); seq <= 5; seq++ {
		if err := ix.Apply([]Op{{ID: fmt.Sprint("d", seq), Text: "hello world"}}, seq*10); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Apply(nil, 60); err != nil {
		t.Fatalf("Apply with no ops: %v", err)
	}
	if err := ix.Apply([]Op{{ID: "ok", Text: "x"}, {ID: ""}}, 70); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Apply with empty id = %v, want ErrInvalid", err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(context.Background(), "hello", 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Search after Close: %v, want ErrClosed", err)
	}
	ix = openT(t, dir, key, nil)
	if cp, err := ix.Checkpoint(); err != nil || cp != 60 {
		t.Fatalf("reopened Checkpoint = %d, %v; want 60", cp, err)
	}
	if n, err := ix.Count(); err != nil || n != 5 {
		t.Fatalf("reopened Count = %d, %v; want 5", n, err)
	}
	hits, err := ix.Search(context.Background(), "hello", 10)
	if err != nil || len(hits) != 5 {
		t.Fatalf("reopened Search = %v, %v", hits, err)
	}
}

func TestWrongKey(t *testing.T) {
	dir := t.TempDir()
	key := testKey(t)
	ix, err := Open(dir, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Apply([]Op{{ID: "x", Text: "secret"}}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, key, nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("second Open = %v, want ErrBusy", err)
	}
	if err := Destroy(dir); !errors.Is(err, ErrBusy) {
		t.Fatalf("Destroy while open = %v, want ErrBusy", err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, testKey(t), nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Open with wrong key = %v, want ErrWrongKey", err)
	}
	// Even with the key check replaced, Bleve's files refuse the key.
	other := testKey(t)
	if err := os.WriteFile(filepath.Join(dir, keyCheckFile), keyCheck(other), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, other, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Open with wrong key and forged key check = %v, want ErrWrongKey", err)
	}
	if _, err := Open(dir, key[:16], nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Open with short key = %v, want ErrInvalid", err)
	}
	if err := Destroy(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dir still there after Destroy: %v", err)
	}
}

func TestAnalyzerFixedAtCreation(t *testing.T) {
	dir := t.TempDir()
	key := testKey(t)
	ix, err := Open(dir, key, &Options{Analyzer: AnalyzerStandard})
	if err != nil {
		t.Fatal(err)
	}
	_ = ix.Close()
	if _, err := Open(dir, key, &Options{Analyzer: AnalyzerEnglish}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Open with other analyzer = %v, want ErrInvalid", err)
	}
	ix = openT(t, dir, key, nil)
	if got := storedAnalyzer(ix.idx); got != AnalyzerStandard {
		t.Fatalf("stored analyzer = %q", got)
	}
	if _, err := Open(t.TempDir(), key, &Options{Analyzer: "klingon"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown analyzer: %v", err)
	}
}

// TestCanary writes a canary into ids, text and the checkpoint path, forces
// merges, closes, and scans every byte of every file for it.
func TestCanary(t *testing.T) {
	const canary = "zqxcanaryword"
	dir := t.TempDir()
	key := testKey(t)
	ix, err := Open(dir, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	for b := range 30 {
		var ops []Op
		for i := range 20 {
			ops = append(ops, Op{
				ID:   fmt.Sprintf("%s-id-%d-%d", canary, b, i),
				Text: fmt.Sprintf("the %s remembers %s%d and %s", canary, canary, i, "plainword"),
			})
		}
		if b%3 == 2 {
			ops = append(ops, Op{ID: fmt.Sprintf("%s-id-%d-0", canary, b-1), Delete: true})
		}
		if err := ix.Apply(ops, uint64(b+1)); err != nil {
			t.Fatal(err)
		}
	}
	hits, err := ix.Search(context.Background(), canary, 3)
	if err != nil || len(hits) != 3 {
		t.Fatalf("Search(canary) = %v, %v", hits, err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{canary, "plainword", "remember"} {
		if found := scanFor(t, dir, needle); len(found) > 0 {
			t.Errorf("%q found in %v", needle, found)
		}
	}
	// Terms sit in vellum FSTs as reversed, table-encoded transitions, not
	// as text: look for those encodings too (TestCanaryControl shows they
	// are found in a plain index).
	for _, w := range fstWindows(t, canary) {
		if found := scanFor(t, dir, string(w)); len(found) > 0 {
			t.Errorf("FST encoding of the canary term found in %v", found)
		}
	}
	ix = openT(t, dir, key, nil)
	if n, err := ix.Count(); err != nil || n != 590 {
		t.Fatalf("reopened Count = %d, %v; want 590", n, err)
	}
}

func TestConcurrentSearchApply(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir(), testKey(t), nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		for b := range 20 {
			ops := make([]Op, 10)
			for i := range ops {
				ops[i] = Op{ID: fmt.Sprint(b, "-", i), Text: fmt.Sprint("note number ", i, " about topic ", b)}
			}
			if err := ix.Apply(ops, uint64(b+1)); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 3 {
		wg.Go(func() {
			for range 50 {
				if _, err := ix.Search(ctx, "note about topic 7", 5); err != nil {
					t.Error(err)
					return
				}
				if _, err := ix.Checkpoint(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n, err := ix.Count(); err != nil || n != 200 {
		t.Fatalf("Count = %d, %v", n, err)
	}
}

// asciiLower lowercases ASCII letters only; bytes.ToLower would turn
// binary data into replacement characters.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// scanFor returns the files under dir whose bytes contain needle (case
// insensitive for ASCII), after checking that there are files to scan.
func scanFor(tb testing.TB, dir, needle string) []string {
	tb.Helper()
	var found []string
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(asciiLower(b), asciiLower([]byte(needle))) {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if files < 3 {
		tb.Fatalf("only %d files under %s", files, dir)
	}
	return found
}

// TestCanaryControl shows the scan finds what plain Bleve leaves on disk,
// so TestCanary's zero hits mean something.
func TestCanaryControl(t *testing.T) {
	ix := benchIndex(t, false, true)
	if err := ix.Apply([]Op{
		{ID: "zqxcanaryid", Text: "the zqxcanaryword remembers"},
		{ID: "other", Text: "plainword and more words"},
	}, 1); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(ix.idx.Name())
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if found := scanFor(t, dir, "zqxcanaryid"); len(found) == 0 {
		t.Error("plain Bleve: document id not found by the scan")
	}
	var hit bool
	for _, w := range fstWindows(t, "zqxcanaryword") {
		hit = hit || len(scanFor(t, dir, string(w))) > 0
	}
	if !hit {
		t.Error("plain Bleve: FST encoding of the term not found by the scan")
	}
}

// fstWindows returns 5-byte windows of the middle of a vellum FST holding only the
// analyzed form of word: a plain segment's term dictionary contains some
// of them wherever the term's suffix chain is encoded.
func fstWindows(tb testing.TB, word string) [][]byte {
	tb.Helper()
	m, err := newMapping(DefaultAnalyzer)
	if err != nil {
		tb.Fatal(err)
	}
	toks := m.AnalyzerNamed(DefaultAnalyzer).Analyze([]byte(word))
	if len(toks) != 1 {
		tb.Fatalf("%q analyzes to %d tokens", word, len(toks))
	}
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := b.Insert(toks[0].Term, 0); err != nil {
		tb.Fatal(err)
	}
	if err := b.Close(); err != nil {
		tb.Fatal(err)
	}
	// Skip vellum's 16-byte header and footer, and the ends of the chain:
	// the word's suffix is shared with other terms in a real dictionary
	// and its first byte hangs off the root.
	fst := buf.Bytes()
	body := fst[16 : len(fst)-16]
	mid := body[len(body)/4 : len(body)*3/4]
	const size = 5
	var out [][]byte
	for i := 0; i+size <= len(mid); i++ {
		if w := mid[i : i+size]; !bytes.Contains(w, []byte{0}) {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("FST of %q too short", word)
	}
	return out
}
