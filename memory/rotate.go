package memory

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
)

// Key rotation of one namespace (RotateNamespaceKey): a new data key
// version N+1 is added to the namespace record, new writes seal under it at
// once, and a background goroutine re-seals the namespace's existing rows in
// bounded batches while the namespace keeps serving (the Sealer opens every
// known version). Each batch commits its re-sealed rows together with the
// progress cursor in the system row R|nsID, so a crash resumes where the
// last batch ended (Open restarts every unfinished rotation). Hash and
// SubKey derive from the version-1 key by design, so index keys and the
// text index key do not change.

// rotateBatch bounds the rows re-sealed, and rotateScan the rows visited,
// in one transaction (variables for tests).
var (
	rotateBatch = 256
	rotateScan  = 2048
)

// KeyRotation is the progress of a namespace's data-key rotation.
type KeyRotation struct {
	Namespace  string `json:"namespace"`
	KeyVersion uint32 `json:"key_version"`
	// Status is "running" or "done".
	Status string `json:"status"`
	// Resealed counts rows re-sealed under KeyVersion so far.
	Resealed int64 `json:"resealed"`
}

// rotationState is the persisted progress row.
type rotationState struct {
	Version  uint32 `json:"version"`
	Cursor   []byte `json:"cursor,omitempty"`
	Resealed int64  `json:"resealed"`
}

// rotations tracks rotations of this process, by namespace.
type rotations struct {
	mu sync.Mutex
	m  map[nsID]*KeyRotation
}

func (r *rotations) get(id nsID) (KeyRotation, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kr, ok := r.m[id]
	if !ok {
		return KeyRotation{}, false
	}
	return *kr, true
}

func (r *rotations) set(id nsID, kr KeyRotation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[nsID]*KeyRotation{}
	}
	r.m[id] = &kr
}

// rotateBatchHook, when set (tests only), runs after each committed batch;
// an error stops the rotation there, as a crash would.
var rotateBatchHook func(resealed int64) error

func rotationKey(id nsID) []byte { return sysKey('R', id[:]) }

// RotateNamespaceKey starts a rotation of org's namespace name to a new data
// key version and returns at once; the namespace's rows are re-sealed in
// the background (RotationStatus reports progress). While one runs, another
// call returns its progress instead of adding a version.
func (s *Store) RotateNamespaceKey(ctx context.Context, org, name string) (KeyRotation, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return KeyRotation{}, ErrClosed
	}
	rec, err := s.lookupLocked(org, name)
	if err != nil {
		s.mu.Unlock()
		return KeyRotation{}, err
	}
	if st, ok := s.rot.get(rec.ID); ok && st.Status == "running" {
		s.mu.Unlock()
		return st, nil
	}
	deks, err := s.unwrapAll(rec)
	if err != nil {
		s.mu.Unlock()
		return KeyRotation{}, err
	}
	version := uint32(0)
	for _, d := range deks {
		version = max(version, d.Version())
	}
	version++
	dek, err := seal.NewDEK(version)
	if err != nil {
		s.mu.Unlock()
		return KeyRotation{}, err
	}
	wrapped, err := s.master.Wrap(rec.ID[:], dek)
	if err != nil {
		s.mu.Unlock()
		return KeyRotation{}, err
	}
	next := *rec
	next.WrappedKeys = append(append([][]byte(nil), rec.WrappedKeys...), wrapped)
	b, err := json.Marshal(&next)
	if err != nil {
		s.mu.Unlock()
		return KeyRotation{}, err
	}
	st, _ := json.Marshal(rotationState{Version: version})
	key, rkey := sysKey('N', rec.ID[:]), rotationKey(rec.ID)
	err = s.db.Update(ctx, func(tx storage.Txn) error {
		if err := tx.Set(key, s.sys.Seal(key, b)); err != nil {
			return err
		}
		return tx.Set(rkey, s.sys.Seal(rkey, st))
	})
	if err != nil {
		s.mu.Unlock()
		return KeyRotation{}, storageErr(err)
	}
	s.register(&next)
	e := s.engines[rec.ID]
	if e != nil {
		e.setRecord(&next)
	}
	status := KeyRotation{Namespace: rec.Name, KeyVersion: version, Status: "running"}
	s.rot.set(rec.ID, status)
	s.mu.Unlock()

	if e != nil && e.waitOpen(ctx) == nil {
		sealer, err := seal.NewSealer(rec.ID[:], append(deks, dek))
		if err != nil {
			return KeyRotation{}, err
		}
		// writeMu: no write is sealing under the old version once the
		// swap is done, so the re-seal pass that starts after it sees
		// every row written before.
		e.writeMu.Lock()
		e.mu.Lock()
		if e.sealer != nil {
			e.sealer = sealer
		}
		e.mu.Unlock()
		e.writeMu.Unlock()
	}
	s.startRotation(rec.ID)
	return status, nil
}

// RotationStatus returns the progress of the namespace's latest rotation
// in this process, or ErrNotFound if none ran since Open.
func (s *Store) RotationStatus(org, name string) (KeyRotation, error) {
	s.mu.Lock()
	rec, err := s.lookupLocked(org, name)
	s.mu.Unlock()
	if err != nil {
		return KeyRotation{}, err
	}
	st, ok := s.rot.get(rec.ID)
	if !ok {
		return KeyRotation{}, ErrNotFound
	}
	return st, nil
}

func (s *Store) unwrapAll(rec *nsRecord) ([]seal.DEK, error) {
	deks := make([]seal.DEK, 0, len(rec.WrappedKeys))
	for _, w := range rec.WrappedKeys {
		d, err := s.master.Unwrap(rec.ID[:], w)
		if err != nil {
			return nil, fmt.Errorf("unwrap namespace key: %w", err)
		}
		deks = append(deks, d)
	}
	return deks, nil
}

// resumeRotations restarts the rotations a previous process left
// unfinished. Called by Open.
func (s *Store) resumeRotations() {
	var ids []nsID
	_ = s.db.View(s.ctx, func(tx storage.Txn) error {
		return tx.Scan(sysKey('R'), nil, false, func(k, _ []byte) error {
			var id nsID
			copy(id[:], k[2:])
			ids = append(ids, id)
			return nil
		})
	})
	for _, id := range ids {
		s.mu.Lock()
		rec := s.byID[id]
		s.mu.Unlock()
		name := ""
		if rec != nil {
			name = rec.Name
		}
		s.rot.set(id, KeyRotation{Namespace: name, Status: "running"})
		s.startRotation(id)
	}
}

func (s *Store) startRotation(id nsID) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.runRotation(s.ctx, id); err != nil && s.ctx.Err() == nil {
			s.log.Warn("namespace key rotation stopped; it resumes at the next start", "op", "rotate-key", "err", err)
		}
	}()
}

// runRotation re-seals the namespace's rows batch by batch until none is
// left under an older version, then deletes the progress row.
func (s *Store) runRotation(ctx context.Context, id nsID) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.Lock()
		rec := s.byID[id]
		s.mu.Unlock()
		if rec == nil { // namespace deleted meanwhile
			err := s.db.Update(ctx, func(tx storage.Txn) error { return tx.Delete(rotationKey(id)) })
			return storageErr(err)
		}
		deks, err := s.unwrapAll(rec)
		if err != nil {
			return err
		}
		sealer, err := seal.NewSealer(id[:], deks)
		if err != nil {
			return err
		}
		var st rotationState
		var finished bool
		err = s.db.Update(ctx, func(tx storage.Txn) error {
			var err error
			st, finished, err = s.rotateStep(tx, id, sealer)
			return err
		})
		if err != nil {
			return storageErr(err)
		}
		s.rot.set(id, KeyRotation{Namespace: rec.Name, KeyVersion: st.Version, Status: statusOf(finished), Resealed: st.Resealed})
		if finished {
			return nil
		}
		if rotateBatchHook != nil {
			if err := rotateBatchHook(st.Resealed); err != nil {
				return err
			}
		}
	}
}

func statusOf(finished bool) string {
	if finished {
		return "done"
	}
	return "running"
}

// rotateStep re-seals one batch in tx and records the cursor; finished
// reports that the namespace's keyspace was scanned to its end.
func (s *Store) rotateStep(tx storage.Txn, id nsID, sealer *seal.Sealer) (rotationState, bool, error) {
	var st rotationState
	rkey := rotationKey(id)
	v, err := tx.Get(rkey)
	if err != nil {
		return st, false, err
	}
	pt, err := s.sys.Open(rkey, v)
	if err != nil {
		return st, false, fmt.Errorf("memory: open rotation state: %w", err)
	}
	if err := json.Unmarshal(pt, &st); err != nil {
		return st, false, fmt.Errorf("memory: decode rotation state: %w", err)
	}
	var start []byte
	if st.Cursor != nil {
		start = append(bytes.Clone(st.Cursor), 0)
	}
	type row struct{ k, v []byte }
	var rows []row
	visited := 0
	finished := true
	err = tx.Scan(id[:], start, false, func(k, v []byte) error {
		if visited >= rotateScan || len(rows) >= rotateBatch {
			finished = false
			return storage.ErrStop
		}
		visited++
		st.Cursor = bytes.Clone(k)
		if len(v) < seal.Overhead || binary.BigEndian.Uint32(v) >= st.Version {
			return nil
		}
		plain, err := sealer.Open(k, v)
		if err != nil {
			return nil // not a sealed value of this namespace (change log, index rows)
		}
		rows = append(rows, row{st.Cursor, sealer.Seal(k, plain)})
		clear(plain)
		return nil
	})
	if err != nil && !errors.Is(err, storage.ErrStop) {
		return st, false, err
	}
	for _, r := range rows {
		if err := tx.Set(r.k, r.v); err != nil {
			return st, false, err
		}
	}
	st.Resealed += int64(len(rows))
	if finished {
		return st, true, tx.Delete(rkey)
	}
	b, _ := json.Marshal(st)
	return st, false, tx.Set(rkey, s.sys.Seal(rkey, b))
}

// rotationPoll is how often WaitRotation checks progress.
const rotationPoll = 10 * time.Millisecond

// WaitRotation blocks until the namespace's running rotation is done or
// ctx ends (for tools and tests).
func (s *Store) WaitRotation(ctx context.Context, org, name string) (KeyRotation, error) {
	t := time.NewTicker(rotationPoll)
	defer t.Stop()
	for {
		st, err := s.RotationStatus(org, name)
		if err != nil || st.Status == "done" {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-t.C:
		}
	}
}
