package memory

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/engramhq/engram/memory/storage"
)

// DefaultIdleTimeout ends a session after this many seconds without activity.
const DefaultIdleTimeout = 1800

// StartSession starts a session for agentID.
func (e *Engine) StartSession(ctx context.Context, agentID string, metadata json.RawMessage, idleTimeout int64) (*Session, error) {
	if err := ValidateAgentID(agentID); err != nil {
		return nil, err
	}
	if len(metadata) > 0 && string(metadata) != "null" {
		if len(metadata) > maxMetadata || !isJSONObject(metadata) {
			return nil, invalid("metadata", "must be a JSON object of at most %d bytes", maxMetadata)
		}
	} else {
		metadata = nil
	}
	if idleTimeout < 0 || idleTimeout > 30*86400 {
		return nil, invalid("idle_timeout_secs", "must be between 1 and 2592000")
	}
	if idleTimeout == 0 {
		idleTimeout = DefaultIdleTimeout
	}
	now := e.s.now().Unix()
	sr := &sessionRecord{Key: randomUint64(), Session: Session{
		ID: newPublicID("sess_"), AgentID: agentID, Namespace: e.Name(), StartedAt: now,
		Metadata: metadata, LastActivityAt: now, IdleTimeoutSecs: idleTimeout,
	}}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	err := e.s.db.Update(ctx, func(tx storage.Txn) error {
		if err := e.putSessionTx(tx, sr); err != nil {
			return err
		}
		return tx.Set(e.s.sessIndexKey(sr.ID), append(append([]byte{}, e.id[:]...), u64(sr.Key)...))
	})
	if err != nil {
		return nil, storageErr(err)
	}
	e.mu.Lock()
	e.sessions[sr.ID] = sr
	e.mu.Unlock()
	s := sr.Session
	return &s, nil
}

func (e *Engine) putSessionTx(tx storage.Txn, sr *sessionRecord) error {
	k := rowKey(e.id, kindSession, sr.Key)
	b, err := sealJSON(e.sealer, k, sr)
	if err != nil {
		return err
	}
	return tx.Set(k, b)
}

// touchSessionsTx counts new memories into their sessions and refreshes
// their activity; unknown session ids are ignored (agents may pass their own
// conversation ids). Called inside a write transaction with writeMu held.
func (e *Engine) touchSessionsTx(tx storage.Txn, counts map[string]int) error {
	now := e.s.now().Unix()
	for id, n := range counts {
		e.mu.RLock()
		sr := e.sessions[id]
		e.mu.RUnlock()
		if sr == nil || !sr.Active() {
			continue
		}
		c := *sr
		c.MemoryCount += n
		c.LastActivityAt = now
		if err := e.putSessionTx(tx, &c); err != nil {
			return err
		}
		e.mu.Lock()
		e.sessions[id] = &c
		e.mu.Unlock()
	}
	return nil
}

// EndSession ends a session (idempotent) and returns it.
func (e *Engine) EndSession(ctx context.Context, id, summary, reason string) (*Session, error) {
	if len(summary) > e.s.opts.MaxContentBytes {
		return nil, invalid("summary", "must be at most %d bytes", e.s.opts.MaxContentBytes)
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	e.mu.RLock()
	sr := e.sessions[id]
	e.mu.RUnlock()
	if sr == nil {
		return nil, ErrSessionNotFound
	}
	if !sr.Active() {
		s := sr.Session
		return &s, nil
	}
	c := *sr
	now := e.s.now().Unix()
	c.EndedAt, c.EndedReason, c.LastActivityAt = &now, reason, now
	if summary != "" {
		c.Summary = summary
	}
	if err := e.s.db.Update(ctx, func(tx storage.Txn) error { return e.putSessionTx(tx, &c) }); err != nil {
		return nil, storageErr(err)
	}
	e.mu.Lock()
	e.sessions[id] = &c
	e.mu.Unlock()
	s := c.Session
	return &s, nil
}

// Session returns a session, ending it first if it has been idle too long.
func (e *Engine) Session(ctx context.Context, id string) (*Session, error) {
	e.mu.RLock()
	sr := e.sessions[id]
	e.mu.RUnlock()
	if sr == nil {
		return nil, ErrSessionNotFound
	}
	if sr.Active() && e.s.now().Unix()-sr.LastActivityAt > sr.IdleTimeoutSecs {
		return e.EndSession(ctx, id, "", "idle")
	}
	s := sr.Session
	return &s, nil
}

// Sessions lists sessions, newest first, optionally of one agent or only
// active ones, with the total before paging.
func (e *Engine) Sessions(ctx context.Context, agentID string, activeOnly bool, limit, offset int) ([]*Session, int) {
	e.endIdleSessions(ctx)
	e.mu.RLock()
	var out []*Session
	for _, sr := range e.sessions {
		if agentID != "" && sr.AgentID != agentID {
			continue
		}
		if activeOnly && !sr.Active() {
			continue
		}
		s := sr.Session
		out = append(out, &s)
	}
	e.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].StartedAt != out[j].StartedAt {
			return out[i].StartedAt > out[j].StartedAt
		}
		return out[i].ID > out[j].ID
	})
	total := len(out)
	return page(out, limit, offset), total
}

func (e *Engine) endIdleSessions(ctx context.Context) {
	now := e.s.now().Unix()
	var idle []string
	e.mu.RLock()
	for id, sr := range e.sessions {
		if sr.Active() && now-sr.LastActivityAt > sr.IdleTimeoutSecs {
			idle = append(idle, id)
		}
	}
	e.mu.RUnlock()
	for _, id := range idle {
		if _, err := e.EndSession(ctx, id, "", "idle"); err != nil {
			e.s.log.Warn("end idle session", "ns", e.rec.PublicID, "err", err)
		}
	}
}

func page[T any](xs []T, limit, offset int) []T {
	if offset > len(xs) {
		offset = len(xs)
	}
	xs = xs[offset:]
	if limit > 0 && len(xs) > limit {
		xs = xs[:limit]
	}
	if xs == nil {
		xs = []T{}
	}
	return xs
}

// Agents lists the agents that have memories or sessions in the namespace.
func (e *Engine) Agents(ctx context.Context) []AgentSummary {
	e.endIdleSessions(ctx)
	e.mu.RLock()
	defer e.mu.RUnlock()
	by := map[string]*AgentSummary{}
	get := func(id string) *AgentSummary {
		a := by[id]
		if a == nil {
			a = &AgentSummary{AgentID: id}
			by[id] = a
		}
		return a
	}
	for _, r := range e.mems {
		get(r.AgentID).MemoryCount++
	}
	for _, sr := range e.sessions {
		a := get(sr.AgentID)
		a.SessionCount++
		if sr.Active() {
			a.ActiveSessions++
		}
	}
	out := make([]AgentSummary, 0, len(by))
	for _, a := range by {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AgentID < out[j].AgentID })
	return out
}

// AgentStats summarizes one agent's memories and sessions.
func (e *Engine) AgentStats(ctx context.Context, agentID string) AgentStats {
	e.endIdleSessions(ctx)
	e.mu.RLock()
	defer e.mu.RUnlock()
	st := AgentStats{AgentID: agentID, MemoriesByType: map[string]int{}}
	var sum float64
	for _, r := range e.mems {
		if r.AgentID != agentID {
			continue
		}
		st.TotalMemories++
		st.MemoriesByType[r.Type]++
		sum += r.Importance
		if st.OldestMemoryAt == nil || r.CreatedAt < *st.OldestMemoryAt {
			v := r.CreatedAt
			st.OldestMemoryAt = &v
		}
		if st.NewestMemoryAt == nil || r.CreatedAt > *st.NewestMemoryAt {
			v := r.CreatedAt
			st.NewestMemoryAt = &v
		}
	}
	if st.TotalMemories > 0 {
		st.AvgImportance = sum / float64(st.TotalMemories)
	}
	for _, sr := range e.sessions {
		if sr.AgentID == agentID {
			st.TotalSessions++
			if sr.Active() {
				st.ActiveSessions++
			}
		}
	}
	return st
}
