package memory

import (
	"context"
	"errors"
	"fmt"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
)

// deleteRows deletes every row under prefix in bounded transactions.
func (s *Store) deleteRows(ctx context.Context, prefix []byte) error {
	for {
		var keys [][]byte
		err := s.db.Update(ctx, func(tx storage.Txn) error {
			keys = keys[:0]
			err := tx.Scan(prefix, nil, false, func(k, _ []byte) error {
				if len(keys) >= 1000 {
					return storage.ErrStop
				}
				keys = append(keys, append([]byte(nil), k...))
				return nil
			})
			if err != nil && !errors.Is(err, storage.ErrStop) {
				return err
			}
			for _, k := range keys {
				if err := tx.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return storageErr(err)
		}
		if len(keys) == 0 {
			return nil
		}
	}
}

// loadEmbedder reads the namespace's re-embed state at open: finishes an
// interrupted swap and installs the active embedder. It reports whether a
// job should resume.
func (e *Engine) loadEmbedder(ctx context.Context, sealer *seal.Sealer) (resume string, err error) {
	st, err := e.s.readReembedState(ctx, e.id)
	if err != nil {
		return "", err
	}
	if st.Status == "swapping" {
		if err := e.s.finishSwap(ctx, e.id, sealer); err != nil {
			return "", err
		}
	}
	active, err := e.s.buildEmbedder(st.Active)
	if err != nil {
		return "", fmt.Errorf("namespace embedder: %w", err)
	}
	e.setActiveEmbedder(active, false)
	if st.Status == "running" {
		return st.JobID, nil
	}
	return "", nil
}

// resumeReembed restarts a job left running by a previous process.
func (e *Engine) resumeReembed(jobID string) {
	if jobID == "" || e.s.reembedRunning(e.id) {
		return
	}
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	if !e.s.reembedRunning(e.id) {
		e.s.startReembedLocked(e.id, jobID)
	}
}
