package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/engramhq/engram/memory/storage"
)

// Storage layout:
//
//	0x00 'A' 'e' <seq uint64 BE>   event record (JSON)
//	0x00 'A' 'h'                   head: {"seq", "hash"} of the last event
var (
	pfxEvent = []byte{0, 'A', 'e'}
	headKey  = []byte{0, 'A', 'h'}
)

func eventKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(bytes.Clone(pfxEvent), seq)
}

type head struct {
	Seq  uint64 `json:"seq"`
	Hash []byte `json:"hash"`
	At   int64  `json:"at_ns"`
}

var genesis = make([]byte, 32)

// Options configure Open. Nil or zero fields mean the defaults.
type Options struct {
	// Now is the clock used for events appended without a time. Nil means
	// time.Now.
	Now func() time.Time
	// Logger is kept for operational messages. Nil discards.
	Logger *slog.Logger
}

// Log is the audit log over a storage.DB. It is safe for concurrent use.
type Log struct {
	db  storage.DB
	now func() time.Time
	log *slog.Logger

	// mu serializes appends within the process (the head read in each
	// append transaction orders them across processes).
	mu sync.Mutex
}

// Open returns the audit log kept in db. opts may be nil.
func Open(db storage.DB, opts *Options) (*Log, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil db", ErrInvalid)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Log{db: db, now: o.Now, log: o.Logger}, nil
}

func readHead(txn storage.Txn) (head, error) {
	b, err := txn.Get(headKey)
	if errors.Is(err, storage.ErrNotFound) {
		return head{Hash: genesis}, nil
	}
	if err != nil {
		return head{}, err
	}
	var h head
	if err := json.Unmarshal(b, &h); err != nil || len(h.Hash) != 32 {
		return head{}, fmt.Errorf("%w: head", ErrCorrupt)
	}
	return h, nil
}

// Append adds ev to the log, assigning ID, Seq, Prev and Hash (whatever
// the caller set there is ignored). A zero At means now; At is raised to the previous
// event's time if earlier, so the log is ordered by time as well as by
// sequence.
func (l *Log) Append(ctx context.Context, ev Event) error {
	if err := ev.normalize(); err != nil {
		return err
	}
	if ev.At.IsZero() {
		ev.At = l.now()
	}
	ev.At = ev.At.UTC()
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.db.Update(ctx, func(txn storage.Txn) error {
		h, err := readHead(txn)
		if err != nil {
			return err
		}
		e := ev
		e.Seq = h.Seq + 1
		e.ID = eventID(e.Seq)
		if e.At.UnixNano() < h.At {
			e.At = time.Unix(0, h.At).UTC()
		}
		e.Prev = h.Hash
		e.Hash = e.chainHash(h.Hash)
		rec, err := json.Marshal(toRecord(&e))
		if err != nil {
			return err
		}
		if err := txn.Set(eventKey(e.Seq), rec); err != nil {
			return err
		}
		hb, err := json.Marshal(head{Seq: e.Seq, Hash: e.Hash, At: e.At.UnixNano()})
		if err != nil {
			return err
		}
		return txn.Set(headKey, hb)
	})
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// Head returns the sequence number and hash of the last event (0 and 32
// zero bytes for an empty log). Keeping a copy elsewhere lets Verify's
// caller detect truncation.
func (l *Log) Head(ctx context.Context) (uint64, []byte, error) {
	var h head
	err := l.db.View(ctx, func(txn storage.Txn) (err error) {
		h, err = readHead(txn)
		return err
	})
	if err != nil {
		return 0, nil, fmt.Errorf("audit: head: %w", err)
	}
	return h.Seq, h.Hash, nil
}

// Verify walks the whole chain and reports whether it is intact: sequence
// numbers consecutive from 1, every record decodable, every Prev equal to
// the previous Hash, every Hash recomputed equal, and the head naming the
// last event. checked is the number of events verified before the first
// problem (all of them when ok). err is only for failures to read.
func (l *Log) Verify(ctx context.Context) (ok bool, checked int, err error) {
	ok = true
	err = l.db.View(ctx, func(txn storage.Txn) error {
		checked, ok = 0, true
		prev := genesis
		var seq uint64
		err := txn.Scan(pfxEvent, nil, false, func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var r record
			if len(k) != len(pfxEvent)+8 || json.Unmarshal(v, &r) != nil {
				ok = false
				return storage.ErrStop
			}
			e := r.event()
			if binary.BigEndian.Uint64(k[len(pfxEvent):]) != seq+1 || e.Seq != seq+1 ||
				e.ID != eventID(e.Seq) || !bytes.Equal(e.Prev, prev) || !bytes.Equal(e.chainHash(prev), e.Hash) {
				ok = false
				return storage.ErrStop
			}
			seq, prev = e.Seq, e.Hash
			checked++
			return nil
		})
		if err != nil || !ok {
			return err
		}
		h, err := readHead(txn)
		if errors.Is(err, ErrCorrupt) {
			ok = false
			return nil
		}
		if err != nil {
			return err
		}
		ok = h.Seq == seq && bytes.Equal(h.Hash, prev)
		return nil
	})
	if err != nil {
		return false, checked, fmt.Errorf("audit: verify: %w", err)
	}
	return ok, checked, nil
}

// Filter selects events for List. Zero fields match everything.
type Filter struct {
	Namespace, KeyID, Action string
	// Since and Until bound At (inclusive).
	Since, Until time.Time
	// Limit is the page size: zero means 100, at most 1000.
	Limit int
	// Cursor is the next_cursor of a previous page.
	Cursor string
}

// Paging limits.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	// maxScan bounds the events one List call examines; a page cut short
	// by it still carries a cursor.
	maxScan = 100_000
)

func (f *Filter) match(e *Event) bool {
	return (f.Namespace == "" || e.Namespace == f.Namespace) && (f.KeyID == "" || e.KeyID == f.KeyID) &&
		(f.Action == "" || e.Action == f.Action) && (f.Until.IsZero() || !e.At.After(f.Until))
}

// List returns events matching f, newest first, and the cursor of the next
// (older) page, "" at the end. A page may hold fewer than Limit events
// while the cursor is not empty when a sparse filter reached the scan
// bound.
func (l *Log) List(ctx context.Context, f Filter) ([]Event, string, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	f.Limit = min(f.Limit, MaxLimit)
	var hi uint64
	if f.Cursor != "" {
		c, err := strconv.ParseUint(f.Cursor, 10, 64)
		if err != nil || c == 0 {
			return nil, "", fmt.Errorf("%w: cursor", ErrInvalid)
		}
		hi = c - 1
	}
	var out []Event
	var next uint64
	err := l.db.View(ctx, func(txn storage.Txn) error {
		out, next = out[:0], 0
		h, err := readHead(txn)
		if err != nil {
			return err
		}
		if f.Cursor == "" || hi > h.Seq {
			hi = h.Seq
		}
		out, next, err = scanBack(txn, &f, hi)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("audit: list: %w", err)
	}
	if next == 0 {
		return out, "", nil
	}
	return out, strconv.FormatUint(next, 10), nil
}

// scanBack collects up to f.Limit matching events with seq <= hi, newest
// first, scanning ascending windows that step backwards. It returns the
// cursor (exclusive upper seq bound) of the next page, 0 if none.
func scanBack(txn storage.Txn, f *Filter, hi uint64) ([]Event, uint64, error) {
	var out []Event
	window, scanned := uint64(f.Limit), 0
	for hi > 0 {
		from := uint64(1)
		if hi > window {
			from = hi - window + 1
		}
		var batch []Event
		reachedSince := false
		err := txn.Scan(pfxEvent, eventKey(from), false, func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("%w: event %x", ErrCorrupt, k)
			}
			if r.Seq > hi {
				return storage.ErrStop
			}
			e := r.event()
			if !f.Since.IsZero() && e.At.Before(f.Since) {
				reachedSince = true
				batch = batch[:0] // older than Since: only later ones count
				return nil
			}
			if f.match(&e) {
				batch = append(batch, e)
			}
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
		scanned += int(hi - from + 1)
		slices.Reverse(batch)
		out = append(out, batch...)
		if len(out) > f.Limit {
			out = out[:f.Limit]
			return out, out[len(out)-1].Seq, nil
		}
		if reachedSince || from == 1 {
			return out, 0, nil
		}
		if len(out) == f.Limit {
			return out, out[len(out)-1].Seq, nil
		}
		hi = from - 1
		if scanned >= maxScan {
			return out, hi + 1, nil
		}
		window = min(window*2, 10_000)
	}
	return out, 0, nil
}
