package memory

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/recall/text"
	"github.com/engramhq/engram/recall/vector"
)

// Engine is one open namespace: its sealer, its memories and sessions
// decoded in memory, its vector index and its full-text index. Writes are
// serialized by writeMu (one writer per namespace); reads take mu.
//
// Lock order: Store.mu before Engine.writeMu before Engine.mu before the
// vector index's lock. A filtered vector search runs with e.mu read-held and
// its filter reads e.mems without locking (filters run on several
// goroutines at once); the vector index is never written with e.mu held.
// The embedder is never called with any of these held.
type Engine struct {
	s      *Store
	id     nsID
	opened chan struct{}
	// openErr is set before opened is closed and never changes after.
	openErr error

	// writeMu serializes write transactions of the namespace.
	writeMu sync.Mutex

	// emb is the active embedder (embedders.go); it has its own lock, a leaf.
	emb nsEmbedder

	// docs holds the namespace documents (docs.go), loaded on first use;
	// it has its own lock, taken after writeMu and before mu.
	docs docStore

	// mu guards everything below.
	mu       sync.RWMutex
	rec      *nsRecord
	sealer   *seal.Sealer
	mems     map[uint64]*record
	byPub    map[string]uint64
	order    streams  // conversation order of mems (order.go)
	speakers speakers // speaker-label words of mems (speaker.go)
	sessions map[string]*sessionRecord
	dirty    map[uint64]struct{}
	vec      *vector.Index
	text     *text.Index
	kg       *kg
	shredded bool
}

// record is a memory as stored: the wire Memory plus internal fields.
type record struct {
	Memory
	Key uint64 `json:"k"`
	// Seq orders memories by insertion (the change sequence of their
	// last write).
	Seq uint64 `json:"q"`
	// EmbedderID is the embedder that produced the memory's vector.
	EmbedderID string `json:"e,omitempty"`
	// RelIDs are the knowledge-graph relations this memory's content
	// stated, so forgetting it takes back exactly its support.
	RelIDs []string `json:"rl,omitempty"`
	// embGen is 1 + the embedder generation the vector was made under
	// (0: not checked); writeTxn refuses a vector of a swapped-out
	// embedder (reembed.go).
	embGen uint64
}

type sessionRecord struct {
	Session
	Key uint64 `json:"k"`
}

// change is one entry of the namespace change log.
type change struct {
	Op  string `json:"op"` // "put" or "del"
	Key uint64 `json:"k"`
}

func newEngine(s *Store, rec *nsRecord) *Engine {
	return &Engine{s: s, id: rec.ID, rec: rec, opened: make(chan struct{})}
}

func (e *Engine) waitOpen(ctx context.Context) error {
	select {
	case <-e.opened:
		return e.openErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) setRecord(rec *nsRecord) {
	e.mu.Lock()
	e.rec = rec
	e.mu.Unlock()
}

// Name returns the namespace's name.
func (e *Engine) Name() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.rec.Name
}

func (e *Engine) policy() Policy {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.rec.Policy
}

func (e *Engine) counts() (mems, vecs int) {
	e.mu.RLock()
	mems, vec := len(e.mems), e.vec
	e.mu.RUnlock()
	if vec != nil {
		vecs = vec.Len()
	}
	return mems, vecs
}

// open loads the namespace: unwraps its keys, decodes memories, sessions
// and vectors, opens the text index and catches it up from the change log.
func (e *Engine) open(ctx context.Context) {
	e.openErr = e.load(ctx)
	close(e.opened)
}

func (e *Engine) load(ctx context.Context) error {
	rec := e.rec
	deks := make([]seal.DEK, 0, len(rec.WrappedKeys))
	for _, w := range rec.WrappedKeys {
		d, err := e.s.master.Unwrap(rec.ID[:], w)
		if err != nil {
			return fmt.Errorf("unwrap namespace key: %w", err)
		}
		deks = append(deks, d)
	}
	sealer, err := seal.NewSealer(rec.ID[:], deks)
	if err != nil {
		return err
	}
	resumeJob, err := e.loadEmbedder(ctx, sealer)
	if err != nil {
		return err
	}
	metric, err := vector.ParseMetric(rec.Distance)
	if err != nil {
		return err
	}
	// Graph builds run in the background: opening a large namespace, or
	// crossing the HNSW threshold, never holds its searches.
	vec, err := vector.New(vector.Options{Dim: rec.Dimension, Metric: metric, EfSearch: vectorEfSearch, BackgroundBuild: true})
	if err != nil {
		return err
	}
	mems := map[uint64]*record{}
	byPub := map[string]uint64{}
	sessions := map[string]*sessionRecord{}
	var g *kg
	var vecIDs []uint64
	var vecVals [][]float32
	err = e.s.db.View(ctx, func(tx storage.Txn) error {
		err := tx.Scan(rowPrefix(rec.ID, kindMemory), nil, false, func(k, v []byte) error {
			var r record
			if err := openJSON(sealer, k, v, &r); err != nil {
				return err
			}
			mems[r.Key] = &r
			byPub[r.ID] = r.Key
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Scan(rowPrefix(rec.ID, kindSession), nil, false, func(k, v []byte) error {
			var sr sessionRecord
			if err := openJSON(sealer, k, v, &sr); err != nil {
				return err
			}
			sessions[sr.ID] = &sr
			return nil
		})
		if err != nil {
			return err
		}
		g, err = e.loadGraph(tx, func(k, v []byte, into any) error { return openJSON(sealer, k, v, into) }, mems)
		if err != nil {
			return err
		}
		return tx.Scan(rowPrefix(rec.ID, kindVector), nil, false, func(k, v []byte) error {
			pt, err := sealer.Open(k, v)
			if err != nil {
				return fmt.Errorf("open vector: %w", err)
			}
			_, vals, err := decodeVector(pt)
			if err != nil {
				return err
			}
			key := binary.BigEndian.Uint64(k[len(k)-8:])
			if _, ok := mems[key]; !ok {
				return nil
			}
			vecIDs, vecVals = append(vecIDs, key), append(vecVals, vals)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("load namespace: %w", err)
	}
	// One batch: a large namespace builds its HNSW graph once, on both cores.
	if err := vec.UpsertBatch(vecIDs, vecVals); err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	ti, err := e.openText(e.s.textDir(rec.ID), sealer.SubKey("text-index"))
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.sealer, e.mems, e.byPub, e.sessions, e.vec, e.text, e.kg = sealer, mems, byPub, sessions, vec, ti, g
	e.order = buildOrder(mems)
	e.speakers = buildSpeakers(mems)
	e.dirty = map[uint64]struct{}{}
	e.mu.Unlock()
	if err := e.catchUpText(ctx); err != nil {
		ti.Close()
		return err
	}
	e.resumeReembed(resumeJob)
	return nil
}

// openText opens a namespace's text index. The index is derived state: one
// that cannot be opened (a crash while it was being created, a damaged
// file) is destroyed and rebuilt from the change log by catchUpText.
func (e *Engine) openText(dir string, key []byte) (*text.Index, error) {
	ti, err := text.Open(dir, key, &text.Options{Logger: e.s.log})
	if err == nil {
		return ti, nil
	}
	e.s.log.Warn("text index unreadable; rebuilding it from the change log", "ns", e.rec.PublicID, "err", err)
	if derr := text.Destroy(dir); derr != nil {
		return nil, fmt.Errorf("open text index: %w (and removing it: %v)", err, derr)
	}
	ti, err = text.Open(dir, key, &text.Options{Logger: e.s.log})
	if err != nil {
		return nil, fmt.Errorf("open text index: %w", err)
	}
	return ti, nil
}

// catchUpText replays the change log past the text index's checkpoint, so
// a crash between a commit and the index update loses nothing.
func (e *Engine) catchUpText(ctx context.Context) error {
	cp, err := e.text.Checkpoint()
	if err != nil {
		return err
	}
	var ops []text.Op
	var last uint64
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		err := e.text.Apply(ops, last)
		ops = ops[:0]
		return err
	}
	err = e.s.db.ChangesSince(ctx, e.id[:], cp, 0, func(seq uint64, b []byte) error {
		var c change
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("decode change %d: %w", seq, err)
		}
		last = seq
		if isDocChange(c.Op) {
			return nil // documents have their own text index (docs.go)
		}
		e.mu.RLock()
		r := e.mems[c.Key]
		e.mu.RUnlock()
		if c.Op == "put" && r != nil {
			ops = append(ops, text.Op{ID: docID(c.Key), Text: r.Content})
		} else {
			ops = append(ops, text.Op{ID: docID(c.Key), Delete: true})
		}
		if len(ops) >= 500 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("catch up text index: %w", err)
	}
	return flush()
}

// textIndex returns the open text index, or ErrUnavailable once the engine
// has been closed (evicted while a request still held it: the caller retries).
func (e *Engine) textIndex() (*text.Index, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.text == nil {
		return nil, fmt.Errorf("%w: namespace closed", ErrUnavailable)
	}
	return e.text, nil
}

// vectorEfSearch is the HNSW search breadth of memory indexes: 128 keeps
// recall@10 at 0.96 on 100k word vectors (64 gives 0.91; recall/vector doc).
const vectorEfSearch = 128

func docID(k uint64) string { return strconv.FormatUint(k, 36) }

func parseDocID(s string) (uint64, bool) {
	k, err := strconv.ParseUint(s, 36, 64)
	return k, err == nil
}

func (e *Engine) close(ctx context.Context) error {
	<-e.opened
	if e.openErr != nil {
		return nil
	}
	err := e.flushAccess(ctx)
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	err = errors.Join(err, e.closeDocs())
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.text != nil {
		err = errors.Join(err, e.text.Close())
		e.text = nil
	}
	if e.vec != nil {
		e.vec.Close() // stops a background HNSW build
	}
	return err
}

// shred forgets the namespace's key material in memory.
func (e *Engine) shred() {
	e.mu.Lock()
	e.shredded = true
	e.dirty = map[uint64]struct{}{}
	e.mu.Unlock()
}

// allPublicIDs returns the server-wide index keys of the namespace's
// memories and sessions.
func (e *Engine) allPublicIDs() [][]byte {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([][]byte, 0, len(e.mems)+len(e.sessions))
	for _, r := range e.mems {
		out = append(out, e.s.memIndexKey(r.ID))
	}
	for _, sr := range e.sessions {
		out = append(out, e.s.sessIndexKey(sr.ID))
	}
	return out
}

func (s *Store) memIndexKey(publicID string) []byte {
	return sysKey('M', s.sys.Hash("mem-id", []byte(publicID)))
}

func (s *Store) sessIndexKey(publicID string) []byte {
	return sysKey('S', s.sys.Hash("sess-id", []byte(publicID)))
}

func openJSON(s *seal.Sealer, k, v []byte, into any) error {
	pt, err := s.Open(k, v)
	if err != nil {
		return fmt.Errorf("open row: %w", err)
	}
	if err := json.Unmarshal(pt, into); err != nil {
		return fmt.Errorf("decode row: %w", err)
	}
	return nil
}

func sealJSON(s *seal.Sealer, k []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return s.Seal(k, b), nil
}

// encodeVector stores the embedder id and the float32 values.
func encodeVector(embedderID string, v []float32) []byte {
	b := make([]byte, 0, 2+len(embedderID)+4*len(v))
	b = binary.BigEndian.AppendUint16(b, uint16(len(embedderID)))
	b = append(b, embedderID...)
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

func decodeVector(b []byte) (string, []float32, error) {
	if len(b) < 2 {
		return "", nil, errors.New("memory: short vector row")
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n || (len(b)-2-n)%4 != 0 {
		return "", nil, errors.New("memory: malformed vector row")
	}
	id := string(b[2 : 2+n])
	rest := b[2+n:]
	v := make([]float32, len(rest)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[4*i:]))
	}
	return id, v, nil
}
