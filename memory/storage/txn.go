package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// badgerTxn implements Txn on one Badger transaction.
type badgerTxn struct {
	txn *badger.Txn
}

var _ Txn = (*badgerTxn)(nil)

func (t *badgerTxn) Get(key []byte) ([]byte, error) {
	item, err := t.txn.Get(key)
	if err != nil {
		return nil, translate(err)
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return nil, fmt.Errorf("storage: read value: %w", translate(err))
	}
	return v, nil
}

func (t *badgerTxn) Set(key, value []byte) error {
	if err := t.txn.Set(key, value); err != nil {
		return fmt.Errorf("storage: set: %w", translate(err))
	}
	return nil
}

func (t *badgerTxn) Delete(key []byte) error {
	if err := t.txn.Delete(key); err != nil {
		return fmt.Errorf("storage: delete: %w", translate(err))
	}
	return nil
}

// Scan iterates keys with prefix; see Txn. Values are fetched lazily, only
// for keys the scan reaches.
func (t *badgerTxn) Scan(prefix, start []byte, reverse bool, fn func(key, value []byte) error) error {
	io := badger.DefaultIteratorOptions
	io.PrefetchValues = false
	io.Reverse = reverse
	succ := successor(prefix)
	if !reverse {
		// Lets Badger skip tables without the prefix. Not in reverse: its
		// Valid would stop at the successor key the reverse seek lands on.
		io.Prefix = prefix
	}
	it := t.txn.NewIterator(io)
	defer it.Close()

	switch {
	case reverse && succ == nil:
		it.Rewind()
	case reverse:
		it.Seek(succ)
	case bytes.Compare(start, prefix) > 0:
		it.Seek(start)
	default:
		it.Seek(prefix)
	}
	for ; it.Valid(); it.Next() {
		item := it.Item()
		k := item.Key()
		if !bytes.HasPrefix(k, prefix) {
			if reverse && bytes.Compare(k, prefix) > 0 {
				continue // the successor key itself, where the reverse seek lands
			}
			return nil
		}
		var ferr error
		err := item.Value(func(v []byte) error {
			ferr = fn(k, v)
			return nil
		})
		if err != nil {
			return fmt.Errorf("storage: scan value: %w", translate(err))
		}
		if errors.Is(ferr, ErrStop) {
			return nil
		}
		if ferr != nil {
			return ferr
		}
	}
	return nil
}

// successor returns the smallest key greater than every key with prefix p,
// or nil if there is none (p empty or all 0xFF).
func successor(p []byte) []byte {
	s := bytes.Clone(p)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 0xFF {
			s[i]++
			return s[:i+1]
		}
	}
	return nil
}

// AppendChange reads and bumps the namespace's counter in this transaction,
// so concurrent appenders conflict at commit and Update retries them: a
// sequence is never handed out twice.
func (t *badgerTxn) AppendChange(ns []byte, change []byte) (uint64, error) {
	last, err := t.LastSeq(ns)
	if err != nil {
		return 0, err
	}
	seq := last + 1
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	if err := t.Set(counterKey(ns), v[:]); err != nil {
		return 0, err
	}
	if err := t.Set(changeKey(ns, seq), change); err != nil {
		return 0, err
	}
	return seq, nil
}

func (t *badgerTxn) LastSeq(ns []byte) (uint64, error) {
	v, err := t.Get(counterKey(ns))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("storage: change counter is %d bytes, want 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}
