package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/engramhq/engram/graph"
	"github.com/engramhq/engram/memory/storage"
)

// The "kind" of each line of an export.
const (
	ExportKindMemory   = "memory"
	ExportKindEntity   = "entity"
	ExportKindRelation = "relation"
)

// ExportEntity is an entity line of an export. Entities are derived from
// memories: an import re-extracts them and skips these lines.
type ExportEntity struct {
	Kind         string   `json:"kind"`
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Aliases      []string `json:"aliases"`
	MentionCount int      `json:"mention_count"`
	FirstSeen    int64    `json:"first_seen"`
	LastSeen     int64    `json:"last_seen"`
}

// ExportRelation is a relation line of an export. SourceName and
// TargetName let an import find the entities on another server, whose ids
// differ.
type ExportRelation struct {
	Kind            string   `json:"kind"`
	ID              string   `json:"id"`
	Source          string   `json:"source"`
	Target          string   `json:"target"`
	SourceName      string   `json:"source_name"`
	TargetName      string   `json:"target_name"`
	Relation        string   `json:"relation"`
	Weight          float64  `json:"weight"`
	ValidFrom       int64    `json:"valid_from"`
	ValidTo         *int64   `json:"valid_to,omitempty"`
	SourceMemoryIDs []string `json:"source_memory_ids"`
	CreatedAt       int64    `json:"created_at"`
}

// manual reports whether a relation was written directly rather than
// extracted from memories.
func (r *ExportRelation) manual() bool {
	return len(r.SourceMemoryIDs) == 1 && r.SourceMemoryIDs[0] == "manual"
}

// ExportRecord is one line of a namespace export (NDJSON): a memory in its
// wire shape, tagged with its kind, with its vector when asked for.
type ExportRecord struct {
	Kind string `json:"kind"`
	Memory
	Embedding []float32 `json:"embedding,omitempty"`
}

// exportChunk is how many vectors one read transaction fetches.
const exportChunk = 256

// Export calls fn with every memory of the namespace (*ExportRecord),
// oldest first, with its vector when withEmbeddings, then every entity
// (*ExportEntity) and relation (*ExportRelation) of its graph. It works on
// snapshots; a memory deleted meanwhile is still exported. It stops at the
// first error of fn or ctx.
func (e *Engine) Export(ctx context.Context, withEmbeddings bool, fn func(line any) error) error {
	if err := e.exportMemories(ctx, withEmbeddings, fn); err != nil {
		return err
	}
	ents, rels := e.graphSnapshot()
	for i := range ents {
		if err := fn(&ents[i]); err != nil {
			return err
		}
	}
	for i := range rels {
		if err := fn(&rels[i]); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// graphSnapshot copies the namespace's entities and relations in export
// form, in id order.
func (e *Engine) graphSnapshot() ([]ExportEntity, []ExportRelation) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	g := e.kg
	if g == nil {
		return nil, nil
	}
	ents := make([]ExportEntity, 0, len(g.ents))
	for _, en := range g.ents {
		ents = append(ents, ExportEntity{Kind: ExportKindEntity, ID: en.ID, Name: en.Name, Type: en.Type,
			Aliases: append([]string{}, en.Aliases...), MentionCount: en.MentionCount, FirstSeen: en.FirstSeen, LastSeen: en.LastSeen})
	}
	rels := make([]ExportRelation, 0, len(g.rels))
	for _, r := range g.rels {
		x := ExportRelation{Kind: ExportKindRelation, ID: r.ID, Source: r.Source, Target: r.Target, Relation: r.Relation,
			Weight: r.Weight, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, CreatedAt: r.CreatedAt,
			SourceMemoryIDs: append([]string{}, r.SourceMemoryIDs...)}
		if en := g.ents[r.Source]; en != nil {
			x.SourceName = en.Name
		}
		if en := g.ents[r.Target]; en != nil {
			x.TargetName = en.Name
		}
		rels = append(rels, x)
	}
	slices.SortFunc(ents, func(a, b ExportEntity) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(rels, func(a, b ExportRelation) int { return cmp.Compare(a.ID, b.ID) })
	return ents, rels
}

// ImportRelations re-creates the relations that were written directly
// (not extracted: those come back with their memories, and are skipped).
// A relation the namespace already holds (same entity names, relation and
// valid_from) is skipped, so importing twice adds nothing.
func (e *Engine) ImportRelations(ctx context.Context, rels []ExportRelation) (ImportResult, error) {
	var res ImportResult
	for i := range rels {
		r := &rels[i]
		if !r.manual() || e.hasRelation(r) {
			res.Skipped++
			continue
		}
		vf := r.ValidFrom
		w := r.Weight
		_, err := e.AddRelation(ctx, RelationInput{Source: r.SourceName, Target: r.TargetName, Relation: r.Relation,
			ValidFrom: &vf, ValidTo: r.ValidTo, Weight: &w})
		var ve *ValidationError
		switch {
		case errors.As(err, &ve):
			res.Failures = append(res.Failures, ImportFailure{Index: i, Reason: err.Error()})
		case err != nil:
			return res, err
		default:
			res.Imported++
		}
	}
	return res, nil
}

func (e *Engine) hasRelation(r *ExportRelation) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	g := e.kg
	if g == nil {
		return false
	}
	src, dst := g.byName[graph.Normalize(r.SourceName)], g.byName[graph.Normalize(r.TargetName)]
	if src == "" || dst == "" {
		return false
	}
	for rid := range g.relsOf[src] {
		x := g.rels[rid]
		if x.Target == dst && x.Relation == r.Relation && x.ValidFrom == r.ValidFrom {
			return true
		}
	}
	return false
}

func (e *Engine) exportMemories(ctx context.Context, withEmbeddings bool, fn func(line any) error) error {
	e.mu.RLock()
	recs := make([]record, 0, len(e.mems))
	for _, r := range e.mems {
		recs = append(recs, *r)
	}
	sealer := e.sealer
	e.mu.RUnlock()
	sortOldestFirst(recs)
	for start := 0; start < len(recs); start += exportChunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := recs[start:min(start+exportChunk, len(recs))]
		vecs := make([][]float32, len(chunk))
		if withEmbeddings {
			err := e.s.db.View(ctx, func(tx storage.Txn) error {
				for i := range chunk {
					k := rowKey(e.id, kindVector, chunk[i].Key)
					b, err := tx.Get(k)
					if errors.Is(err, storage.ErrNotFound) {
						continue
					}
					if err != nil {
						return err
					}
					pt, err := sealer.Open(k, b)
					if err != nil {
						return fmt.Errorf("open vector: %w", err)
					}
					if _, vecs[i], err = decodeVector(pt); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return storageErr(err)
			}
		}
		for i := range chunk {
			if err := fn(&ExportRecord{Kind: ExportKindMemory, Memory: chunk[i].Memory, Embedding: vecs[i]}); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortOldestFirst(recs []record) {
	slices.SortFunc(recs, func(a, b record) int {
		if c := cmp.Compare(a.CreatedAt, b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Seq, b.Seq)
	})
}

// ImportFailure is one item Import could not store.
type ImportFailure struct {
	// Index is the item's position in Import's input.
	Index  int
	Reason string
}

// ImportResult counts what Import did.
type ImportResult struct {
	Imported int
	Skipped  int
	Failures []ImportFailure
}

// Import stores exported memories, keeping their ids and created_at.
// It is idempotent by id: an item whose id the namespace already holds (or
// that repeats an earlier item's id) is skipped; an item whose id belongs
// to another namespace fails. An item without an id gets a new one. An
// embedding of the namespace's dimension is kept, any other is recomputed.
// Invalid items fail alone; the others are stored in batches of MaxBatch.
func (e *Engine) Import(ctx context.Context, items []StoreInput) (ImportResult, error) {
	var res ImportResult
	dim := e.dimension()
	seen := map[string]bool{}
	var batch []StoreInput
	var ids []string
	for i := range items {
		in := items[i]
		if in.Embedding != nil && len(in.Embedding) != dim {
			in.Embedding = nil
		}
		if err := e.validate(&in, "", e.s.opts.MaxContentBytes); err != nil {
			res.Failures = append(res.Failures, ImportFailure{Index: i, Reason: err.Error()})
			continue
		}
		if in.ID != "" {
			if seen[in.ID] || e.holds(in.ID) {
				res.Skipped++
				continue
			}
			seen[in.ID] = true
			ids = append(ids, in.ID)
		}
		batch = append(batch, in)
	}
	taken, err := e.foreignIDs(ctx, ids)
	if err != nil {
		return res, err
	}
	var todo []StoreInput
	for i, in := range batch {
		if taken[in.ID] {
			res.Failures = append(res.Failures, ImportFailure{Index: indexOf(items, in.ID, i),
				Reason: fmt.Sprintf("memory id %q belongs to another namespace", in.ID)})
			continue
		}
		todo = append(todo, in)
	}
	for start := 0; start < len(todo); start += e.s.opts.MaxBatch {
		chunk := todo[start:min(start+e.s.opts.MaxBatch, len(todo))]
		if _, _, err := e.StoreBatch(ctx, chunk, ""); err != nil {
			return res, err
		}
		res.Imported += len(chunk)
	}
	return res, nil
}

// foreignIDs reports which of ids the server-wide id index assigns to
// another namespace.
func (e *Engine) foreignIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	taken := map[string]bool{}
	if len(ids) == 0 {
		return taken, nil
	}
	err := e.s.db.View(ctx, func(tx storage.Txn) error {
		for _, id := range ids {
			owner, err := tx.Get(e.s.memIndexKey(id))
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if len(owner) < 8 || string(owner[:8]) != string(e.id[:]) {
				taken[id] = true
			}
		}
		return nil
	})
	return taken, storageErr(err)
}

// indexOf finds the input position of the item with id (hint: at or after).
func indexOf(items []StoreInput, id string, hint int) int {
	for i := hint; i < len(items); i++ {
		if items[i].ID == id {
			return i
		}
	}
	return hint
}

func (e *Engine) holds(id string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, ok := e.byPub[id]
	return ok
}
