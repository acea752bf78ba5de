package memory

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/recall"
)

// Re-embedding of namespace documents (docs.go). Text documents (upserted
// as text) are re-embedded like memories into shadow rows nsID 'W' docKey
// holding the vector alone; documents stored with client vectors keep
// them. The job walks the document rows after the memories (phase 3,
// cursor DocCursor), the change log's "dput"/"ddel" entries feed the
// catch-up, and the swap installs the shadow vectors into the loaded
// documents' index and rewrites the document rows (finishSwap).

const kindShadowDocVector = 'W'

// countDocs counts the namespace's document rows.
func (s *Store) countDocs(ctx context.Context, id nsID) (int64, error) {
	var n int64
	err := s.db.View(ctx, func(tx storage.Txn) error {
		return tx.Scan(rowPrefix(id, kindDoc), nil, false, func(_, _ []byte) error {
			n++
			return nil
		})
	})
	return n, storageErr(err)
}

// nextDocKeys returns up to n document keys after cursor, in key order.
func (s *Store) nextDocKeys(ctx context.Context, id nsID, cursor uint64, n int) ([]uint64, error) {
	var start []byte
	if cursor != 0 {
		start = append(rowKey(id, kindDoc, cursor), 0)
	}
	var keys []uint64
	err := s.db.View(ctx, func(tx storage.Txn) error {
		return tx.Scan(rowPrefix(id, kindDoc), start, false, func(k, _ []byte) error {
			if len(keys) >= n {
				return storage.ErrStop
			}
			if len(k) == 17 {
				keys = append(keys, binary.BigEndian.Uint64(k[9:]))
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, storage.ErrStop) {
		return nil, storageErr(err)
	}
	return keys, nil
}

// reembedDocKeys embeds the current text of the documents keys with
// target and commits their shadow rows (deleting those of documents gone
// or without text) with the state update of after.
func (s *Store) reembedDocKeys(ctx context.Context, e *Engine, jobID string, target recall.Embedder, keys []uint64, after func(*reembedState)) (reembedState, error) {
	sealer := e.currentSealer()
	if sealer == nil {
		return reembedState{}, fmt.Errorf("%w: namespace closed", ErrUnavailable)
	}
	var textKeys, gone []uint64
	var texts []string
	err := s.db.View(ctx, func(tx storage.Txn) error {
		for _, k := range keys {
			rk := rowKey(e.id, kindDoc, k)
			v, err := tx.Get(rk)
			if errors.Is(err, storage.ErrNotFound) {
				gone = append(gone, k)
				continue
			}
			if err != nil {
				return err
			}
			var r docRecord
			if err := openJSON(sealer, rk, v, &r); err != nil {
				return err
			}
			if !r.HasText || r.Text == "" {
				gone = append(gone, k)
				continue
			}
			textKeys, texts = append(textKeys, k), append(texts, r.Text)
		}
		return nil
	})
	if err != nil {
		return reembedState{}, storageErr(err)
	}
	var vecs [][]float32
	if len(texts) > 0 {
		if vecs, err = embedWith(ctx, target, e.dimension(), texts); err != nil {
			return reembedState{}, err
		}
	}
	return s.commitReembed(ctx, e.id, jobID, func(tx storage.Txn, st *reembedState) error {
		for i, k := range textKeys {
			wk := rowKey(e.id, kindShadowDocVector, k)
			if err := tx.Set(wk, sealer.Seal(wk, encodeVector(target.ID(), vecs[i]))); err != nil {
				return err
			}
		}
		for _, k := range gone {
			if err := tx.Delete(rowKey(e.id, kindShadowDocVector, k)); err != nil {
				return err
			}
		}
		after(st)
		return nil
	})
}

// readShadow decodes every shadow row of kind.
func (s *Store) readShadow(ctx context.Context, id nsID, kind byte, sealer *seal.Sealer) (map[uint64][]float32, error) {
	out := map[uint64][]float32{}
	err := s.db.View(ctx, func(tx storage.Txn) error {
		return tx.Scan(rowPrefix(id, kind), nil, false, func(k, v []byte) error {
			pt, err := sealer.Open(k, v)
			if err != nil {
				return fmt.Errorf("open shadow vector: %w", err)
			}
			_, vals, err := decodeVector(pt)
			if err != nil {
				return err
			}
			out[binary.BigEndian.Uint64(k[len(k)-8:])] = vals
			return nil
		})
	})
	return out, storageErr(err)
}

// swapDocsLocked installs the documents' shadow vectors in the loaded
// documents (if loaded); writeMu is held. The rows follow in finishSwap.
func (s *Store) swapDocsLocked(ctx context.Context, e *Engine, sealer *seal.Sealer) error {
	d := &e.docs
	d.mu.RLock()
	loaded, vec := d.loaded && !d.closed, d.vec
	d.mu.RUnlock()
	if !loaded {
		return nil
	}
	shadow, err := s.readShadow(ctx, e.id, kindShadowDocVector, sealer)
	if err != nil {
		return err
	}
	var ids []uint64
	var vals [][]float32
	for k, v := range shadow {
		ids, vals = append(ids, k), append(vals, v)
	}
	// Lock order: the documents' vector index before docStore.mu.
	if err := vec.UpsertBatch(ids, vals); err != nil {
		return fmt.Errorf("document vector swap: %w", err)
	}
	d.mu.Lock()
	for k, v := range shadow {
		if r := d.byKey[k]; r != nil {
			nr := *r
			nr.Vector = v
			d.byKey[k] = &nr
		}
	}
	d.mu.Unlock()
	return nil
}

// finishDocSwapStep moves up to 256 document shadow vectors into their
// document rows in tx and reports how many it moved.
func finishDocSwapStep(tx storage.Txn, id nsID, sealer *seal.Sealer) (int, error) {
	type row struct {
		key  []byte
		vals []float32
	}
	var rows []row
	err := tx.Scan(rowPrefix(id, kindShadowDocVector), nil, false, func(k, v []byte) error {
		if len(rows) >= 256 {
			return storage.ErrStop
		}
		pt, err := sealer.Open(k, v)
		if err != nil {
			return fmt.Errorf("open shadow vector: %w", err)
		}
		_, vals, err := decodeVector(pt)
		if err != nil {
			return err
		}
		rows = append(rows, row{append([]byte(nil), k...), vals})
		return nil
	})
	if err != nil && !errors.Is(err, storage.ErrStop) {
		return 0, err
	}
	for _, r := range rows {
		dk := rowKey(id, kindDoc, binary.BigEndian.Uint64(r.key[len(r.key)-8:]))
		v, err := tx.Get(dk)
		switch {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			return 0, err
		default:
			var d docRecord
			if err := openJSON(sealer, dk, v, &d); err != nil {
				return 0, err
			}
			d.Vector = r.vals
			b, err := sealJSON(sealer, dk, &d)
			if err != nil {
				return 0, err
			}
			if err := tx.Set(dk, b); err != nil {
				return 0, err
			}
		}
		if err := tx.Delete(r.key); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}
