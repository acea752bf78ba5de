package memory

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/recall"
)

// Re-embedding. When a namespace's effective embedder changes (UpdateConfig),
// a background job owned by the Store re-embeds every memory with the new
// embedder into shadow vector rows (nsID 'V' memKey, sealed, same format as
// the live 'v' rows) while the live index and the active embedder keep
// serving. Progress lives in the row nsID 'E' (sealed with the system key), updated
// in the same transaction as each batch of shadow rows, so a restart
// resumes where the last batch ended (the job restarts when the namespace
// is next opened).
//
// Phases: 1 walks the memories in key order (cursor = last key done);
// 2 replays the change log from the sequence noted when phase 1 began, so
// memories written or deleted meanwhile are re-embedded or dropped, round
// after round, until, under the engine's writeMu, no change is left. Then
// the swap: the state row flips to "swapping" with the new active embedder
// (the commit point), the live index takes the shadow vectors in one
// UpsertBatch (one index lock: a search sees all old or all new vectors),
// the engine's active embedder changes, and the shadow rows are copied over
// the live rows and deleted, all before writeMu is released. A crash during
// the copy is finished by the next load before the namespace serves.
//
// Writes during a job use the active (old) embedder; the change log tells
// the job to re-embed them. A write whose text was embedded before a swap
// and commits after it is refused (writeTxn compares generations). The
// last catch-up round (at most reembedBatch changes) runs with writeMu
// held, the one place the embedder is called under an engine lock, so a
// steady stream of writes cannot hold the swap off.
//
// Known gaps: Engine.Update (memories.go) and document writes do not carry
// the generation, so a write straddling the swap instant can store an old
// vector; Recall embeds its query before searching, so a query straddling
// the swap compares across embedders once. A change of the server's own
// embedder (environment) is not detected.

const kindShadowVector = 'V'

// reembedBatch bounds the memories embedded per provider call and shadow
// transaction (a variable for tests).
var reembedBatch = 64

// reembedBatchHook, when set (tests only), runs after each committed
// phase-1 batch; an error stops the job there as a crash would.
var reembedBatchHook func(done int64) error

// reembedSwapHook, when set (tests only), runs once the swap is committed
// and before anything else moves; an error stops there as a crash would.
var reembedSwapHook func() error

// errReembedSuperseded ends a job whose state row names another job.
var errReembedSuperseded = errors.New("memory: re-embedding superseded")

// ReembedStatus is the progress of a namespace's re-embedding.
type ReembedStatus struct {
	// Status is "idle", "running" or "failed".
	Status         string `json:"status"`
	Embedder       string `json:"embedder"`
	TargetEmbedder string `json:"target_embedder,omitempty"`
	Done           int64  `json:"done"`
	Total          int64  `json:"total"`
	StartedAt      *int64 `json:"started_at"`
	Error          string `json:"error,omitempty"`
}

// reembedState is the persisted row nsID 'E'.
type reembedState struct {
	// Active is the spec of the embedder whose vectors are live (nil:
	// the server's).
	Active *EmbedderSpec `json:"active,omitempty"`
	// Status is idle, running, failed or swapping.
	Status    string        `json:"status"`
	JobID     string        `json:"job,omitempty"`
	Target    *EmbedderSpec `json:"target,omitempty"`
	TargetID  string        `json:"target_id,omitempty"`
	Phase     int           `json:"phase,omitempty"`
	Cursor    uint64        `json:"cursor,omitempty"`
	DocCursor uint64        `json:"doc_cursor,omitempty"`
	ChangeSeq uint64        `json:"seq,omitempty"`
	Done      int64         `json:"done"`
	Total     int64         `json:"total"`
	StartedAt int64         `json:"started_at,omitempty"`
	Error     string        `json:"error,omitempty"`
}

// reembedKey is the state row, in the namespace's keyspace (deleted with
// it, spec and key included) but sealed with the system key.
func reembedKey(id nsID) []byte { return rowPrefix(id, 'E') }

func (s *Store) getReembedState(tx storage.Txn, id nsID) (reembedState, error) {
	st := reembedState{Status: "idle"}
	k := reembedKey(id)
	v, err := tx.Get(k)
	if errors.Is(err, storage.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	pt, err := s.sys.Open(k, v)
	if err != nil {
		return st, fmt.Errorf("memory: open re-embed state: %w", err)
	}
	if err := json.Unmarshal(pt, &st); err != nil {
		return st, fmt.Errorf("memory: decode re-embed state: %w", err)
	}
	return st, nil
}

func (s *Store) putReembedState(tx storage.Txn, id nsID, st *reembedState) error {
	k := reembedKey(id)
	return tx.Set(k, s.sys.Seal(k, mustJSON(st)))
}

func (s *Store) readReembedState(ctx context.Context, id nsID) (reembedState, error) {
	var st reembedState
	err := s.db.View(ctx, func(tx storage.Txn) error {
		var err error
		st, err = s.getReembedState(tx, id)
		return err
	})
	return st, storageErr(err)
}

// running jobs, by store and namespace.
type reembedJob struct {
	id     string
	cancel context.CancelFunc
	done   chan struct{}
}

var reembedJobs = struct {
	sync.Mutex
	m map[*Store]map[nsID]*reembedJob
}{m: map[*Store]map[nsID]*reembedJob{}}

// startReembedLocked starts job jobID for namespace id, after the previous
// job of the namespace (if any) has stopped. s.mu is held.
func (s *Store) startReembedLocked(id nsID, jobID string) {
	if s.closed {
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	j := &reembedJob{id: jobID, cancel: cancel, done: make(chan struct{})}
	reembedJobs.Lock()
	m := reembedJobs.m[s]
	if m == nil {
		m = map[nsID]*reembedJob{}
		reembedJobs.m[s] = m
	}
	prev := m[id]
	m[id] = j
	reembedJobs.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(j.done)
		defer cancel()
		if prev != nil {
			prev.cancel()
			<-prev.done
		}
		err := s.runReembed(ctx, id, jobID)
		reembedJobs.Lock()
		if m[id] == j {
			delete(m, id)
		}
		if len(m) == 0 && reembedJobs.m[s] != nil && len(reembedJobs.m[s]) == 0 {
			delete(reembedJobs.m, s)
		}
		reembedJobs.Unlock()
		if err == nil || errors.Is(err, errReembedSuperseded) || ctx.Err() != nil {
			return
		}
		if errors.Is(err, errReembedStopped) {
			return // a test's simulated crash
		}
		s.log.Warn("re-embedding failed; old vectors keep serving", "op", "reembed", "err", err)
		_ = s.db.Update(context.Background(), func(tx storage.Txn) error {
			st, gerr := s.getReembedState(tx, id)
			if gerr != nil || st.JobID != jobID || st.Status != "running" {
				return gerr
			}
			st.Status, st.Error = "failed", err.Error()
			return s.putReembedState(tx, id, &st)
		})
	}()
}

func (s *Store) reembedRunning(id nsID) bool {
	reembedJobs.Lock()
	defer reembedJobs.Unlock()
	return reembedJobs.m[s][id] != nil
}

// errReembedStopped is what a test hook returns to simulate a crash.
var errReembedStopped = errors.New("memory: re-embedding stopped")

// applyEmbedderChangeLocked persists next (whose configuration changed the
// embedder, or re-sent it) together with the re-embed state, and starts,
// restarts or cancels the job. s.mu is held.
func (s *Store) applyEmbedderChangeLocked(ctx context.Context, rec, next *nsRecord) error {
	target := s.emb
	if next.Config.Embedder != nil {
		var err error
		if target, err = s.validateEmbedderSpec(next.Config.Embedder, rec.Dimension); err != nil {
			return err
		}
	}
	st, err := s.readReembedState(ctx, rec.ID)
	if err != nil {
		return err
	}
	if st.Status == "swapping" {
		// The copy of the new vectors over the old ones must finish first
		// (a crash meanwhile is finished when the namespace next opens).
		return fmt.Errorf("%w: the namespace's embedder swap is finishing; retry", ErrConflict)
	}
	active, err := s.buildEmbedder(st.Active)
	if err != nil {
		return err
	}
	startJob := ""
	switch {
	case embedderIdentity(target) == embedderIdentity(active):
		// Same vectors: no job; the new spec (URL, key) serves at once.
		st = reembedState{Status: "idle", Active: next.Config.Embedder.clone(), Done: st.Done, Total: st.Total}
	case st.Status == "running" && st.TargetID == embedderIdentity(target) && reflect.DeepEqual(st.Target, next.Config.Embedder):
		// The running job already targets it.
	default:
		startJob = newPublicID("job_")
		st = reembedState{Status: "running", Active: st.Active, JobID: startJob, Target: next.Config.Embedder.clone(),
			TargetID: embedderIdentity(target), StartedAt: s.now().Unix()}
	}
	b, err := json.Marshal(next)
	if err != nil {
		return err
	}
	key := sysKey('N', next.ID[:])
	err = s.db.Update(ctx, func(tx storage.Txn) error {
		if err := tx.Set(key, s.sys.Seal(key, b)); err != nil {
			return err
		}
		if err := tx.Set(s.nameKey(next.OrgID, next.Name), next.ID[:]); err != nil {
			return err
		}
		return s.putReembedState(tx, next.ID, &st)
	})
	if err != nil {
		return storageErr(err)
	}
	s.register(next)
	e := s.engines[next.ID]
	if e != nil {
		e.setRecord(next)
	}
	switch {
	case startJob != "":
		s.startReembedLocked(next.ID, startJob)
	case st.Status == "idle":
		s.cancelReembed(next.ID)
		if e != nil {
			select {
			case <-e.opened:
				if e.openErr == nil {
					e.setActiveEmbedder(target, false)
				}
			default:
			}
		}
	}
	return nil
}

// cancelReembed stops the namespace's running job (its state row already
// names no job, so it cannot commit again).
func (s *Store) cancelReembed(id nsID) {
	reembedJobs.Lock()
	defer reembedJobs.Unlock()
	if j := reembedJobs.m[s][id]; j != nil {
		j.cancel()
	}
}

// ReembedStatus returns the namespace's re-embedding progress.
func (s *Store) ReembedStatus(ctx context.Context, org, name string) (ReembedStatus, error) {
	s.mu.Lock()
	rec, err := s.lookupLocked(org, name)
	s.mu.Unlock()
	if err != nil {
		return ReembedStatus{}, err
	}
	st, err := s.readReembedState(ctx, rec.ID)
	if err != nil {
		return ReembedStatus{}, err
	}
	out := ReembedStatus{Status: st.Status, Done: st.Done, Total: st.Total, Error: st.Error}
	if active, err := s.buildEmbedder(st.Active); err == nil {
		out.Embedder = active.ID()
	}
	if st.Status == "swapping" {
		out.Status = "running"
	}
	if out.Status != "idle" {
		if t, err := s.buildEmbedder(st.Target); err == nil {
			out.TargetEmbedder = t.ID()
		}
	}
	if st.StartedAt != 0 {
		at := st.StartedAt
		out.StartedAt = &at
	}
	return out, nil
}

// engineByID returns the open engine of namespace id, opening it.
func (s *Store) engineByID(ctx context.Context, id nsID) (*Engine, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	rec := s.byID[id]
	if rec == nil {
		s.mu.Unlock()
		return nil, ErrNamespaceNotFound
	}
	return s.engineLocked(ctx, rec)
}

// commitReembed runs fn in a transaction that first checks the state row
// still names job jobID, then writes the state fn left.
func (s *Store) commitReembed(ctx context.Context, id nsID, jobID string, fn func(tx storage.Txn, st *reembedState) error) (reembedState, error) {
	var st reembedState
	err := s.db.Update(ctx, func(tx storage.Txn) error {
		var err error
		if st, err = s.getReembedState(tx, id); err != nil {
			return err
		}
		if st.JobID != jobID || st.Status != "running" {
			return errReembedSuperseded
		}
		if err := fn(tx, &st); err != nil {
			return err
		}
		return s.putReembedState(tx, id, &st)
	})
	if errors.Is(err, errReembedSuperseded) {
		return st, err
	}
	return st, storageErr(err)
}

// lastSeq returns the namespace's last change sequence; called with
// writeMu held, every change up to it is applied to e.mems.
func (e *Engine) lastSeq(ctx context.Context) (uint64, error) {
	var seq uint64
	err := e.s.db.View(ctx, func(tx storage.Txn) error {
		var err error
		seq, err = tx.LastSeq(e.id[:])
		return err
	})
	return seq, storageErr(err)
}

func (e *Engine) currentSealer() *seal.Sealer {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.sealer
}

// runReembed drives job jobID to its swap.
func (s *Store) runReembed(ctx context.Context, id nsID, jobID string) error {
	var keys []uint64
	var keysOf *Engine
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := s.engineByID(ctx, id)
		if err != nil {
			return err
		}
		st, err := s.readReembedState(ctx, id)
		if err != nil {
			return err
		}
		if st.JobID != jobID || st.Status != "running" {
			return errReembedSuperseded
		}
		target, err := s.buildEmbedder(st.Target)
		if err != nil {
			return err
		}
		switch st.Phase {
		case 0:
			if err := s.deleteRows(ctx, rowPrefix(id, kindShadowVector)); err != nil {
				return err
			}
			if err := s.deleteRows(ctx, rowPrefix(id, kindShadowDocVector)); err != nil {
				return err
			}
			docs, err := s.countDocs(ctx, id)
			if err != nil {
				return err
			}
			e.writeMu.Lock()
			seq, err := e.lastSeq(ctx)
			e.mu.RLock()
			total := len(e.mems)
			e.mu.RUnlock()
			e.writeMu.Unlock()
			if err != nil {
				return err
			}
			_, err = s.commitReembed(ctx, id, jobID, func(_ storage.Txn, st *reembedState) error {
				st.Phase, st.ChangeSeq, st.Total, st.Done, st.Cursor, st.DocCursor = 1, seq, int64(total)+docs, 0, 0, 0
				return nil
			})
			if err != nil {
				return err
			}
		case 1:
			if keysOf != e {
				keys, keysOf = e.sortedKeys(), e
			}
			i, found := slices.BinarySearch(keys, st.Cursor)
			if found {
				i++
			}
			if i >= len(keys) {
				if _, err := s.commitReembed(ctx, id, jobID, func(_ storage.Txn, st *reembedState) error {
					st.Phase = 3
					return nil
				}); err != nil {
					return err
				}
				continue
			}
			batch := keys[i:min(i+reembedBatch, len(keys))]
			last := batch[len(batch)-1]
			st, err = s.reembedKeys(ctx, e, jobID, target, batch, func(st *reembedState) {
				st.Cursor = last
				st.Done += int64(len(batch))
				st.Total = max(st.Total, st.Done)
			})
			if err != nil {
				return err
			}
			if reembedBatchHook != nil {
				if err := reembedBatchHook(st.Done); err != nil {
					return err
				}
			}
		case 3:
			keys, err := s.nextDocKeys(ctx, id, st.DocCursor, reembedBatch)
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				if _, err := s.commitReembed(ctx, id, jobID, func(_ storage.Txn, st *reembedState) error {
					st.Phase = 2
					return nil
				}); err != nil {
					return err
				}
				continue
			}
			last := keys[len(keys)-1]
			if _, err := s.reembedDocKeys(ctx, e, jobID, target, keys, func(st *reembedState) {
				st.DocCursor = last
				st.Done += int64(len(keys))
				st.Total = max(st.Total, st.Done)
			}); err != nil {
				return err
			}
		case 2:
			done, err := s.reembedCatchUp(ctx, e, jobID, target, st)
			if err != nil || done {
				return err
			}
		}
	}
}

func (e *Engine) sortedKeys() []uint64 {
	e.mu.RLock()
	keys := make([]uint64, 0, len(e.mems))
	for k := range e.mems {
		keys = append(keys, k)
	}
	e.mu.RUnlock()
	slices.Sort(keys)
	return keys
}

// reembedKeys embeds the current content of keys with target and commits
// their shadow rows (deleting those of keys no longer present) with the
// state update of after.
func (s *Store) reembedKeys(ctx context.Context, e *Engine, jobID string, target recall.Embedder, keys []uint64, after func(*reembedState)) (reembedState, error) {
	type item struct {
		key uint64
		tag string
		vec []float32
	}
	var items []item
	var gone []uint64
	var texts []string
	var textAt []int
	e.mu.RLock()
	for _, k := range keys {
		r := e.mems[k]
		switch {
		case r == nil:
			gone = append(gone, k)
		case r.EmbedderID == "client":
			items = append(items, item{key: k, tag: "client"})
		default:
			textAt = append(textAt, len(items))
			texts = append(texts, r.Content)
			items = append(items, item{key: k, tag: target.ID()})
		}
	}
	dim := e.rec.Dimension
	e.mu.RUnlock()
	for i := range items {
		if items[i].tag == "client" {
			v, ok := e.vec.Get(items[i].key)
			if !ok {
				gone = append(gone, items[i].key)
			}
			items[i].vec = v
		}
	}
	if len(texts) > 0 {
		vecs, err := embedWith(ctx, target, dim, texts)
		if err != nil {
			return reembedState{}, err
		}
		for j, i := range textAt {
			items[i].vec = vecs[j]
		}
	}
	sealer := e.currentSealer()
	if sealer == nil {
		return reembedState{}, fmt.Errorf("%w: namespace closed", ErrUnavailable)
	}
	return s.commitReembed(ctx, e.id, jobID, func(tx storage.Txn, st *reembedState) error {
		for _, it := range items {
			if it.vec == nil {
				continue
			}
			k := rowKey(e.id, kindShadowVector, it.key)
			if err := tx.Set(k, sealer.Seal(k, encodeVector(it.tag, it.vec))); err != nil {
				return err
			}
		}
		for _, k := range gone {
			if err := tx.Delete(rowKey(e.id, kindShadowVector, k)); err != nil {
				return err
			}
		}
		after(st)
		return nil
	})
}

// reembedCatchUp re-embeds the memories changed since the state's
// checkpoint; when none changed, it swaps (done = true).
func (s *Store) reembedCatchUp(ctx context.Context, e *Engine, jobID string, target recall.Embedder, st reembedState) (bool, error) {
	e.writeMu.Lock()
	locked := true
	defer func() {
		if locked {
			e.writeMu.Unlock()
		}
	}()
	upto, err := e.lastSeq(ctx)
	if err != nil {
		return false, err
	}
	// Few changes left: catch them up with writeMu held (writes wait for
	// one provider call) and swap, so a steady stream of writes cannot
	// hold the swap off. Otherwise a round runs while writes go on.
	final := upto-st.ChangeSeq <= uint64(reembedBatch)
	if !final {
		e.writeMu.Unlock()
		locked = false
	}
	seen, seenDoc := map[uint64]bool{}, map[uint64]bool{}
	var keys, docKeys []uint64
	err = e.s.db.ChangesSince(ctx, e.id[:], st.ChangeSeq, 0, func(seq uint64, b []byte) error {
		if seq > upto {
			return storage.ErrStop
		}
		var c change
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("decode change %d: %w", seq, err)
		}
		switch {
		case isDocChange(c.Op) && !seenDoc[c.Key]:
			seenDoc[c.Key] = true
			docKeys = append(docKeys, c.Key)
		case !isDocChange(c.Op) && !seen[c.Key]:
			seen[c.Key] = true
			keys = append(keys, c.Key)
		}
		return nil
	})
	if err != nil {
		return false, storageErr(err)
	}
	for start := 0; start < len(docKeys); start += reembedBatch {
		end := min(start+reembedBatch, len(docKeys))
		if _, err := s.reembedDocKeys(ctx, e, jobID, target, docKeys[start:end], func(*reembedState) {}); err != nil {
			return false, err
		}
	}
	for start := 0; start < len(keys) || start == 0; start += reembedBatch {
		end := min(start+reembedBatch, len(keys))
		last := end >= len(keys)
		if _, err := s.reembedKeys(ctx, e, jobID, target, keys[start:end], func(st *reembedState) {
			if last {
				st.ChangeSeq = upto
			}
		}); err != nil {
			return false, err
		}
		if last {
			break
		}
	}
	if !final {
		return false, nil
	}
	err = s.swapLocked(ctx, e, jobID, target)
	return err == nil, err
}

// swapLocked makes the shadow vectors live; e.writeMu is held and no
// change is pending.
func (s *Store) swapLocked(ctx context.Context, e *Engine, jobID string, target recall.Embedder) error {
	sealer := e.currentSealer()
	if sealer == nil {
		return fmt.Errorf("%w: namespace closed", ErrUnavailable)
	}
	shadow := map[uint64][]float32{}
	err := s.db.View(ctx, func(tx storage.Txn) error {
		return tx.Scan(rowPrefix(e.id, kindShadowVector), nil, false, func(k, v []byte) error {
			pt, err := sealer.Open(k, v)
			if err != nil {
				return fmt.Errorf("open shadow vector: %w", err)
			}
			_, vals, err := decodeVector(pt)
			if err != nil {
				return err
			}
			shadow[binary.BigEndian.Uint64(k[len(k)-8:])] = vals
			return nil
		})
	})
	if err != nil {
		return storageErr(err)
	}
	var ids []uint64
	var vals [][]float32
	var orphans []uint64 // live vectors without a shadow: dropped, never mixed
	var stale []uint64   // shadows of deleted memories
	e.mu.RLock()
	for k := range e.mems {
		if v, ok := shadow[k]; ok {
			ids, vals = append(ids, k), append(vals, v)
		} else {
			orphans = append(orphans, k)
		}
	}
	for k := range shadow {
		if e.mems[k] == nil {
			stale = append(stale, k)
		}
	}
	e.mu.RUnlock()
	if _, err := s.commitReembed(ctx, e.id, jobID, func(tx storage.Txn, st *reembedState) error {
		st.Status, st.Active, st.Done = "swapping", st.Target.clone(), st.Total
		for _, k := range orphans {
			if err := tx.Delete(rowKey(e.id, kindVector, k)); err != nil {
				return err
			}
		}
		for _, k := range stale {
			if err := tx.Delete(rowKey(e.id, kindShadowVector, k)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if reembedSwapHook != nil {
		if err := reembedSwapHook(); err != nil {
			return err
		}
	}
	if err := e.vec.UpsertBatch(ids, vals); err != nil {
		s.log.Error("vector index swap", "ns", e.rec.PublicID, "err", err)
	}
	for _, k := range orphans {
		e.vec.Delete(k)
	}
	if err := s.swapDocsLocked(ctx, e, sealer); err != nil {
		s.log.Error("document vector swap", "ns", e.rec.PublicID, "err", err)
	}
	e.setActiveEmbedder(target, true)
	return s.finishSwap(ctx, e.id, sealer)
}

// finishSwap copies the shadow rows over the live rows, deletes them and
// marks the state idle. Idempotent: a crash resumes it (load).
func (s *Store) finishSwap(ctx context.Context, id nsID, sealer *seal.Sealer) error {
	for {
		n := 0
		err := s.db.Update(ctx, func(tx storage.Txn) error {
			type row struct{ k, v []byte }
			var rows []row
			err := tx.Scan(rowPrefix(id, kindShadowVector), nil, false, func(k, v []byte) error {
				if len(rows) >= 256 {
					return storage.ErrStop
				}
				pt, err := sealer.Open(k, v)
				if err != nil {
					return fmt.Errorf("open shadow vector: %w", err)
				}
				rows = append(rows, row{append([]byte(nil), k...), pt})
				return nil
			})
			if err != nil && !errors.Is(err, storage.ErrStop) {
				return err
			}
			for _, r := range rows {
				live := rowKey(id, kindVector, binary.BigEndian.Uint64(r.k[len(r.k)-8:]))
				if err := tx.Set(live, sealer.Seal(live, r.v)); err != nil {
					return err
				}
				if err := tx.Delete(r.k); err != nil {
					return err
				}
			}
			n = len(rows)
			if n > 0 {
				return nil
			}
			if n, err = finishDocSwapStep(tx, id, sealer); err != nil || n > 0 {
				return err
			}
			st, err := s.getReembedState(tx, id)
			if err != nil {
				return err
			}
			if st.Status == "swapping" {
				st = reembedState{Status: "idle", Active: st.Active, Done: st.Done, Total: st.Total, StartedAt: st.StartedAt}
				return s.putReembedState(tx, id, &st)
			}
			return nil
		})
		if err != nil {
			return storageErr(err)
		}
		if n == 0 {
			return nil
		}
	}
}
