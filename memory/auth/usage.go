package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

// Usage is a set of counters.
type Usage struct {
	Requests    int64 `json:"requests"`
	Successful  int64 `json:"successful"`
	Failed      int64 `json:"failed"`
	RateLimited int64 `json:"rate_limited"`
	Stores      int64 `json:"stores"`
	Recalls     int64 `json:"recalls"`
	Bytes       int64 `json:"bytes"`
	Embeddings  int64 `json:"embeddings"`
	// LatencyMicros is the sum of request latencies in microseconds.
	LatencyMicros int64 `json:"latency_us"`
}

// AvgLatency returns the mean request latency.
func (u Usage) AvgLatency() time.Duration {
	if u.Requests == 0 {
		return 0
	}
	return time.Duration(u.LatencyMicros) * time.Microsecond / time.Duration(u.Requests)
}

func (u *Usage) add(v Usage) {
	u.Requests += v.Requests
	u.Successful += v.Successful
	u.Failed += v.Failed
	u.RateLimited += v.RateLimited
	u.Stores += v.Stores
	u.Recalls += v.Recalls
	u.Bytes += v.Bytes
	u.Embeddings += v.Embeddings
	u.LatencyMicros += v.LatencyMicros
}

// UsageDelta is what one request (or a batch of them) adds.
type UsageDelta struct {
	Requests, Successful, Failed, RateLimited int64
	Stores, Recalls, Bytes, Embeddings        int64
	Latency                                   time.Duration
	// Endpoint is a route name for the per-key breakdown ("" = none).
	// Use route templates, never raw paths.
	Endpoint string
}

// KeyUsage is the usage of one key over a period.
type KeyUsage struct {
	KeyID       string           `json:"key_id"`
	Total       Usage            `json:"total"`
	ByNamespace map[string]Usage `json:"by_namespace"`
	ByEndpoint  map[string]Usage `json:"by_endpoint"`
}

// NamespaceUsage is the usage of one namespace over a period.
type NamespaceUsage struct {
	Namespace string           `json:"namespace"`
	Total     Usage            `json:"total"`
	ByKey     map[string]Usage `json:"by_key"`
}

// maxBreakdown bounds each breakdown map of a stored day record; further
// entries are summed under otherBucket.
const (
	maxBreakdown   = 256
	otherBucket    = "_other"
	maxPending     = 100_000
	flushChunkSize = 200
)

type usageCell struct {
	keyID, ns, endpoint string
	day                 uint32
}

type usageBuffer struct {
	mu      sync.Mutex
	pending map[usageCell]*Usage
	kick    chan struct{}
}

func newUsageBuffer() *usageBuffer {
	return &usageBuffer{pending: make(map[usageCell]*Usage), kick: make(chan struct{}, 1)}
}

func dayOf(t time.Time) uint32 { return uint32(t.Unix() / 86400) }

// RecordUsage adds d to the counters of key keyID and namespace ns (either
// may be ""; ns should be a stable id such as the public ns_… id). Counters
// live in memory until the next flush (every UsageFlushInterval, on Close,
// or on FlushUsage); a crash loses at most one interval.
func (m *Manager) RecordUsage(keyID, ns string, d UsageDelta) {
	c := usageCell{keyID: keyID, ns: ns, endpoint: d.Endpoint, day: dayOf(m.now())}
	u := Usage{Requests: d.Requests, Successful: d.Successful, Failed: d.Failed,
		RateLimited: d.RateLimited, Stores: d.Stores, Recalls: d.Recalls, Bytes: d.Bytes,
		Embeddings: d.Embeddings, LatencyMicros: d.Latency.Microseconds()}
	b := m.usage
	b.mu.Lock()
	p, ok := b.pending[c]
	if !ok {
		p = new(Usage)
		b.pending[c] = p
	}
	p.add(u)
	n := len(b.pending)
	b.mu.Unlock()
	if n >= maxPending {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

func (m *Manager) flushLoop(every time.Duration) {
	defer m.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		case <-m.usage.kick:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := m.FlushUsage(ctx); err != nil {
			m.log.LogAttrs(ctx, slog.LevelWarn, "auth: flush usage", slog.Any("err", err))
		}
		cancel()
	}
}

// FlushUsage writes the pending usage counters to storage now. Counters it
// could not write are kept for the next flush.
func (m *Manager) FlushUsage(ctx context.Context) error {
	b := m.usage
	b.mu.Lock()
	pending := b.pending
	b.pending = make(map[usageCell]*Usage)
	b.mu.Unlock()
	cells := slices.Collect(maps.Keys(pending))
	for start := 0; start < len(cells); start += flushChunkSize {
		chunk := cells[start:min(start+flushChunkSize, len(cells))]
		if err := m.db.Update(ctx, func(txn storage.Txn) error { return writeUsage(txn, chunk, pending) }); err != nil {
			b.mu.Lock()
			for _, c := range cells[start:] {
				p, ok := b.pending[c]
				if !ok {
					p = new(Usage)
					b.pending[c] = p
				}
				p.add(*pending[c])
			}
			b.mu.Unlock()
			return fmt.Errorf("auth: flush usage: %w", err)
		}
	}
	return nil
}

type keyDay struct {
	Total       Usage            `json:"total"`
	ByNamespace map[string]Usage `json:"by_namespace,omitempty"`
	ByEndpoint  map[string]Usage `json:"by_endpoint,omitempty"`
}

type nsDay struct {
	Namespace string           `json:"namespace"`
	Total     Usage            `json:"total"`
	ByKey     map[string]Usage `json:"by_key,omitempty"`
}

func usageKeyKey(keyID string, day uint32) []byte {
	return binary.BigEndian.AppendUint32(cat(pfxUsageK, []byte(keyID), []byte{0}), day)
}

func nsHash(ns string) []byte {
	h := sha256.Sum256([]byte(ns))
	return h[:16]
}

func usageNSKey(ns string, day uint32) []byte {
	return binary.BigEndian.AppendUint32(cat(pfxUsageN, nsHash(ns)), day)
}

func addTo(m map[string]Usage, name string, u Usage) map[string]Usage {
	if name == "" {
		return m
	}
	if m == nil {
		m = make(map[string]Usage)
	}
	if _, ok := m[name]; !ok && len(m) >= maxBreakdown {
		name = otherBucket
	}
	v := m[name]
	v.add(u)
	m[name] = v
	return m
}

func writeUsage(txn storage.Txn, cells []usageCell, pending map[usageCell]*Usage) error {
	for _, c := range cells {
		u := *pending[c]
		if c.keyID != "" {
			var rec keyDay
			k := usageKeyKey(c.keyID, c.day)
			if err := getJSON(txn, k, &rec); err != nil && !isNotFound(err) {
				return err
			}
			rec.Total.add(u)
			rec.ByNamespace = addTo(rec.ByNamespace, c.ns, u)
			rec.ByEndpoint = addTo(rec.ByEndpoint, c.endpoint, u)
			if err := setJSON(txn, k, &rec); err != nil {
				return err
			}
		}
		if c.ns != "" {
			rec := nsDay{Namespace: c.ns}
			k := usageNSKey(c.ns, c.day)
			if err := getJSON(txn, k, &rec); err != nil && !isNotFound(err) {
				return err
			}
			rec.Total.add(u)
			rec.ByKey = addTo(rec.ByKey, c.keyID, u)
			if err := setJSON(txn, k, &rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// dayRange returns the inclusive day bounds of [from, to]; zero times are
// open ends.
func dayRange(from, to time.Time) (uint32, uint32) {
	lo, hi := uint32(0), ^uint32(0)
	if !from.IsZero() && from.Unix() > 0 {
		lo = dayOf(from)
	}
	if !to.IsZero() {
		if to.Unix() < 0 {
			return 1, 0
		}
		hi = dayOf(to)
	}
	return lo, hi
}

// KeyUsage flushes pending counters and returns key keyID's usage on the
// UTC days from..to (inclusive; zero times mean unbounded).
func (m *Manager) KeyUsage(ctx context.Context, keyID string, from, to time.Time) (*KeyUsage, error) {
	if err := m.FlushUsage(ctx); err != nil {
		return nil, err
	}
	lo, hi := dayRange(from, to)
	out := &KeyUsage{KeyID: keyID, ByNamespace: map[string]Usage{}, ByEndpoint: map[string]Usage{}}
	prefix := cat(pfxUsageK, []byte(keyID), []byte{0})
	err := m.db.View(ctx, func(txn storage.Txn) error {
		return txn.Scan(prefix, binary.BigEndian.AppendUint32(bytes.Clone(prefix), lo), false, func(k, v []byte) error {
			if len(k) != len(prefix)+4 {
				return nil
			}
			if binary.BigEndian.Uint32(k[len(prefix):]) > hi {
				return storage.ErrStop
			}
			var rec keyDay
			if err := jsonUnmarshal(v, &rec); err != nil {
				return err
			}
			out.Total.add(rec.Total)
			for n, u := range rec.ByNamespace {
				out.ByNamespace = addTo(out.ByNamespace, n, u)
			}
			for n, u := range rec.ByEndpoint {
				out.ByEndpoint = addTo(out.ByEndpoint, n, u)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("auth: key usage: %w", err)
	}
	return out, nil
}

// NamespaceUsage flushes pending counters and returns namespace ns's usage
// on the UTC days from..to (inclusive; zero times mean unbounded).
func (m *Manager) NamespaceUsage(ctx context.Context, ns string, from, to time.Time) (*NamespaceUsage, error) {
	all, err := m.namespaceUsage(ctx, cat(pfxUsageN, nsHash(ns)), from, to)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return &NamespaceUsage{Namespace: ns, ByKey: map[string]Usage{}}, nil
	}
	return all[0], nil
}

// ListNamespaceUsage returns the usage of every namespace with any on the
// UTC days from..to, sorted by namespace.
func (m *Manager) ListNamespaceUsage(ctx context.Context, from, to time.Time) ([]*NamespaceUsage, error) {
	return m.namespaceUsage(ctx, pfxUsageN, from, to)
}

func (m *Manager) namespaceUsage(ctx context.Context, prefix []byte, from, to time.Time) ([]*NamespaceUsage, error) {
	if err := m.FlushUsage(ctx); err != nil {
		return nil, err
	}
	lo, hi := dayRange(from, to)
	byNS := map[string]*NamespaceUsage{}
	err := m.db.View(ctx, func(txn storage.Txn) error {
		return txn.Scan(prefix, nil, false, func(k, v []byte) error {
			if len(k) != len(pfxUsageN)+16+4 {
				return nil
			}
			if d := binary.BigEndian.Uint32(k[len(k)-4:]); d < lo || d > hi {
				return nil
			}
			var rec nsDay
			if err := jsonUnmarshal(v, &rec); err != nil {
				return err
			}
			nu, ok := byNS[rec.Namespace]
			if !ok {
				nu = &NamespaceUsage{Namespace: rec.Namespace, ByKey: map[string]Usage{}}
				byNS[rec.Namespace] = nu
			}
			nu.Total.add(rec.Total)
			for id, u := range rec.ByKey {
				nu.ByKey = addTo(nu.ByKey, id, u)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("auth: namespace usage: %w", err)
	}
	out := slices.Collect(maps.Values(byNS))
	slices.SortFunc(out, func(a, b *NamespaceUsage) int { return strings.Compare(a.Namespace, b.Namespace) })
	return out, nil
}
