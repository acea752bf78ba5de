package storage

import (
	"context"
	"errors"
)

// Sentinel errors. Implementations translate their own errors to these so
// callers can use errors.Is.
var (
	ErrNotFound = errors.New("storage: not found")
	ErrConflict = errors.New("storage: transaction conflict")
	ErrClosed   = errors.New("storage: closed")
	ErrNoSpace  = errors.New("storage: no space left")
	ErrTooLarge = errors.New("storage: transaction too large")
)

// DB is an ordered key-value store with serializable transactions and a
// per-namespace change log. It is the only thing the engine needs from its
// backend, kept narrow so that a PostgreSQL implementation can hold the same
// (already sealed) rows.
//
// Keys and values are opaque bytes. Callers own the key layout; the only
// layout the DB itself knows is the change log, which it keeps under keys it
// derives from the namespace prefix passed to AppendChange and ChangesSince.
type DB interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Txn) error) error
	// Update runs fn in a read-write transaction and commits it if fn
	// returns nil. On ErrConflict the whole fn is retried a bounded number
	// of times before ErrConflict is returned. fn may run more than once,
	// so it must not have effects outside the transaction that a retry
	// would repeat, and it must not call Update or DeletePrefix on the
	// same DB.
	Update(ctx context.Context, fn func(Txn) error) error
	// ChangesSince calls fn for each change of namespace ns with sequence >
	// after, in ascending sequence order, at most limit changes (limit <= 0
	// means no limit). Returning a non-nil error from fn stops the scan and
	// returns that error.
	ChangesSince(ctx context.Context, ns []byte, after uint64, limit int, fn func(seq uint64, change []byte) error) error
	// DeletePrefix removes every key that starts with prefix, including the
	// change log of a namespace whose prefix it is. It is not transactional
	// with respect to concurrent writers under the same prefix; callers stop
	// writing there first.
	DeletePrefix(ctx context.Context, prefix []byte) error
	// Close flushes and closes the database.
	Close() error
}

// Txn is one transaction. It is not safe for concurrent use.
type Txn interface {
	// Get returns a copy of the value at key, or ErrNotFound.
	Get(key []byte) ([]byte, error)
	// Set writes value at key.
	Set(key, value []byte) error
	// Delete removes key; deleting an absent key is not an error.
	Delete(key []byte) error
	// Scan calls fn for every key with the given prefix that is >= start
	// (start nil means the beginning of the prefix), in ascending key order
	// (descending when reverse is true, starting at the last key of the
	// prefix and ignoring start). The key and value passed to fn are only
	// valid during the call. Returning ErrStop ends the scan without error.
	Scan(prefix, start []byte, reverse bool, fn func(key, value []byte) error) error
	// AppendChange appends change to namespace ns's change log and returns
	// its sequence number; sequences start at 1 and increase by one per
	// committed append within a namespace.
	AppendChange(ns []byte, change []byte) (uint64, error)
	// LastSeq returns the last sequence number appended for ns (0 if none).
	LastSeq(ns []byte) (uint64, error)
}

// ErrStop may be returned by a Scan or ChangesSince callback to stop early
// without reporting an error.
var ErrStop = errors.New("storage: stop")
