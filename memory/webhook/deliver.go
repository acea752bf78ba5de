package webhook

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

// errDenied is returned by the dialer for a target DenyPrivate refuses.
var errDenied = errors.New("webhook: target address not allowed")

// queue holds the deliveries scheduled in memory, by due time.
type queue struct {
	mu sync.Mutex
	h  itemHeap
	// queued holds the keys in h or being attempted, so that a reload
	// does not schedule a delivery twice.
	queued map[string]struct{}
	// overflow is set when pending rows on disk are not in h.
	overflow bool
	wake     chan struct{}
}

type item struct {
	at  time.Time
	key string
}

type itemHeap []item

func (h itemHeap) Len() int           { return len(h) }
func (h itemHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h itemHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)        { *h = append(*h, x.(item)) }
func (h *itemHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (q *queue) init() {
	q.queued = map[string]struct{}{}
	q.wake = make(chan struct{}, 1)
}

// schedule queues delivery key for at, unless it is queued already; when
// the queue is full the row stays pending on disk for a later reload.
func (s *Service) schedule(key string, at time.Time) {
	q := &s.q
	q.mu.Lock()
	if _, dup := q.queued[key]; !dup {
		if len(q.h) >= s.opts.QueueSize {
			q.overflow = true
		} else {
			q.queued[key] = struct{}{}
			heap.Push(&q.h, item{at: at, key: key})
		}
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (s *Service) done(key string) {
	s.q.mu.Lock()
	delete(s.q.queued, key)
	s.q.mu.Unlock()
}

// runScheduler hands due deliveries to the workers and reloads pending
// rows from disk when the queue overflowed (and on start).
func (s *Service) runScheduler() {
	defer s.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	q := &s.q
	for {
		q.mu.Lock()
		reload := q.overflow && len(q.h) <= s.opts.QueueSize/2
		q.mu.Unlock()
		if reload {
			if err := s.reload(); err != nil {
				if s.ctx.Err() != nil {
					return
				}
				s.log.Error("webhook: reload pending deliveries", "err", err)
			}
		}
		q.mu.Lock()
		var wait time.Duration = -1
		var next item
		if len(q.h) > 0 {
			next = q.h[0]
			if wait = next.at.Sub(s.opts.Now()); wait <= 0 {
				heap.Pop(&q.h)
			}
		}
		q.mu.Unlock()
		switch {
		case wait < 0 && len(next.key) == 0:
			select {
			case <-s.ctx.Done():
				return
			case <-q.wake:
			}
		case wait > 0:
			timer.Reset(wait)
			select {
			case <-s.ctx.Done():
				timer.Stop()
				return
			case <-q.wake:
				timer.Stop()
			case <-timer.C:
			}
		default:
			select {
			case <-s.ctx.Done():
				return
			case s.work <- next.key:
			}
		}
	}
}

// reload schedules pending rows that are not queued, up to the queue's
// room; overflow stays set when more remain.
func (s *Service) reload() error {
	q := &s.q
	q.mu.Lock()
	q.overflow = false
	room := s.opts.QueueSize - len(q.h)
	q.mu.Unlock()
	type found struct {
		key string
		at  time.Time
	}
	var list []found
	more := false
	err := s.db.View(s.ctx, func(txn storage.Txn) error {
		return txn.Scan(pfxDelivery, nil, false, func(k, v []byte) error {
			var d delivery
			if err := s.rows.open(k, v, &d); err != nil {
				s.log.Error("webhook: unreadable delivery row", "err", err)
				return nil
			}
			if d.Status != StatusPending {
				return nil
			}
			q.mu.Lock()
			_, queued := q.queued[string(k)]
			q.mu.Unlock()
			if queued {
				return nil
			}
			if len(list) == room {
				more = true
				return storage.ErrStop
			}
			list = append(list, found{key: string(k), at: d.NextAttemptAt})
			return nil
		})
	})
	for _, f := range list {
		s.schedule(f.key, f.at)
	}
	if more {
		q.mu.Lock()
		q.overflow = true
		q.mu.Unlock()
	}
	return err
}

func (s *Service) runWorker() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case key := <-s.work:
			s.attempt(key)
		}
	}
}

// attempt sends delivery key once and records the outcome.
func (s *Service) attempt(key string) {
	var d *delivery
	err := s.db.View(s.ctx, func(txn storage.Txn) error {
		var err error
		d, err = s.rows.getDelivery(txn, []byte(key))
		return err
	})
	if err != nil || d.Status != StatusPending {
		s.done(key)
		if err != nil && !errors.Is(err, ErrNotFound) && s.ctx.Err() == nil {
			s.log.Error("webhook: read delivery", "err", err)
		}
		return
	}
	var raw rawID
	copy(raw[:], key[len(pfxDelivery):])
	s.mu.RLock()
	sub := s.subs[raw]
	s.mu.RUnlock()
	if sub == nil { // deleted: its deliveries go too
		s.done(key)
		_ = s.db.Update(s.ctx, func(txn storage.Txn) error { return txn.Delete([]byte(key)) })
		return
	}
	code, msg := s.send(sub, d)
	if s.ctx.Err() != nil { // closing: not an attempt, stays pending
		s.done(key)
		return
	}
	now := s.opts.Now()
	recorded := false
	err = s.db.Update(s.ctx, func(txn storage.Txn) error {
		cur, err := s.rows.getDelivery(txn, []byte(key))
		if err != nil {
			return err
		}
		if recorded = cur.Status == StatusPending; !recorded {
			d = cur
			return nil
		}
		cur.Attempts++
		cur.LastStatusCode, cur.LastError = code, msg
		switch {
		case msg == "":
			cur.Status, cur.DeliveredAt = StatusDelivered, now
		case cur.Attempts >= cur.Limit:
			cur.Status = StatusFailed
		default:
			cur.NextAttemptAt = now.Add(s.backoff(cur.Attempts - (cur.Limit - s.opts.MaxAttempts)))
		}
		d = cur
		return s.rows.put(txn, []byte(key), cur)
	})
	s.done(key)
	if err != nil {
		if s.ctx.Err() == nil && !errors.Is(err, ErrNotFound) {
			s.log.Error("webhook: record attempt", "webhook_id", sub.ID, "delivery_id", d.ID, "err", err)
		}
		return
	}
	if recorded {
		s.stats.count(d.Status)
	}
	switch d.Status {
	case StatusPending:
		s.schedule(key, d.NextAttemptAt)
	case StatusFailed:
		s.log.Warn("webhook: delivery failed", "webhook_id", sub.ID, "delivery_id", d.ID, "attempts", d.Attempts, "status", code)
	}
}

// backoff is the delay after the n-th failed attempt of a round:
// BaseBackoff·2^(n-1), capped at MaxBackoff, half of it random.
func (s *Service) backoff(n int) time.Duration {
	d := s.opts.MaxBackoff
	if n >= 1 && n < 40 {
		d = min(s.opts.BaseBackoff<<(n-1), s.opts.MaxBackoff)
		if d <= 0 {
			d = s.opts.MaxBackoff
		}
	}
	return d/2 + rand.N(d/2+1)
}

// maxResponseRead bounds what is read (and discarded) of a response body.
const maxResponseRead = 64 << 10

// send posts the delivery once: it returns the response status (0 when
// there was none) and "" on a 2xx, else a short error that never holds the
// URL's path, query or the response body.
func (s *Service) send(sub *subscription, d *delivery) (int, string) {
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, "invalid target URL"
	}
	if !s.opts.hostAllowed(req.URL.Hostname()) {
		return 0, "target host not allowed"
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Engram-Webhook/1")
	h.Set(HeaderEvent, d.Event)
	h.Set(HeaderDelivery, d.ID)
	h.Set(HeaderSignature, Sign(sub.Secret, s.opts.Now(), d.Payload))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, describe(err, ctx, s.opts.AttemptTimeout)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, ""
	}
	return resp.StatusCode, "receiver answered " + strconv.Itoa(resp.StatusCode)
}

func describe(err error, ctx context.Context, timeout time.Duration) string {
	switch {
	case errors.Is(err, errDenied):
		return "target address not allowed"
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "timed out after " + timeout.String()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop "Post <url>:"
	}
	return clipString(err.Error(), 200)
}

// janitorEvery is how often old deliveries are removed.
const janitorEvery = time.Hour

func (s *Service) runJanitor() {
	defer s.wg.Done()
	t := time.NewTicker(janitorEvery)
	defer t.Stop()
	for {
		if err := s.prune(); err != nil && s.ctx.Err() == nil {
			s.log.Error("webhook: prune deliveries", "err", err)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// prune removes delivered and failed rows older than Retention and rows
// of deleted subscriptions.
func (s *Service) prune() error {
	cutoff := s.opts.Now().Add(-s.opts.Retention)
	var keys [][]byte
	err := s.db.View(s.ctx, func(txn storage.Txn) error {
		return txn.Scan(pfxDelivery, nil, false, func(k, v []byte) error {
			var raw rawID
			copy(raw[:], k[len(pfxDelivery):])
			s.mu.RLock()
			sub := s.subs[raw]
			s.mu.RUnlock()
			var d delivery
			if sub != nil {
				if err := s.rows.open(k, v, &d); err != nil || d.Status == StatusPending || !d.CreatedAt.Before(cutoff) {
					return nil
				}
			}
			keys = append(keys, bytes.Clone(k))
			return nil
		})
	})
	if err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		batch := keys[:n]
		keys = keys[n:]
		if err := s.db.Update(s.ctx, func(txn storage.Txn) error {
			for _, k := range batch {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
