package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/recall/text"
)

// StoreInput is one memory to store (API.md store request).
type StoreInput struct {
	ID         string          `json:"id"`
	AgentID    string          `json:"agent_id"`
	Content    string          `json:"content"`
	Type       string          `json:"memory_type"`
	Importance *float64        `json:"importance"`
	Tags       []string        `json:"tags"`
	Metadata   json.RawMessage `json:"metadata"`
	SessionID  string          `json:"session_id"`
	TTLSeconds *int64          `json:"ttl_seconds"`
	ExpiresAt  *int64          `json:"expires_at"`
	ValidFrom  *int64          `json:"valid_from"`
	ValidTo    *int64          `json:"valid_to"`
	CreatedAt  *int64          `json:"created_at"`
	Embedding  []float32       `json:"embedding"`
}

// Limits on one memory's fields.
const (
	maxTags        = 100
	maxTagBytes    = 256
	maxMetadata    = 64 << 10
	maxClientIDLen = 128
)

// ValidateType checks a memory type; "" is valid (the default).
func ValidateType(t string) error {
	switch t {
	case "", TypeEpisodic, TypeSemantic, TypeProcedural, TypeWorking:
		return nil
	}
	return invalid("memory_type", "must be episodic, semantic, procedural or working")
}

func (e *Engine) validate(in *StoreInput, field string, maxContent int) error {
	f := func(name string) string {
		if field == "" {
			return name
		}
		return field + "." + name
	}
	if err := ValidateAgentID(in.AgentID); err != nil {
		return &ValidationError{Field: f("agent_id"), Reason: err.(*ValidationError).Reason}
	}
	if strings.TrimSpace(in.Content) == "" {
		return invalid(f("content"), "is required")
	}
	if len(in.Content) > maxContent {
		return invalid(f("content"), "must be at most %d bytes", maxContent)
	}
	if !utf8.ValidString(in.Content) || strings.ContainsRune(in.Content, 0) {
		return invalid(f("content"), "must be valid UTF-8 without NUL bytes")
	}
	if err := ValidateType(in.Type); err != nil {
		return invalid(f("memory_type"), "must be episodic, semantic, procedural or working")
	}
	if in.Importance != nil && (*in.Importance < 0 || *in.Importance > 1 || *in.Importance != *in.Importance) {
		return invalid(f("importance"), "must be between 0 and 1")
	}
	if err := validateTags(in.Tags, f("tags")); err != nil {
		return err
	}
	if len(in.Metadata) > 0 && string(in.Metadata) != "null" {
		if len(in.Metadata) > maxMetadata {
			return invalid(f("metadata"), "must be at most %d bytes", maxMetadata)
		}
		if !isJSONObject(in.Metadata) {
			return invalid(f("metadata"), "must be a JSON object")
		}
	}
	if in.ID != "" && (len(in.ID) > maxClientIDLen || !agentIDRE.MatchString(in.ID)) {
		return invalid(f("id"), "must be 1-128 characters of letters, digits and _ . : @ -")
	}
	if in.TTLSeconds != nil && *in.TTLSeconds <= 0 {
		return invalid(f("ttl_seconds"), "must be > 0")
	}
	for name, v := range map[string]*int64{"expires_at": in.ExpiresAt, "valid_from": in.ValidFrom, "valid_to": in.ValidTo, "created_at": in.CreatedAt} {
		if v != nil && (*v < 0 || *v > 253402300799) {
			return invalid(f(name), "must be a Unix time in seconds")
		}
	}
	if in.ValidFrom != nil && in.ValidTo != nil && *in.ValidTo < *in.ValidFrom {
		return invalid(f("valid_to"), "must not be before valid_from")
	}
	if len(in.SessionID) > maxClientIDLen {
		return invalid(f("session_id"), "too long")
	}
	return nil
}

func validateTags(tags []string, field string) error {
	if len(tags) > maxTags {
		return invalid(field, "at most %d tags", maxTags)
	}
	for _, t := range tags {
		if t == "" || len(t) > maxTagBytes || !utf8.ValidString(t) || strings.ContainsRune(t, 0) {
			return invalid(field, "each tag must be 1-%d bytes of valid UTF-8", maxTagBytes)
		}
	}
	return nil
}

// Store stores one memory and returns it with the embedding time.
func (e *Engine) Store(ctx context.Context, in StoreInput) (*Memory, time.Duration, error) {
	out, dur, err := e.StoreBatch(ctx, []StoreInput{in}, "")
	if err != nil {
		return nil, dur, err
	}
	return out[0], dur, nil
}

// StoreBatch stores up to MaxBatch memories in one transaction and one index
// batch. field names the request's array for error messages ("memories").
func (e *Engine) StoreBatch(ctx context.Context, ins []StoreInput, field string) ([]*Memory, time.Duration, error) {
	if len(ins) == 0 {
		return nil, 0, invalid(field, "must hold at least one memory")
	}
	if len(ins) > e.s.opts.MaxBatch {
		return nil, 0, invalid(field, "at most %d memories per batch", e.s.opts.MaxBatch)
	}
	dim := e.dimension()
	var texts []string
	var textIdx []int
	for i := range ins {
		name := ""
		if field != "" {
			name = fmt.Sprintf("%s[%d]", field, i)
		}
		if err := e.validate(&ins[i], name, e.s.opts.MaxContentBytes); err != nil {
			return nil, 0, err
		}
		if ins[i].Embedding != nil {
			if len(ins[i].Embedding) != dim {
				return nil, 0, fmt.Errorf("%w: embedding has %d dimensions, namespace has %d", ErrDimensionMismatch, len(ins[i].Embedding), dim)
			}
			continue
		}
		texts = append(texts, ins[i].Content)
		textIdx = append(textIdx, i)
	}
	start := time.Now()
	vecs := make([][]float32, len(ins))
	embIDs := make([]string, len(ins))
	emb, gen := e.activeEmbedder()
	if len(texts) > 0 {
		got, err := embedWith(ctx, emb, dim, texts)
		if err != nil {
			return nil, time.Since(start), err
		}
		for j, i := range textIdx {
			vecs[i], embIDs[i] = got[j], emb.ID()
		}
	}
	embedDur := time.Since(start)
	for i := range ins {
		if ins[i].Embedding != nil {
			vecs[i], embIDs[i] = normalized(ins[i].Embedding), "client"
		}
	}
	recs := make([]*record, len(ins))
	now := e.s.now().Unix()
	policy := e.policy()
	for i := range ins {
		recs[i] = e.newRecord(&ins[i], now)
		recs[i].EmbedderID = embIDs[i]
		if embIDs[i] != "client" {
			recs[i].embGen = gen + 1
		}
		if policy.DedupOnStore && ins[i].ID == "" {
			if dup := e.duplicateOf(ins[i].AgentID, vecs[i], policy.DedupThreshold); dup != nil {
				recs[i], vecs[i] = reinforceDuplicate(dup, recs[i], now), vecsOf(e, dup.Key, vecs[i])
			}
		}
	}
	out, err := e.write(ctx, recs, vecs)
	return out, embedDur, err
}

func (e *Engine) dimension() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.rec.Dimension
}

// embed embeds texts with the namespace's active embedder into its
// dimension: zero-padded when the namespace is wider than the embedder,
// ErrDimensionMismatch when narrower.
func (e *Engine) embed(ctx context.Context, texts []string) ([][]float32, error) {
	emb, _ := e.activeEmbedder()
	return embedWith(ctx, emb, e.dimension(), texts)
}

func normalized(v []float32) []float32 {
	var n float64
	for _, f := range v {
		n += float64(f) * float64(f)
	}
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	inv := float32(1 / sqrt(n))
	for i, f := range v {
		out[i] = f * inv
	}
	return out
}

func (e *Engine) newRecord(in *StoreInput, now int64) *record {
	m := Memory{
		ID: in.ID, Namespace: e.Name(), AgentID: in.AgentID, Content: in.Content,
		Type: in.Type, Importance: 0.5, Tags: in.Tags, SessionID: in.SessionID,
		CreatedAt: now, LastAccessedAt: now, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo,
	}
	if m.Type == "" {
		m.Type = TypeEpisodic
	}
	if in.Importance != nil {
		m.Importance = *in.Importance
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if len(in.Metadata) > 0 && string(in.Metadata) != "null" {
		m.Metadata = in.Metadata
	}
	if in.CreatedAt != nil {
		m.CreatedAt, m.LastAccessedAt = *in.CreatedAt, *in.CreatedAt
	}
	switch {
	case in.ExpiresAt != nil:
		m.ExpiresAt = in.ExpiresAt
	case in.TTLSeconds != nil:
		x := now + *in.TTLSeconds
		m.ExpiresAt = &x
	default:
		if ttl := e.policy().TTL(m.Type); ttl > 0 {
			x := m.CreatedAt + ttl
			m.ExpiresAt = &x
		}
	}
	m.Entities = []EntityRef{}
	return &record{Memory: m}
}

func (e *Engine) config() NamespaceConfig {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.rec.Config
}

// maxTxnBytes bounds what one write transaction carries; larger batches
// are split (Badger caps a transaction at a fraction of its memtable).
const maxTxnBytes = 1 << 20

// write commits recs (new or replacing memories with the same public id)
// and their vectors, then applies them to the indexes. A batch is written
// in transactions of at most maxTxnBytes each; it was validated as a whole
// before, so a split batch fails only on storage errors.
func (e *Engine) write(ctx context.Context, recs []*record, vecs [][]float32) ([]*Memory, error) {
	defer e.queueModelExtraction(recs) // after writeMu is released (llmextract.go)
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	graphRows := 0
	if e.config().ExtractEntities {
		graphRows = graphBytesPerMemory
	}
	out := make([]*Memory, 0, len(recs))
	for start := 0; start < len(recs); {
		end, size := start, 0
		for end < len(recs) && (end == start || size+rowSize(recs[end], vecs[end])+graphRows <= maxTxnBytes) {
			size += rowSize(recs[end], vecs[end]) + graphRows
			end++
		}
		ms, err := e.writeSplitting(ctx, recs[start:end], vecs[start:end])
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
		start = end
	}
	return out, nil
}

// graphBytesPerMemory estimates the entity and relation rows one memory's
// extraction rewrites (a few entities, up to 15 co-occurrence relations of
// at most maxRelationSources ids each).
const graphBytesPerMemory = 8 << 10

// writeSplitting writes recs in one transaction, halving the chunk when
// storage says the transaction is too large (the estimate was short).
func (e *Engine) writeSplitting(ctx context.Context, recs []*record, vecs [][]float32) ([]*Memory, error) {
	ms, err := e.writeTxn(ctx, recs, vecs)
	if !errors.Is(err, storage.ErrTooLarge) || len(recs) == 1 {
		return ms, err
	}
	half := len(recs) / 2
	a, err := e.writeSplitting(ctx, recs[:half], vecs[:half])
	if err != nil {
		return nil, err
	}
	b, err := e.writeSplitting(ctx, recs[half:], vecs[half:])
	if err != nil {
		return nil, err
	}
	return append(a, b...), nil
}

func rowSize(r *record, v []float32) int {
	return 2*len(r.Content) + len(r.Metadata) + 4*len(v) + 64*len(r.Tags) + 512
}

// writeTxn commits one transaction's worth of write; writeMu is held.
func (e *Engine) writeTxn(ctx context.Context, recs []*record, vecs [][]float32) ([]*Memory, error) {
	e.mu.RLock()
	sealer, shredded := e.sealer, e.shredded
	e.mu.RUnlock()
	if shredded {
		return nil, ErrNamespaceNotFound
	}
	// A vector embedded before a swap of the namespace's embedder must not
	// enter the new index (reembed.go); the swap holds writeMu.
	_, gen := e.activeEmbedder()
	for _, r := range recs {
		if r.embGen != 0 && r.embGen != gen+1 {
			return nil, fmt.Errorf("%w: the namespace's embedder changed during the write; retry", ErrUnavailable)
		}
	}
	// Assign keys: a memory with a known public id replaces it.
	for _, r := range recs {
		if r.Key != 0 {
			continue // already resolved (a reinforced duplicate)
		}
		if r.ID == "" {
			r.ID = newPublicID("mem_")
			r.Key = randomUint64()
			continue
		}
		e.mu.RLock()
		k, ok := e.byPub[r.ID]
		old := e.mems[k]
		e.mu.RUnlock()
		if ok {
			r.Key = k
			r.AccessCount, r.LastAccessedAt = old.AccessCount, old.LastAccessedAt
		} else {
			r.Key = randomUint64()
		}
	}
	// The graph: mentions of a replaced memory go, the new content's are
	// extracted and resolved (writeMu serializes this).
	gd := newGraphDelta()
	cfg := e.config()
	var replaced []*record
	for _, r := range recs {
		e.mu.RLock()
		old := e.mems[r.Key]
		e.mu.RUnlock()
		if old != nil {
			e.unmention(old, gd)
			replaced = append(replaced, old)
		}
		e.extractInto(r, cfg, gd)
	}
	sessionsTouched := map[string]int{}
	var lastSeq uint64
	err := e.s.db.Update(ctx, func(tx storage.Txn) error {
		if err := gd.persist(e, tx); err != nil {
			return err
		}
		for i, r := range recs {
			idxKey := e.s.memIndexKey(r.ID)
			owner, err := tx.Get(idxKey)
			switch {
			case err == nil:
				if string(owner[:8]) != string(e.id[:]) {
					return fmt.Errorf("%w: memory id %q is taken", ErrConflict, r.ID)
				}
			case errors.Is(err, storage.ErrNotFound):
				if err := tx.Set(idxKey, append(append([]byte{}, e.id[:]...), u64(r.Key)...)); err != nil {
					return err
				}
			default:
				return err
			}
			seq, err := tx.AppendChange(e.id[:], mustJSON(change{Op: "put", Key: r.Key}))
			if err != nil {
				return err
			}
			r.Seq, lastSeq = seq, seq
			mk := rowKey(e.id, kindMemory, r.Key)
			b, err := sealJSON(sealer, mk, r)
			if err != nil {
				return err
			}
			if err := tx.Set(mk, b); err != nil {
				return err
			}
			vk := rowKey(e.id, kindVector, r.Key)
			if err := tx.Set(vk, sealer.Seal(vk, encodeVector(r.EmbedderID, vecs[i]))); err != nil {
				return err
			}
		}
		for _, r := range recs {
			if r.SessionID != "" {
				sessionsTouched[r.SessionID]++
			}
		}
		return e.touchSessionsTx(tx, sessionsTouched)
	})
	if err != nil {
		return nil, storageErr(err)
	}
	if e.s.opts.afterCommit != nil {
		e.s.opts.afterCommit()
	}
	ops := make([]text.Op, len(recs))
	out := make([]*Memory, len(recs))
	e.mu.Lock()
	e.applyGraphLocked(gd, recs, replaced)
	for i, r := range recs {
		e.relinkLocked(e.mems[r.Key], r)
		e.mems[r.Key] = r
		e.byPub[r.ID] = r.Key
		ops[i] = text.Op{ID: docID(r.Key), Text: r.Content}
		m := r.Memory
		out[i] = &m
	}
	e.mu.Unlock()
	// The vector index is updated outside e.mu: its searches call the
	// recall filter, which takes e.mu (lock order: vector index, then e.mu).
	// One batch: the index spreads the inserts over the cores.
	keys := make([]uint64, len(recs))
	for i, r := range recs {
		keys[i] = r.Key
	}
	if err := e.vec.UpsertBatch(keys, vecs); err != nil {
		e.s.log.Error("vector index upsert", "ns", e.rec.PublicID, "err", err)
	}
	if ti, err := e.textIndex(); err != nil {
		return nil, err
	} else if err := ti.Apply(ops, lastSeq); err != nil {
		// The change log still holds the writes; the next open catches up.
		e.s.log.Error("text index apply", "ns", e.rec.PublicID, "err", err)
	}
	return out, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with plain structs
	}
	return b
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

// reinforceDuplicate folds a new memory into the existing near-duplicate
// instead of storing it again: the existing content stays, importance is the
// higher of the two, tags are merged and the access counts as a recall.
func reinforceDuplicate(dup, fresh *record, now int64) *record {
	r := *dup
	r.Importance = max(r.Importance, fresh.Importance)
	r.Tags = append([]string{}, r.Tags...)
	for _, t := range fresh.Tags {
		if !contains(r.Tags, t) && len(r.Tags) < maxTags {
			r.Tags = append(r.Tags, t)
		}
	}
	r.AccessCount++
	r.LastAccessedAt = now
	return &r
}

func vecsOf(e *Engine, key uint64, fallback []float32) []float32 {
	if v, ok := e.vec.Get(key); ok {
		return v
	}
	return fallback
}
