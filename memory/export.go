package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/engramhq/engram/memory/storage"
)

// ExportKindMemory is the "kind" of a memory line in an export.
const ExportKindMemory = "memory"

// ExportRecord is one line of a namespace export (NDJSON): a memory in its
// wire shape, tagged with its kind, with its vector when asked for.
type ExportRecord struct {
	Kind string `json:"kind"`
	Memory
	Embedding []float32 `json:"embedding,omitempty"`
}

// exportChunk is how many vectors one read transaction fetches.
const exportChunk = 256

// Export calls fn for every memory of the namespace, oldest first, with
// its vector when withEmbeddings. It works on a snapshot of the memory
// list taken at the start; a memory deleted meanwhile is still exported.
// It stops at the first error of fn or ctx.
func (e *Engine) Export(ctx context.Context, withEmbeddings bool, fn func(*ExportRecord) error) error {
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
