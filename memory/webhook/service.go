package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

// Subscription is a subscription as callers see it: never its secret.
type Subscription struct {
	ID             string
	URL            string
	Events         []string
	Description    string
	IncludeContent bool
	CreatedAt      time.Time
	// Active is false once the namespace was deleted: the subscription
	// gets no new events, its pending deliveries still go out.
	Active bool
}

// SubscribeInput is a new subscription. Secret is generated when empty.
type SubscribeInput struct {
	URL            string
	Events         []string
	Secret         string
	Description    string
	IncludeContent bool
}

// Delivery is one event sent (or to be sent) to one subscription.
type Delivery struct {
	ID             string
	EventID        string
	Event          string
	Status         string // StatusPending, StatusDelivered or StatusFailed
	Attempts       int
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	NextAttemptAt  *time.Time // pending only
	DeliveredAt    *time.Time
}

// Service holds the subscriptions and runs deliveries. It is safe for
// concurrent use.
type Service struct {
	db     storage.DB
	rows   *rows
	opts   Options
	log    *slog.Logger
	client *http.Client
	tr     *http.Transport

	ctx    context.Context // lifecycle: cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
	work   chan string
	q      queue
	active atomic.Int64  // active subscriptions
	stats  deliveryStats // attempt outcomes (stats.go)

	// createMu serializes Subscribe, so the per-namespace limit holds.
	createMu sync.Mutex
	// mu guards subs and byNS.
	mu   sync.RWMutex
	subs map[rawID]*subscription
	byNS map[string][]*subscription // string(nsHash) -> subscriptions
}

// Open loads the subscriptions kept in db, sealed under key (32 bytes, e.g.
// memory.Store.SubKey("webhooks")), and starts the delivery goroutines,
// which resume every pending delivery. opts may be nil.
func Open(db storage.DB, key []byte, opts *Options) (*Service, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r, err := newRows(key)
	if err != nil {
		return nil, err
	}
	var subs []*subscription
	if err := db.View(context.Background(), func(txn storage.Txn) error {
		subs, err = r.loadSubs(txn)
		return err
	}); err != nil {
		return nil, fmt.Errorf("webhook: load subscriptions: %w", err)
	}
	dialer := &net.Dialer{Timeout: o.AttemptTimeout, Control: o.dialControl}
	tr := &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: o.AttemptTimeout,
		ResponseHeaderTimeout: o.AttemptTimeout, MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second}
	s := &Service{db: db, rows: r, opts: o, log: o.Logger, tr: tr,
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		work:   make(chan string), subs: map[rawID]*subscription{}, byNS: map[string][]*subscription{}}
	s.q.init()
	s.q.overflow = true // load pending deliveries on start
	for _, sub := range subs {
		s.addSub(sub)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(o.Workers + 2)
	for range o.Workers {
		go s.runWorker()
	}
	go s.runScheduler()
	go s.runJanitor()
	return s, nil
}

// Close stops the delivery goroutines and waits for them; attempts in
// flight are abandoned uncounted and stay pending for the next Open.
func (s *Service) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.cancel()
	s.wg.Wait()
	s.tr.CloseIdleConnections()
	return nil
}

// Enabled reports whether any subscription is active, so callers can skip
// gathering event data when nobody listens.
func (s *Service) Enabled() bool { return s.active.Load() > 0 }

func (s *Service) addSub(sub *subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs[sub.raw] = sub
	s.byNS[string(sub.nsHash)] = append(s.byNS[string(sub.nsHash)], sub)
	if sub.Active {
		s.active.Add(1)
	}
}

func (s *Service) removeSub(sub *subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs, sub.raw)
	list := s.byNS[string(sub.nsHash)]
	out := list[:0]
	for _, x := range list {
		if x != sub {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		delete(s.byNS, string(sub.nsHash))
	} else {
		s.byNS[string(sub.nsHash)] = out
	}
	if sub.Active {
		s.active.Add(-1)
	}
}

// lookup returns subscription id of (org, ns), or ErrNotFound.
func (s *Service) lookup(org, ns, id string) (*subscription, error) {
	raw, ok := parseID(subPrefix, id)
	if !ok {
		return nil, ErrNotFound
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub := s.subs[raw]
	if sub == nil || !bytes.Equal(sub.nsHash, s.rows.nsHash(org, ns)) {
		return nil, ErrNotFound
	}
	return sub, nil
}

// Subscribe creates a subscription of namespace ns of organization org and
// returns it with its secret, which is shown only here.
func (s *Service) Subscribe(ctx context.Context, org, ns string, in SubscribeInput) (Subscription, string, error) {
	if s.closed.Load() {
		return Subscription{}, "", ErrClosed
	}
	if err := s.opts.validateURL(in.URL); err != nil {
		return Subscription{}, "", err
	}
	events, err := validateEvents(in.Events)
	if err != nil {
		return Subscription{}, "", err
	}
	if in.Secret == "" {
		var b [24]byte
		rand.Read(b[:])
		in.Secret = "whsec_" + hex.EncodeToString(b[:])
	} else if err := validateSecret(in.Secret); err != nil {
		return Subscription{}, "", err
	}
	if len(in.Description) > maxDescriptionLen {
		return Subscription{}, "", invalid("description", "must be at most %d bytes", maxDescriptionLen)
	}
	h := s.rows.nsHash(org, ns)
	s.createMu.Lock()
	defer s.createMu.Unlock()
	s.mu.RLock()
	n := len(s.byNS[string(h)])
	s.mu.RUnlock()
	if n >= s.opts.MaxPerNamespace {
		return Subscription{}, "", fmt.Errorf("%w: the namespace already has %d webhooks", ErrConflict, n)
	}
	raw := randomID()
	sub := &subscription{ID: raw.public(subPrefix), Org: org, Namespace: ns, URL: in.URL, Secret: in.Secret,
		Events: events, Description: in.Description, IncludeContent: in.IncludeContent,
		CreatedAt: s.opts.Now().UTC().Truncate(time.Second), Active: true, nsHash: h, raw: raw}
	if err := s.db.Update(ctx, func(txn storage.Txn) error { return s.rows.put(txn, sub.key(), sub) }); err != nil {
		return Subscription{}, "", fmt.Errorf("webhook: store subscription: %w", err)
	}
	out := sub.public() // before addSub: Emit may deactivate it from then on
	s.addSub(sub)
	return out, in.Secret, nil
}

// List returns the subscriptions of (org, ns), oldest first.
func (s *Service) List(ctx context.Context, org, ns string) ([]Subscription, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.byNS[string(s.rows.nsHash(org, ns))]
	out := make([]Subscription, 0, len(list))
	for _, sub := range list {
		out = append(out, sub.public())
	}
	return out, nil
}

// Delete removes a subscription and its deliveries.
func (s *Service) Delete(ctx context.Context, org, ns, id string) error {
	sub, err := s.lookup(org, ns, id)
	if err != nil {
		return err
	}
	if err := s.db.Update(ctx, func(txn storage.Txn) error { return txn.Delete(sub.key()) }); err != nil {
		return fmt.Errorf("webhook: delete subscription: %w", err)
	}
	s.removeSub(sub)
	// Deliveries in flight may still write their row; the janitor removes
	// rows of unknown subscriptions.
	if err := s.db.DeletePrefix(ctx, append(bytes.Clone(pfxDelivery), sub.raw[:]...)); err != nil {
		return fmt.Errorf("webhook: delete deliveries: %w", err)
	}
	return nil
}

// Deliveries lists a subscription's deliveries, newest first, filtered by
// status ("" for all), at most limit (zero means 50).
func (s *Service) Deliveries(ctx context.Context, org, ns, id, status string, limit int) ([]Delivery, error) {
	switch status {
	case "", StatusPending, StatusDelivered, StatusFailed:
	default:
		return nil, invalid("status", "must be pending, delivered or failed")
	}
	if limit <= 0 {
		limit = 50
	}
	sub, err := s.lookup(org, ns, id)
	if err != nil {
		return nil, err
	}
	out := []Delivery{}
	err = s.db.View(ctx, func(txn storage.Txn) error {
		return txn.Scan(append(bytes.Clone(pfxDelivery), sub.raw[:]...), nil, true, func(k, v []byte) error {
			var d delivery
			if err := s.rows.open(k, v, &d); err != nil {
				return err
			}
			if status == "" || d.Status == status {
				out = append(out, d.public())
			}
			if len(out) == limit {
				return storage.ErrStop
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: list deliveries: %w", err)
	}
	return out, nil
}

// Retry queues a failed or delivered delivery again, with a fresh round of
// MaxAttempts attempts. A pending one gives ErrConflict.
func (s *Service) Retry(ctx context.Context, org, ns, id, deliveryID string) (Delivery, error) {
	if s.closed.Load() {
		return Delivery{}, ErrClosed
	}
	sub, err := s.lookup(org, ns, id)
	if err != nil {
		return Delivery{}, err
	}
	raw, ok := parseID(dlvPrefix, deliveryID)
	if !ok {
		return Delivery{}, ErrNotFound
	}
	key := deliveryKey(sub.raw, raw)
	now := s.opts.Now()
	var d *delivery
	err = s.db.Update(ctx, func(txn storage.Txn) error {
		var err error
		if d, err = s.rows.getDelivery(txn, key); err != nil {
			return err
		}
		if d.Status == StatusPending {
			return fmt.Errorf("%w: the delivery is already pending", ErrConflict)
		}
		d.Status, d.Limit, d.NextAttemptAt = StatusPending, d.Attempts+s.opts.MaxAttempts, now
		return s.rows.put(txn, key, d)
	})
	if err != nil {
		return Delivery{}, err
	}
	s.schedule(string(key), now)
	return d.public(), nil
}
