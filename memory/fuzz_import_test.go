package memory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// importLineFuzz is one NDJSON line of an import as the server reads it
// (httpapi readImport): an export record, its kind telling memories from
// relations and entities.
type importLineFuzz struct {
	Kind string `json:"kind"`
	StoreInput
}

// parseImportNDJSON splits data into the memory items and relation lines
// an import receives; lines that do not decode are dropped, as the server
// reports them as failures without passing them on.
func parseImportNDJSON(data []byte) ([]StoreInput, []ExportRelation) {
	var items []StoreInput
	var rels []ExportRelation
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		b := bytes.TrimSpace(sc.Bytes())
		var l importLineFuzz
		if len(b) == 0 || json.Unmarshal(b, &l) != nil {
			continue
		}
		switch l.Kind {
		case "", ExportKindMemory:
			items = append(items, l.StoreInput)
		case ExportKindRelation:
			var r ExportRelation
			if json.Unmarshal(b, &r) == nil {
				rels = append(rels, r)
			}
		}
	}
	return items, rels
}

// importFixture is a namespace with memories stored before any import.
type importFixture struct {
	e     *Engine
	known []*Memory // stored before the fuzzing, each with a unique word
	words []string
}

func newImportFixture(tb testing.TB) *importFixture {
	tb.Helper()
	ctx := context.Background()
	s := openTest(tb, tb.TempDir(), nil)
	tb.Cleanup(func() { s.Close() })
	e, err := s.EnsureNamespace(ctx, "org_fuzz", "imp", true)
	if err != nil {
		tb.Fatal(err)
	}
	fx := &importFixture{e: e}
	for i, c := range []string{"Alice Moreau joined Acme Corp in Lyon", "Bob Stone left Globex in Paris", "tea at noon"} {
		word := fmt.Sprintf("keepword%c", 'a'+i)
		m, _, err := e.Store(ctx, StoreInput{AgentID: "bot", Content: c + " " + word, Tags: []string{"keep"}})
		if err != nil {
			tb.Fatal(err)
		}
		fx.known, fx.words = append(fx.known, m), append(fx.words, word)
	}
	if _, err := e.AddRelation(ctx, RelationInput{Source: "Alice Moreau", Target: "Acme Corp", Relation: "works at"}); err != nil {
		tb.Fatal(err)
	}
	return fx
}

// exportNDJSON is the fixture namespace's export, the seed an import sees
// most in practice.
func (fx *importFixture) exportNDJSON(tb testing.TB, withEmb bool) []byte {
	tb.Helper()
	var buf bytes.Buffer
	err := fx.e.Export(context.Background(), withEmb, func(line any) error {
		b, err := json.Marshal(line)
		buf.Write(append(b, '\n'))
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// intact fails unless every memory stored before the imports is still
// readable unchanged and found by a BM25 recall of its word.
func (fx *importFixture) intact(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for i, want := range fx.known {
		got, err := fx.e.Get(ctx, want.ID)
		if err != nil || got.Content != want.Content || got.CreatedAt != want.CreatedAt {
			t.Fatalf("memory %s after import: %+v, %v; want content %q", want.ID, got, err, want.Content)
		}
		const topK = 50
		items, _, err := fx.e.Recall(ctx, RecallInput{Query: fx.words[i], TopK: topK, Routing: "bm25"})
		if err != nil {
			t.Fatalf("recall %q after import: %v", fx.words[i], err)
		}
		// Imports may add memories naming the same word (the fuzzer copies
		// the export seed): a full page of such matches crowds it out.
		found, crowded := false, len(items) == topK
		for _, it := range items {
			found = found || it.Memory.ID == want.ID
			crowded = crowded && strings.Contains(it.Memory.Content, fx.words[i])
		}
		found = found || crowded
		if !found {
			t.Fatalf("recall %q after import does not find %s", fx.words[i], want.ID)
		}
	}
}

// FuzzImport feeds arbitrary NDJSON to the importer (Engine.Import and
// Engine.ImportRelations, as POST /v1/namespaces/{ns}/import does after
// reading the lines): it never panics, every item is accounted for once
// (imported, skipped or failed), an imported item with an id reads back
// with its content, and the memories stored before stay intact.
func FuzzImport(f *testing.F) {
	fx := newImportFixture(f)
	f.Add(fx.exportNDJSON(f, false))
	f.Add(fx.exportNDJSON(f, true))
	for _, s := range []string{
		``, "\n\n", `{}`, `not json`, `{"kind":"memory"`,
		`{"kind":"memory","id":"imp-1","agent_id":"bot","content":"Carol Diaz visited Initech in Rome"}`,
		`{"id":"imp-2","agent_id":"bot","content":"x","embedding":[1,2,3]}`,
		`{"id":"imp-3","agent_id":"bot","content":"x","created_at":1e300}`,
		`{"id":"../../etc","agent_id":"bot","content":"x"}`,
		`{"id":"a\u0000b","agent_id":"bot","content":"x"}`,
		"{\"id\":\"u\",\"agent_id\":\"bot\",\"content\":\"bad \xff\"}",
		`{"id":"imp-4","agent_id":"bot","content":"y","valid_from":10,"valid_to":5}`,
		`{"id":"dup","agent_id":"bot","content":"one"}` + "\n" + `{"id":"dup","agent_id":"bot","content":"two"}`,
		`{"kind":"entity","id":"ent_1","name":"Alice Moreau","type":"person"}`,
		`{"kind":"relation","source_name":"Alice Moreau","target_name":"Lyon","relation":"lives in","source_memory_ids":["manual"],"valid_from":0}`,
		`{"kind":"relation","source_name":"","target_name":"","relation":"","source_memory_ids":["manual"],"weight":1e308}`,
		`{"kind":"relation","source":"x","target":"y","relation":"r","source_memory_ids":["manual"],"valid_to":-1}`,
		`{"kind":"other"}`, `{"kind":7}`, `[1,2]`, `{"metadata":[1],"agent_id":"bot","content":"m"}`,
	} {
		f.Add([]byte(s))
	}
	for _, m := range fx.known {
		f.Add([]byte(`{"id":"` + m.ID + `","agent_id":"bot","content":"overwrite attempt"}`))
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		items, rels := parseImportNDJSON(data)
		res, err := fx.e.Import(ctx, items)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) && !errors.Is(err, ErrDimensionMismatch) && !errors.Is(err, ErrConflict) {
				t.Fatalf("Import: %v", err)
			}
		} else {
			if n := res.Imported + res.Skipped + len(res.Failures); n != len(items) {
				t.Fatalf("Import of %d items: imported %d skipped %d failed %d", len(items), res.Imported, res.Skipped, len(res.Failures))
			}
			failed := map[int]bool{}
			for _, fl := range res.Failures {
				if fl.Index < 0 || fl.Index >= len(items) || failed[fl.Index] {
					t.Fatalf("failure index %d of %d items (repeated or out of range)", fl.Index, len(items))
				}
				failed[fl.Index] = true
			}
			for i, in := range items {
				if in.ID == "" || failed[i] {
					continue
				}
				if got, err := fx.e.Get(ctx, in.ID); err != nil || got.ID != in.ID {
					t.Fatalf("item %d (id %q) neither failed nor readable: %v", i, in.ID, err)
				}
			}
		}
		rres, err := fx.e.ImportRelations(ctx, rels)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("ImportRelations: %v", err)
			}
		} else if n := rres.Imported + rres.Skipped + len(rres.Failures); n != len(rels) {
			t.Fatalf("ImportRelations of %d: imported %d skipped %d failed %d", len(rels), rres.Imported, rres.Skipped, len(rres.Failures))
		}
		fx.intact(t)
	})
}
