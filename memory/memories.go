package memory

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/recall/text"
)

// Get returns a memory by public id.
func (e *Engine) Get(ctx context.Context, id string) (*Memory, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	r := e.mems[e.byPub[id]]
	if r == nil || r.ID != id {
		return nil, ErrNotFound
	}
	m := r.Memory
	return &m, nil
}

// UpdateInput changes a memory; nil fields stay as they are.
type UpdateInput struct {
	Content    *string         `json:"content"`
	Metadata   json.RawMessage `json:"metadata"`
	Type       *string         `json:"memory_type"`
	Importance *float64        `json:"importance"`
	Tags       []string        `json:"tags"`
}

// Update changes a memory; a content change re-embeds and re-indexes it.
func (e *Engine) Update(ctx context.Context, id string, in UpdateInput) (*Memory, error) {
	cur, err := e.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	next := StoreInput{ID: cur.ID, AgentID: cur.AgentID, Content: cur.Content, Type: cur.Type,
		Importance: &cur.Importance, Tags: cur.Tags, Metadata: cur.Metadata, SessionID: cur.SessionID,
		ExpiresAt: cur.ExpiresAt, ValidFrom: cur.ValidFrom, ValidTo: cur.ValidTo, CreatedAt: &cur.CreatedAt}
	if in.Content != nil {
		next.Content = *in.Content
	}
	if in.Type != nil {
		next.Type = *in.Type
	}
	if in.Importance != nil {
		next.Importance = in.Importance
	}
	if in.Tags != nil {
		next.Tags = in.Tags
	}
	if len(in.Metadata) > 0 {
		next.Metadata = in.Metadata
	}
	if err := e.validate(&next, "", e.s.opts.MaxContentBytes); err != nil {
		return nil, err
	}
	var vec []float32
	if in.Content != nil && *in.Content != cur.Content {
		vs, err := e.embed(ctx, []string{next.Content})
		if err != nil {
			return nil, err
		}
		vec = vs[0]
	} else {
		v, ok := e.vec.Get(e.keyOf(id))
		if !ok {
			return nil, ErrNotFound
		}
		vec = v
	}
	r := e.newRecord(&next, cur.CreatedAt)
	r.EmbedderID = e.s.emb.ID()
	out, err := e.write(ctx, []*record{r}, [][]float32{vec})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

func (e *Engine) keyOf(id string) uint64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.byPub[id]
}

// SetImportance sets the importance of the given memories and returns how
// many exist.
func (e *Engine) SetImportance(ctx context.Context, ids []string, importance float64) (int, error) {
	if importance < 0 || importance > 1 || importance != importance {
		return 0, invalid("importance", "must be between 0 and 1")
	}
	return e.mutate(ctx, ids, func(r *record) { r.Importance = importance })
}

// Feedback applies an upvote, downvote or flag to a memory's importance and
// returns the new importance.
func (e *Engine) Feedback(ctx context.Context, id, signal string) (float64, error) {
	var delta float64
	switch signal {
	case "upvote":
		delta = 0.1
	case "downvote":
		delta = -0.1
	case "flag":
		delta = -0.3
	default:
		return 0, invalid("signal", "must be upvote, downvote or flag")
	}
	var got float64
	n, err := e.mutate(ctx, []string{id}, func(r *record) {
		r.Importance = min(1, max(0, r.Importance+delta))
		got = r.Importance
	})
	if err == nil && n == 0 {
		err = ErrNotFound
	}
	return got, err
}

// mutate rewrites the metadata of existing memories in one transaction
// (content and vectors are unchanged, so the indexes are not touched).
func (e *Engine) mutate(ctx context.Context, ids []string, fn func(*record)) (int, error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	var recs []*record
	e.mu.RLock()
	for _, id := range ids {
		if r := e.mems[e.byPub[id]]; r != nil && r.ID == id {
			c := *r
			fn(&c)
			recs = append(recs, &c)
		}
	}
	sealer := e.sealer
	e.mu.RUnlock()
	if len(recs) == 0 {
		return 0, nil
	}
	err := e.s.db.Update(ctx, func(tx storage.Txn) error {
		for _, r := range recs {
			k := rowKey(e.id, kindMemory, r.Key)
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
		return 0, storageErr(err)
	}
	e.mu.Lock()
	for _, r := range recs {
		e.relinkLocked(e.mems[r.Key], r)
		e.mems[r.Key] = r
	}
	e.mu.Unlock()
	return len(recs), nil
}

// Filter selects memories without a query (batch recall, batch forget).
type Filter struct {
	IDs           []string `json:"-"`
	AgentID       string   `json:"agent_id,omitempty"`
	Tags          []string `json:"tags"`
	MinImportance *float64 `json:"min_importance"`
	MaxImportance *float64 `json:"max_importance"`
	CreatedAfter  *int64   `json:"created_after"`
	CreatedBefore *int64   `json:"created_before"`
	Type          string   `json:"memory_type"`
	SessionID     string   `json:"session_id"`
}

// Empty reports whether the filter has no predicate.
func (f *Filter) Empty() bool {
	return len(f.IDs) == 0 && f.AgentID == "" && len(f.Tags) == 0 && f.MinImportance == nil &&
		f.MaxImportance == nil && f.CreatedAfter == nil && f.CreatedBefore == nil && f.Type == "" && f.SessionID == ""
}

// Validate checks the filter's ranges.
func (f *Filter) Validate() error {
	if err := ValidateType(f.Type); err != nil {
		return invalid("filter.memory_type", "must be episodic, semantic, procedural or working")
	}
	for name, v := range map[string]*float64{"filter.min_importance": f.MinImportance, "filter.max_importance": f.MaxImportance} {
		if v != nil && (*v < 0 || *v > 1) {
			return invalid(name, "must be between 0 and 1")
		}
	}
	return validateTags(f.Tags, "filter.tags")
}

func (f *Filter) match(r *record) bool {
	if len(f.IDs) > 0 && !contains(f.IDs, r.ID) {
		return false
	}
	if f.AgentID != "" && r.AgentID != f.AgentID {
		return false
	}
	if f.Type != "" && r.Type != f.Type {
		return false
	}
	if f.SessionID != "" && r.SessionID != f.SessionID {
		return false
	}
	if f.MinImportance != nil && r.Importance < *f.MinImportance {
		return false
	}
	if f.MaxImportance != nil && r.Importance > *f.MaxImportance {
		return false
	}
	if f.CreatedAfter != nil && r.CreatedAt < *f.CreatedAfter {
		return false
	}
	if f.CreatedBefore != nil && r.CreatedAt >= *f.CreatedBefore {
		return false
	}
	return hasAllTags(r.Tags, f.Tags)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasAllTags(have, want []string) bool {
	for _, w := range want {
		if !contains(have, w) {
			return false
		}
	}
	return true
}

// List returns the memories matching f, newest first, and the total number
// that matched before limit and offset.
func (e *Engine) List(ctx context.Context, f Filter, limit, offset int) ([]*Memory, int) {
	e.mu.RLock()
	var matched []*record
	for _, r := range e.mems {
		if f.match(r) {
			matched = append(matched, r)
		}
	}
	e.mu.RUnlock()
	sort.Slice(matched, func(i, j int) bool {
		if matched[i].CreatedAt != matched[j].CreatedAt {
			return matched[i].CreatedAt > matched[j].CreatedAt
		}
		return matched[i].Seq > matched[j].Seq
	})
	total := len(matched)
	if offset > len(matched) {
		offset = len(matched)
	}
	matched = matched[offset:]
	if limit > 0 && len(matched) > limit {
		matched = matched[:limit]
	}
	out := make([]*Memory, len(matched))
	for i, r := range matched {
		m := r.Memory
		out[i] = &m
	}
	return out, total
}

// Forget deletes the memories matching f (which must not be empty) from
// storage and every index, and returns how many were deleted.
func (e *Engine) Forget(ctx context.Context, f Filter) (int, error) {
	if f.Empty() {
		return 0, invalid("filter", "at least one filter is required")
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	e.mu.RLock()
	var victims []*record
	for _, r := range e.mems {
		if f.match(r) {
			victims = append(victims, r)
		}
	}
	e.mu.RUnlock()
	return len(victims), e.deleteLocked(ctx, victims)
}

// deleteLocked removes victims; writeMu must be held.
func (e *Engine) deleteLocked(ctx context.Context, victims []*record) error {
	for start := 0; start < len(victims); start += 500 {
		chunk := victims[start:min(start+500, len(victims))]
		gd := newGraphDelta()
		for _, r := range chunk {
			e.unmention(r, gd)
		}
		links := e.linksOfMemories(chunk)
		var lastSeq uint64
		err := e.s.db.Update(ctx, func(tx storage.Txn) error {
			if err := gd.persist(e, tx); err != nil {
				return err
			}
			for _, l := range links {
				if err := tx.Delete(rowKey(e.id, kindLink, l.Key)); err != nil {
					return err
				}
			}
			for _, r := range chunk {
				for _, k := range [][]byte{rowKey(e.id, kindMemory, r.Key), rowKey(e.id, kindVector, r.Key), e.s.memIndexKey(r.ID)} {
					if err := tx.Delete(k); err != nil {
						return err
					}
				}
				seq, err := tx.AppendChange(e.id[:], mustJSON(change{Op: "del", Key: r.Key}))
				if err != nil {
					return err
				}
				lastSeq = seq
			}
			return nil
		})
		if err != nil {
			return storageErr(err)
		}
		ops := make([]text.Op, len(chunk))
		e.mu.Lock()
		e.applyGraphLocked(gd, nil, chunk)
		for _, l := range links {
			e.kg.removeLink(l.ID)
		}
		for i, r := range chunk {
			e.relinkLocked(e.mems[r.Key], nil)
			delete(e.mems, r.Key)
			delete(e.byPub, r.ID)
			delete(e.dirty, r.Key)
			ops[i] = text.Op{ID: docID(r.Key), Delete: true}
		}
		e.mu.Unlock()
		for _, r := range chunk {
			e.vec.Delete(r.Key)
		}
		if ti, err := e.textIndex(); err != nil {
			return err
		} else if err := ti.Apply(ops, lastSeq); err != nil {
			e.s.log.Error("text index delete", "ns", e.rec.PublicID, "err", err)
		}
	}
	return nil
}

// recordAccess reinforces recalled memories in memory; the sweep persists
// them in batches so recall does not wait on a write.
func (e *Engine) recordAccess(keys []uint64, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, k := range keys {
		if r := e.mems[k]; r != nil {
			c := *r
			c.AccessCount++
			c.LastAccessedAt = at.Unix()
			e.mems[k] = &c
			e.dirty[k] = struct{}{}
		}
	}
}

// flushAccess persists the access records gathered since the last flush.
func (e *Engine) flushAccess(ctx context.Context) error {
	select {
	case <-e.opened:
	default:
		return nil
	}
	if e.openErr != nil {
		return nil
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	e.mu.Lock()
	if len(e.dirty) == 0 || e.shredded {
		e.mu.Unlock()
		return nil
	}
	recs := make([]*record, 0, len(e.dirty))
	for k := range e.dirty {
		if r := e.mems[k]; r != nil {
			recs = append(recs, r)
		}
	}
	e.dirty = map[uint64]struct{}{}
	sealer := e.sealer
	e.mu.Unlock()
	err := e.s.db.Update(ctx, func(tx storage.Txn) error {
		for _, r := range recs {
			k := rowKey(e.id, kindMemory, r.Key)
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
		e.mu.Lock()
		for _, r := range recs {
			e.dirty[r.Key] = struct{}{}
		}
		e.mu.Unlock()
		return storageErr(err)
	}
	return nil
}
