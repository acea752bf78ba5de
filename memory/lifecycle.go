package memory

import (
	"context"
	"errors"

	"github.com/engramhq/engram/memory/storage"
)

// LocateMemory finds the namespace that holds a memory id. It returns the
// namespace's organization and name, or ErrNotFound.
func (s *Store) LocateMemory(ctx context.Context, id string) (org, name string, err error) {
	return s.locate(ctx, s.memIndexKey(id), ErrNotFound)
}

// LocateSession finds the namespace that holds a session id.
func (s *Store) LocateSession(ctx context.Context, id string) (org, name string, err error) {
	return s.locate(ctx, s.sessIndexKey(id), ErrSessionNotFound)
}

func (s *Store) locate(ctx context.Context, key []byte, notFound error) (string, string, error) {
	var v []byte
	err := s.db.View(ctx, func(tx storage.Txn) error {
		var err error
		v, err = tx.Get(key)
		return err
	})
	if errors.Is(err, storage.ErrNotFound) || (err == nil && len(v) < 8) {
		return "", "", notFound
	}
	if err != nil {
		return "", "", storageErr(err)
	}
	var id nsID
	copy(id[:], v[:8])
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.byID[id]
	if rec == nil {
		return "", "", notFound
	}
	return rec.OrgID, rec.Name, nil
}

// Sweep runs one pass of the lifecycle over the open namespaces: memories
// past expires_at, or below the policy's min_importance, are forgotten; idle
// sessions are ended. Work per namespace is bounded to 1,000 deletions.
func (s *Store) Sweep(ctx context.Context) (expired int) {
	now := s.now().Unix()
	for _, e := range s.openEngines() {
		if e.waitOpen(ctx) != nil {
			continue
		}
		p := e.policy()
		e.mu.RLock()
		var victims []*record
		for _, r := range e.mems {
			if len(victims) >= 1000 {
				break
			}
			if (r.ExpiresAt != nil && *r.ExpiresAt <= now) || (p.MinImportance > 0 && r.Importance < p.MinImportance) {
				victims = append(victims, r)
			}
		}
		e.mu.RUnlock()
		if len(victims) > 0 {
			e.writeMu.Lock()
			err := e.deleteLocked(ctx, victims)
			e.writeMu.Unlock()
			if err != nil {
				s.log.Warn("sweep expired memories", "ns", e.rec.PublicID, "err", err)
				sweepErrors.Add(1)
				continue
			}
			expired += len(victims)
			sweepRemoved.Add(uint64(len(victims)))
		}
		e.endIdleSessions(ctx)
	}
	s.closeIdle(ctx)
	sweepPasses.Add(1)
	return expired
}
