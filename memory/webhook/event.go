package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

// Event is something that happened in a namespace, as the caller reports
// it. Contents (memory id -> content) is sent only to subscriptions that
// asked for include_content.
type Event struct {
	Type         string
	Organization string
	Namespace    string
	MemoryIDs    []string
	Count        int
	Contents     map[string]string
}

// payload is the JSON body of a delivery.
type payload struct {
	ID        string      `json:"id"`
	Type      string      `json:"type"`
	Namespace string      `json:"namespace"`
	CreatedAt int64       `json:"created_at"`
	Data      payloadData `json:"data"`
}

type payloadData struct {
	MemoryIDs []string        `json:"memory_ids,omitempty"`
	Count     *int            `json:"count,omitempty"`
	Memories  []memoryContent `json:"memories,omitempty"`
	Chunk     int             `json:"chunk,omitempty"`
	Chunks    int             `json:"chunks,omitempty"`
}

type memoryContent struct {
	ID      string `json:"id"`
	Content string `json:"content"`
}

// chunk is one payload's share of an event: its id and memory ids.
type chunk struct {
	id  rawID
	ids []string
}

// chunks splits the event's ids into payloads of at most max ids.
func (ev *Event) chunks(now time.Time, max int) []chunk {
	if len(ev.MemoryIDs) <= max {
		return []chunk{{id: newID(now), ids: ev.MemoryIDs}}
	}
	var out []chunk
	for part := range slices.Chunk(ev.MemoryIDs, max) {
		out = append(out, chunk{id: newID(now), ids: part})
	}
	return out
}

func (ev *Event) body(c chunk, i, n int, now time.Time, content bool) ([]byte, error) {
	p := payload{ID: c.id.public(evtPrefix), Type: ev.Type, Namespace: ev.Namespace, CreatedAt: now.Unix()}
	p.Data.MemoryIDs = c.ids
	switch ev.Type {
	case MemoryStored, MemoryUpdated:
		cnt := len(c.ids)
		if cnt == 0 {
			cnt = ev.Count
		}
		p.Data.Count = &cnt
	case MemoryForgotten, ImportCompleted:
		cnt := ev.Count
		p.Data.Count = &cnt
	}
	if n > 1 {
		p.Data.Chunk, p.Data.Chunks = i+1, n
	}
	if content {
		for _, id := range c.ids {
			if text, ok := ev.Contents[id]; ok {
				p.Data.Memories = append(p.Data.Memories, memoryContent{ID: id, Content: text})
			}
		}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("webhook: encode payload: %w", err)
	}
	return b, nil
}

// Emit records one delivery per subscription of the event's namespace that
// asked for its type (one per chunk of MaxIDsPerEvent ids) and schedules
// them; it returns once the rows are stored and never waits for a
// receiver. A namespace.deleted event also deactivates every subscription
// of the namespace.
func (s *Service) Emit(ctx context.Context, ev Event) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if slices.Index(EventTypes, ev.Type) < 0 {
		return invalid("type", "unknown event type")
	}
	h := s.rows.nsHash(ev.Organization, ev.Namespace)
	s.mu.RLock()
	var targets, deactivate []*subscription
	var offs []subscription // rows of deactivate, copied under the lock
	for _, sub := range s.byNS[string(h)] {
		if sub.Active && slices.Contains(sub.Events, ev.Type) {
			targets = append(targets, sub)
		}
		if sub.Active && ev.Type == NamespaceDeleted {
			deactivate = append(deactivate, sub)
			offs = append(offs, *sub)
		}
	}
	s.mu.RUnlock()
	if len(targets) == 0 && len(deactivate) == 0 {
		return nil
	}
	now := s.opts.Now()
	chunks := ev.chunks(now, s.opts.MaxIDsPerEvent)
	bodies := map[bool][][]byte{}
	type pending struct {
		key []byte
		d   *delivery
	}
	var out []pending
	for _, sub := range targets {
		content := sub.IncludeContent && len(ev.Contents) > 0
		if bodies[content] == nil {
			for i, c := range chunks {
				b, err := ev.body(c, i, len(chunks), now, content)
				if err != nil {
					return err
				}
				bodies[content] = append(bodies[content], b)
			}
		}
		for i, c := range chunks {
			raw := newID(now)
			out = append(out, pending{key: deliveryKey(sub.raw, raw), d: &delivery{ID: raw.public(dlvPrefix), Sub: sub.ID,
				EventID: c.id.public(evtPrefix), Event: ev.Type, Payload: bodies[content][i], Status: StatusPending,
				Limit: s.opts.MaxAttempts, CreatedAt: now, NextAttemptAt: now}})
		}
	}
	err := s.db.Update(ctx, func(txn storage.Txn) error {
		for _, p := range out {
			if err := s.rows.put(txn, p.key, p.d); err != nil {
				return err
			}
		}
		for i := range offs {
			off := offs[i]
			off.Active = false
			if err := s.rows.put(txn, off.key(), &off); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("webhook: store deliveries: %w", err)
	}
	s.deactivate(deactivate)
	for _, p := range out {
		s.schedule(string(p.key), now)
	}
	return nil
}

func (s *Service) deactivate(subs []*subscription) {
	if len(subs) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range subs {
		if sub.Active {
			sub.Active = false
			s.active.Add(-1)
		}
	}
}
