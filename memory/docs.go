package memory

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/recall/text"
	"github.com/engramhq/engram/recall/vector"
)

// Namespace documents: raw vectors and text documents that live beside a
// namespace's memories as a separate collection (API.md "Namespace
// documents"). A document has a client id, optional metadata (a JSON
// object), an optional vector and an optional text that is in the
// documents' full-text index.
//
// Storage. Each document is one row
//
//	nsID 'd' docKey   sealed JSON docRecord
//
// where docKey is the first 8 bytes of Sealer.Hash("doc-id", id), so no
// client id is in a key. Two ids with the same docKey (odds 2^-64 per
// pair) answer ErrConflict instead of overwriting each other. Every write
// appends a change "dput" or "ddel" with the docKey to the namespace change
// log in the same transaction.
//
// Indexes. The documents have their own vector index (namespace dimension
// and metric) and their own Bleve index in <data>/text/<nsid>-docs, keyed
// by Sealer.SubKey("docs-text-index"), with document ids docID(docKey).
// Both are built on the first document operation after the engine opens
// (docsLocked), not at namespace open: a namespace that never uses
// documents pays nothing. They are closed with the engine (closeDocs), and
// the folder is removed when the namespace is deleted.
//
// Crash recovery. The documents' text index keeps its own checkpoint (the
// sequence of the last change it applied), separate from the memories'
// index, and both share the change log: the memories' catch-up skips
// "dput"/"ddel", the documents' catch-up (catchUpDocsText) skips every
// other op. Catch-up looks at the current state of each document a change
// names, so replaying a change twice is harmless. A checkpoint of 0 (a new
// or never-completed index) rebuilds from the rows instead of replaying
// the whole log.
//
// Locks. Document writes hold Engine.writeMu (one writer per namespace,
// memories and documents alike). docStore.mu guards the document map; the
// vector index calls the filter, which takes docStore.mu, so the vector
// index is never written with docStore.mu held. Order: Engine.writeMu,
// then the documents' vector index, then docStore.mu, then Engine.mu
// (a leaf: never held while taking docStore.mu).
const kindDoc = 'd'

const (
	opDocPut = "dput"
	opDocDel = "ddel"
)

// isDocChange reports whether a change-log op belongs to the documents.
func isDocChange(op string) bool { return op == opDocPut || op == opDocDel }

// docRecord is a document as stored.
type docRecord struct {
	ID       string          `json:"id"`
	Text     string          `json:"text,omitempty"`
	HasText  bool            `json:"has_text_index,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
	Vector   []float32       `json:"vector,omitempty"`

	key  uint64
	meta map[string]any // Metadata decoded for filters
}

// docStore is the documents' state of one engine, loaded lazily.
type docStore struct {
	// mu guards everything below. vec and text are set once by load and
	// stay until close; use them without mu.
	mu     sync.RWMutex
	loaded bool
	closed bool
	byKey  map[uint64]*docRecord
	vec    *vector.Index
	text   *text.Index
}

func (d *docStore) get(k uint64) *docRecord {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.byKey[k]
}

func (s *Store) docsTextDir(id nsID) string {
	return filepath.Join(s.dir, "text", id.hex()+"-docs")
}

// docsForRead returns the loaded documents, loading them first if needed.
func (e *Engine) docsForRead(ctx context.Context) (*docStore, error) {
	d := &e.docs
	d.mu.RLock()
	loaded, closed := d.loaded, d.closed
	d.mu.RUnlock()
	if closed {
		return nil, fmt.Errorf("%w: namespace closed", ErrUnavailable)
	}
	if loaded {
		return d, nil
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	return e.docsLocked(ctx)
}

// docsLocked returns the loaded documents; writeMu is held.
func (e *Engine) docsLocked(ctx context.Context) (*docStore, error) {
	d := &e.docs
	d.mu.RLock()
	loaded, closed := d.loaded, d.closed
	d.mu.RUnlock()
	switch {
	case closed:
		return nil, fmt.Errorf("%w: namespace closed", ErrUnavailable)
	case loaded:
		return d, nil
	}
	if err := e.loadDocs(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// loadDocs reads every document row, builds the vector index, opens the
// text index and catches it up; writeMu is held.
func (e *Engine) loadDocs(ctx context.Context) error {
	e.mu.RLock()
	sealer, rec, shredded := e.sealer, e.rec, e.shredded
	e.mu.RUnlock()
	if shredded {
		return ErrNamespaceNotFound
	}
	metric, err := vector.ParseMetric(rec.Distance)
	if err != nil {
		return err
	}
	vec, err := vector.New(vector.Options{Dim: rec.Dimension, Metric: metric, BackgroundBuild: true})
	if err != nil {
		return err
	}
	byKey := map[uint64]*docRecord{}
	var lastSeq uint64
	err = e.s.db.View(ctx, func(tx storage.Txn) error {
		var err error
		if lastSeq, err = tx.LastSeq(e.id[:]); err != nil {
			return err
		}
		return tx.Scan(rowPrefix(e.id, kindDoc), nil, false, func(k, v []byte) error {
			var r docRecord
			if err := openJSON(sealer, k, v, &r); err != nil {
				return err
			}
			if len(k) != 17 {
				return errors.New("memory: malformed document key")
			}
			r.key = binary.BigEndian.Uint64(k[9:])
			r.meta = decodeMeta(r.Metadata)
			byKey[r.key] = &r
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("load documents: %w", storageErr(err))
	}
	var ids []uint64
	var vs [][]float32
	for k, r := range byKey {
		if len(r.Vector) == rec.Dimension {
			ids, vs = append(ids, k), append(vs, r.Vector)
		}
	}
	if err := vec.UpsertBatch(ids, vs); err != nil {
		return fmt.Errorf("load document vectors: %w", err)
	}
	ti, err := text.Open(e.s.docsTextDir(e.id), sealer.SubKey("docs-text-index"), &text.Options{Logger: e.s.log})
	if err != nil {
		return fmt.Errorf("open documents text index: %w", err)
	}
	d := &e.docs
	d.mu.Lock()
	d.byKey, d.vec, d.text = byKey, vec, ti
	d.mu.Unlock()
	if err := e.catchUpDocsText(ctx, d, lastSeq); err != nil {
		ti.Close()
		d.mu.Lock()
		d.byKey, d.vec, d.text = nil, nil, nil
		d.mu.Unlock()
		return err
	}
	d.mu.Lock()
	d.loaded = true
	d.mu.Unlock()
	return nil
}

// catchUpDocsText brings the documents' text index up to the change log:
// a rebuild from the rows when it has no checkpoint, else a replay of the
// document changes after its checkpoint against the current documents.
func (e *Engine) catchUpDocsText(ctx context.Context, d *docStore, lastSeq uint64) error {
	cp, err := d.text.Checkpoint()
	if err != nil {
		return err
	}
	if cp == 0 {
		var ops []text.Op
		for k, r := range d.byKey {
			if r.HasText {
				ops = append(ops, text.Op{ID: docID(k), Text: r.Text})
			}
		}
		// Intermediate batches keep checkpoint 0, so a crash during the
		// rebuild rebuilds again.
		for len(ops) > 500 {
			if err := d.text.Apply(ops[:500], 0); err != nil {
				return err
			}
			ops = ops[500:]
		}
		if len(ops) == 0 && lastSeq == 0 {
			return nil
		}
		return d.text.Apply(ops, lastSeq)
	}
	var ops []text.Op
	var last uint64
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		err := d.text.Apply(ops, last)
		ops = ops[:0]
		return err
	}
	err = e.s.db.ChangesSince(ctx, e.id[:], cp, 0, func(seq uint64, b []byte) error {
		var c change
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("decode change %d: %w", seq, err)
		}
		if !isDocChange(c.Op) {
			return nil
		}
		last = seq
		ops = append(ops, docTextOp(c.Key, d.byKey[c.Key]))
		if len(ops) >= 500 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("catch up documents text index: %w", err)
	}
	return flush()
}

// docTextOp is the text-index op that makes the index agree with r (nil:
// deleted).
func docTextOp(k uint64, r *docRecord) text.Op {
	if r != nil && r.HasText {
		return text.Op{ID: docID(k), Text: r.Text}
	}
	return text.Op{ID: docID(k), Delete: true}
}

// closeDocs closes the documents' text index, and removes its folder when
// the namespace was deleted. Engine.close calls it with writeMu held and
// Engine.mu not held.
func (e *Engine) closeDocs() error {
	e.mu.RLock()
	shredded := e.shredded
	e.mu.RUnlock()
	d := &e.docs
	d.mu.Lock()
	ti := d.text
	// The indexes stay referenced: a request that got d before close
	// still finds them (the closed text index answers ErrClosed).
	d.closed = true
	d.mu.Unlock()
	var err error
	if ti != nil {
		err = ti.Close()
	}
	if shredded {
		err = errors.Join(err, os.RemoveAll(e.s.docsTextDir(e.id)))
	}
	return err
}

// docKey is the row key suffix of a document id.
func docKey(sealer interface{ Hash(string, []byte) []byte }, id string) uint64 {
	return binary.BigEndian.Uint64(sealer.Hash("doc-id", []byte(id))[:8])
}

// decodeMeta decodes a metadata object for filters; nil when absent or
// not an object. Numbers become float64 (filters compare numbers as
// float64), so evaluating a filter does not allocate.
func decodeMeta(raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m
}
