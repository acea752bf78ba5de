package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/recall/text"
)

// Limits on one document.
const (
	// MaxDocIDBytes bounds a document id.
	MaxDocIDBytes = 256
	// MaxDocTextBytes bounds a document's text.
	MaxDocTextBytes = 100_000
)

// DocInput is one document of an upsert: Values for /vectors, Text for
// /upsert-text and /fulltext/index.
type DocInput struct {
	ID       string          `json:"id"`
	Values   []float32       `json:"values"`
	Text     string          `json:"text"`
	Metadata json.RawMessage `json:"metadata"`
}

// TextUpsert is the outcome of UpsertTexts.
type TextUpsert struct {
	Upserted      int
	Tokens        int
	Model         string
	EmbeddingTime time.Duration
}

// Document upserts replace the whole document of the same id: a vector
// upsert leaves no text behind, a full-text index leaves no vector.

// UpsertVectors stores documents with client vectors (API.md POST
// /v1/namespaces/{ns}/vectors). field names the request array for errors.
func (e *Engine) UpsertVectors(ctx context.Context, docs []DocInput, field string) (int, error) {
	if err := e.checkDocBatch(docs, field); err != nil {
		return 0, err
	}
	dim := e.dimension()
	recs := make([]*docRecord, len(docs))
	for i, in := range docs {
		name := fmt.Sprintf("%s[%d]", field, i)
		if err := validateDoc(in, name, false); err != nil {
			return 0, err
		}
		if len(in.Values) == 0 {
			return 0, invalid(name+".values", "is required")
		}
		if len(in.Values) != dim {
			return 0, fmt.Errorf("%w: %s.values has %d dimensions, namespace has %d", ErrDimensionMismatch, name, len(in.Values), dim)
		}
		recs[i] = newDocRecord(in)
		recs[i].Vector = in.Values
	}
	return e.writeDocs(ctx, recs)
}

// UpsertTexts embeds and stores text documents, which also go into the
// documents' full-text index (API.md POST /v1/namespaces/{ns}/upsert-text).
// The embedder is called without any lock held.
func (e *Engine) UpsertTexts(ctx context.Context, docs []DocInput, field string) (TextUpsert, error) {
	out := TextUpsert{Model: e.s.emb.ID()}
	if err := e.checkDocBatch(docs, field); err != nil {
		return out, err
	}
	texts := make([]string, len(docs))
	for i, in := range docs {
		if err := validateDoc(in, fmt.Sprintf("%s[%d]", field, i), true); err != nil {
			return out, err
		}
		texts[i] = in.Text
		out.Tokens += len(strings.Fields(in.Text))
	}
	start := time.Now()
	vecs, err := e.embed(ctx, texts)
	out.EmbeddingTime = time.Since(start)
	if err != nil {
		return out, err
	}
	recs := make([]*docRecord, len(docs))
	for i, in := range docs {
		recs[i] = newDocRecord(in)
		recs[i].Text, recs[i].HasText, recs[i].Vector = in.Text, true, vecs[i]
	}
	out.Upserted, err = e.writeDocs(ctx, recs)
	return out, err
}

// IndexTexts stores text documents in the full-text index only, without a
// vector (API.md POST /v1/namespaces/{ns}/fulltext/index).
func (e *Engine) IndexTexts(ctx context.Context, docs []DocInput, field string) (int, error) {
	if err := e.checkDocBatch(docs, field); err != nil {
		return 0, err
	}
	recs := make([]*docRecord, len(docs))
	for i, in := range docs {
		if err := validateDoc(in, fmt.Sprintf("%s[%d]", field, i), true); err != nil {
			return 0, err
		}
		recs[i] = newDocRecord(in)
		recs[i].Text, recs[i].HasText = in.Text, true
	}
	return e.writeDocs(ctx, recs)
}

// DocDelete selects the documents to delete: by ids, by metadata filter,
// or all of them. IDs and Filter together delete the listed documents
// that match the filter; All deletes every document that matches Filter
// (every document without one), whatever IDs says.
type DocDelete struct {
	IDs    []string
	Filter json.RawMessage
	All    bool
}

// DeleteDocs deletes documents (API.md POST
// /v1/namespaces/{ns}/vectors/delete) and returns how many existed.
func (e *Engine) DeleteDocs(ctx context.Context, del DocDelete) (int, error) {
	f, err := ParseMetadataFilter(del.Filter)
	if err != nil {
		return 0, err
	}
	if err := e.checkDocIDs(del.IDs, "ids", false); err != nil {
		return 0, err
	}
	if !del.All && len(del.IDs) == 0 && f == nil {
		return 0, invalid("ids", "ids, filter or delete_all is required")
	}
	return e.deleteDocs(ctx, func(d *docStore) []*docRecord {
		return e.selectDocs(d, del.IDs, f, del.All, false)
	})
}

// DeleteTexts deletes the documents of the full-text index with the given
// ids (API.md POST /v1/namespaces/{ns}/fulltext/delete); documents with
// no text (raw vectors) are left alone and not counted.
func (e *Engine) DeleteTexts(ctx context.Context, ids []string) (int, error) {
	if err := e.checkDocIDs(ids, "ids", true); err != nil {
		return 0, err
	}
	return e.deleteDocs(ctx, func(d *docStore) []*docRecord {
		return e.selectDocs(d, ids, nil, false, true)
	})
}

func (e *Engine) checkDocBatch(docs []DocInput, field string) error {
	if len(docs) == 0 {
		return invalid(field, "must hold at least one item")
	}
	if len(docs) > e.s.opts.MaxBatch {
		return invalid(field, "at most %d items per request", e.s.opts.MaxBatch)
	}
	return nil
}

func (e *Engine) checkDocIDs(ids []string, field string, required bool) error {
	if required && len(ids) == 0 {
		return invalid(field, "must hold at least one id")
	}
	if len(ids) > e.s.opts.MaxBatch {
		return invalid(field, "at most %d ids per request", e.s.opts.MaxBatch)
	}
	for i, id := range ids {
		if err := validateDocID(id, fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return err
		}
	}
	return nil
}

func validateDocID(id, field string) error {
	if id == "" || len(id) > MaxDocIDBytes || !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		return invalid(field, "must be 1-%d bytes of valid UTF-8", MaxDocIDBytes)
	}
	return nil
}

func validateDoc(in DocInput, field string, needText bool) error {
	if err := validateDocID(in.ID, field+".id"); err != nil {
		return err
	}
	if needText {
		if strings.TrimSpace(in.Text) == "" {
			return invalid(field+".text", "is required")
		}
		if len(in.Text) > MaxDocTextBytes {
			return invalid(field+".text", "must be at most %d bytes", MaxDocTextBytes)
		}
		if !utf8.ValidString(in.Text) || strings.ContainsRune(in.Text, 0) {
			return invalid(field+".text", "must be valid UTF-8 without NUL bytes")
		}
	}
	if len(in.Metadata) > 0 && string(in.Metadata) != "null" {
		if len(in.Metadata) > maxMetadata {
			return invalid(field+".metadata", "must be at most %d bytes", maxMetadata)
		}
		if !isJSONObject(in.Metadata) {
			return invalid(field+".metadata", "must be a JSON object")
		}
	}
	return nil
}

func newDocRecord(in DocInput) *docRecord {
	r := &docRecord{ID: in.ID}
	if len(in.Metadata) > 0 && string(in.Metadata) != "null" {
		r.Metadata = append(json.RawMessage(nil), in.Metadata...)
		r.meta = decodeMeta(r.Metadata)
	}
	return r
}

func docRowSize(r *docRecord) int {
	return len(r.Text) + len(r.Metadata) + 12*len(r.Vector) + len(r.ID) + 512
}

// writeDocs commits validated documents and applies them to the indexes.
// A later document with the same id in one request wins.
func (e *Engine) writeDocs(ctx context.Context, recs []*docRecord) (int, error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	d, err := e.docsLocked(ctx)
	if err != nil {
		return 0, err
	}
	e.mu.RLock()
	sealer := e.sealer
	e.mu.RUnlock()
	last := map[string]int{}
	for i, r := range recs {
		last[r.ID] = i
	}
	uniq := recs[:0:0]
	batchKeys := map[uint64]string{}
	for i, r := range recs {
		if last[r.ID] != i {
			continue
		}
		r.key = docKey(sealer, r.ID)
		if old := d.get(r.key); (old != nil && old.ID != r.ID) || (batchKeys[r.key] != "" && batchKeys[r.key] != r.ID) {
			return 0, fmt.Errorf("%w: document id collides with another id; choose another", ErrConflict)
		}
		batchKeys[r.key] = r.ID
		uniq = append(uniq, r)
	}
	for start := 0; start < len(uniq); {
		end, size := start, 0
		for end < len(uniq) && (end == start || size+docRowSize(uniq[end]) <= maxTxnBytes) {
			size += docRowSize(uniq[end])
			end++
		}
		if err := e.writeDocsTxn(ctx, d, uniq[start:end]); err != nil {
			return 0, err
		}
		start = end
	}
	return len(recs), nil
}

// writeDocsTxn commits one transaction of documents; writeMu is held.
func (e *Engine) writeDocsTxn(ctx context.Context, d *docStore, recs []*docRecord) error {
	e.mu.RLock()
	sealer, shredded := e.sealer, e.shredded
	e.mu.RUnlock()
	if shredded {
		return ErrNamespaceNotFound
	}
	var lastSeq uint64
	err := e.s.db.Update(ctx, func(tx storage.Txn) error {
		for _, r := range recs {
			seq, err := tx.AppendChange(e.id[:], mustJSON(change{Op: opDocPut, Key: r.key}))
			if err != nil {
				return err
			}
			lastSeq = seq
			k := rowKey(e.id, kindDoc, r.key)
			b, err := sealJSON(sealer, k, r)
			if err != nil {
				return err
			}
			if err := tx.Set(k, b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return storageErr(err)
	}
	d.mu.Lock()
	for _, r := range recs {
		d.byKey[r.key] = r
	}
	d.mu.Unlock()
	// Outside d.mu: vector searches call the filter, which takes d.mu.
	ops := make([]text.Op, len(recs))
	for i, r := range recs {
		if r.Vector != nil {
			if err := d.vec.Upsert(r.key, r.Vector); err != nil {
				e.s.log.Error("document vector upsert", "ns", e.rec.PublicID, "err", err)
			}
		} else {
			d.vec.Delete(r.key)
		}
		ops[i] = docTextOp(r.key, r)
	}
	if err := d.text.Apply(ops, lastSeq); err != nil {
		// The change log holds the writes; the next load catches up.
		e.s.log.Error("documents text index apply", "ns", e.rec.PublicID, "err", err)
	}
	return nil
}

// selectDocs picks the documents named by ids (all documents when ids is
// empty and all or f is set) that match f; textOnly keeps only documents
// in the full-text index.
func (e *Engine) selectDocs(d *docStore, ids []string, f *MetadataFilter, all, textOnly bool) []*docRecord {
	e.mu.RLock()
	sealer := e.sealer
	e.mu.RUnlock()
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []*docRecord
	keep := func(r *docRecord) bool {
		return r != nil && (!textOnly || r.HasText) && f.Match(r.meta)
	}
	if len(ids) > 0 && !all {
		seen := map[uint64]bool{}
		for _, id := range ids {
			k := docKey(sealer, id)
			r := d.byKey[k]
			if !seen[k] && keep(r) && r.ID == id {
				seen[k] = true
				out = append(out, r)
			}
		}
		return out
	}
	for _, r := range d.byKey {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// deleteDocs deletes the documents pick chooses, in transactions of at
// most 500 rows, and returns how many it deleted.
func (e *Engine) deleteDocs(ctx context.Context, pick func(*docStore) []*docRecord) (int, error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	d, err := e.docsLocked(ctx)
	if err != nil {
		return 0, err
	}
	victims := pick(d)
	e.mu.RLock()
	shredded := e.shredded
	e.mu.RUnlock()
	if shredded {
		return 0, ErrNamespaceNotFound
	}
	for start := 0; start < len(victims); start += 500 {
		chunk := victims[start:min(start+500, len(victims))]
		var lastSeq uint64
		err := e.s.db.Update(ctx, func(tx storage.Txn) error {
			for _, r := range chunk {
				seq, err := tx.AppendChange(e.id[:], mustJSON(change{Op: opDocDel, Key: r.key}))
				if err != nil {
					return err
				}
				lastSeq = seq
				if err := tx.Delete(rowKey(e.id, kindDoc, r.key)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return start, storageErr(err)
		}
		ops := make([]text.Op, len(chunk))
		d.mu.Lock()
		for i, r := range chunk {
			delete(d.byKey, r.key)
			ops[i] = text.Op{ID: docID(r.key), Delete: true}
		}
		d.mu.Unlock()
		for _, r := range chunk {
			d.vec.Delete(r.key)
		}
		if err := d.text.Apply(ops, lastSeq); err != nil {
			e.s.log.Error("documents text index delete", "ns", e.rec.PublicID, "err", err)
		}
	}
	return len(victims), nil
}
