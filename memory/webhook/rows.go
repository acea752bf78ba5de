package webhook

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
)

// Key layout (see doc.go).
var (
	pfxSub      = []byte{0, 'W'}
	pfxDelivery = []byte{0, 'w'}
)

const (
	idLen     = 12
	nsHashLen = 16
	subPrefix = "wh_"
	dlvPrefix = "dlv_"
	evtPrefix = "evt_"
)

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// rawID is a 12-byte row id; delivery and event ids start with the
// creation time (Unix nanoseconds, big-endian) so they sort by time.
type rawID [idLen]byte

func newID(t time.Time) rawID {
	var id rawID
	binary.BigEndian.PutUint64(id[:8], uint64(t.UnixNano()))
	rand.Read(id[8:])
	return id
}

func randomID() rawID {
	var id rawID
	rand.Read(id[:])
	return id
}

func (id rawID) public(prefix string) string { return prefix + hex.EncodeToString(id[:]) }

func parseID(prefix, s string) (rawID, bool) {
	var id rawID
	h, ok := strings.CutPrefix(s, prefix)
	if !ok || len(h) != 2*idLen {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, false
	}
	return id, true
}

// subscription is a stored subscription row.
type subscription struct {
	ID             string    `json:"id"`
	Org            string    `json:"org"`
	Namespace      string    `json:"ns"`
	URL            string    `json:"url"`
	Secret         string    `json:"secret"`
	Events         []string  `json:"events"`
	Description    string    `json:"description,omitempty"`
	IncludeContent bool      `json:"include_content,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	Active         bool      `json:"active"`
	// nsHash and raw are derived, not stored.
	nsHash []byte
	raw    rawID
}

func (s *subscription) key() []byte {
	k := append(bytes.Clone(pfxSub), s.nsHash...)
	return append(k, s.raw[:]...)
}

func (s *subscription) public() Subscription {
	return Subscription{ID: s.ID, URL: s.URL, Events: append([]string(nil), s.Events...), Description: s.Description,
		IncludeContent: s.IncludeContent, CreatedAt: s.CreatedAt, Active: s.Active}
}

// delivery is a stored delivery row.
type delivery struct {
	ID             string          `json:"id"`
	Sub            string          `json:"sub"`
	EventID        string          `json:"event_id"`
	Event          string          `json:"event"`
	Payload        json.RawMessage `json:"payload"`
	Status         string          `json:"status"`
	Attempts       int             `json:"attempts"`
	Limit          int             `json:"limit"`
	LastStatusCode int             `json:"last_status_code,omitempty"`
	LastError      string          `json:"last_error,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	NextAttemptAt  time.Time       `json:"next_attempt_at"`
	DeliveredAt    time.Time       `json:"delivered_at"`
}

func deliveryKey(sub, dlv rawID) []byte {
	k := append(bytes.Clone(pfxDelivery), sub[:]...)
	return append(k, dlv[:]...)
}

func (d *delivery) public() Delivery {
	out := Delivery{ID: d.ID, EventID: d.EventID, Event: d.Event, Status: d.Status, Attempts: d.Attempts,
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, CreatedAt: d.CreatedAt}
	if d.Status == StatusPending {
		t := d.NextAttemptAt
		out.NextAttemptAt = &t
	}
	if !d.DeliveredAt.IsZero() {
		t := d.DeliveredAt
		out.DeliveredAt = &t
	}
	return out
}

// rows seals and opens the package's rows.
type rows struct {
	sealer *seal.Sealer
}

func newRows(key []byte) (*rows, error) {
	dek, err := seal.DEKFromBytes(1, key)
	if err != nil {
		return nil, fmt.Errorf("webhook: key: %w", err)
	}
	s, err := seal.NewSealer([]byte("webhook"), []seal.DEK{dek})
	if err != nil {
		return nil, fmt.Errorf("webhook: sealer: %w", err)
	}
	return &rows{sealer: s}, nil
}

// nsHash is the keyed hash that stands for (org, namespace) in row keys.
func (r *rows) nsHash(org, ns string) []byte {
	return r.sealer.Hash("webhook-ns", []byte(org+"\x00"+ns))[:nsHashLen]
}

func (r *rows) put(txn storage.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("webhook: encode row: %w", err)
	}
	return txn.Set(key, r.sealer.Seal(key, b))
}

func (r *rows) open(key, sealed []byte, v any) error {
	b, err := r.sealer.Open(key, sealed)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return nil
}

func (r *rows) getDelivery(txn storage.Txn, key []byte) (*delivery, error) {
	v, err := txn.Get(key)
	if err != nil {
		if err == storage.ErrNotFound {
			return nil, ErrNotFound
		}
		return nil, err
	}
	var d delivery
	if err := r.open(key, v, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// loadSubs reads every subscription row.
func (r *rows) loadSubs(txn storage.Txn) ([]*subscription, error) {
	var out []*subscription
	err := txn.Scan(pfxSub, nil, false, func(k, v []byte) error {
		if len(k) != len(pfxSub)+nsHashLen+idLen {
			return fmt.Errorf("%w: subscription key length %d", ErrCorrupt, len(k))
		}
		var s subscription
		if err := r.open(k, v, &s); err != nil {
			return err
		}
		s.nsHash = bytes.Clone(k[len(pfxSub) : len(pfxSub)+nsHashLen])
		copy(s.raw[:], k[len(pfxSub)+nsHashLen:])
		out = append(out, &s)
		return nil
	})
	return out, err
}
