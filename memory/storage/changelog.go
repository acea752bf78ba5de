package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// Change-log key layout (the only keys the DB derives itself):
//
//	ns | 0x00 0xFF 'c' | seq (8 bytes big-endian)   one change, value = change bytes
//	ns | 0x00 0xFF 's'                              last sequence, 8 bytes big-endian
//
// Callers' rows are ns | kind byte in 'a'..'z' | ..., so the 0x00 byte after
// ns sorts the change log before every caller row of the namespace and no
// caller prefix ns|kind matches it; a scan of the bare ns prefix does see it.
// Because the log starts with ns, DeletePrefix(ns) removes it too.
const (
	logTag0     = 0x00
	logTag1     = 0xFF
	logChanges  = 'c'
	logSequence = 's'
)

func logPrefix(ns []byte, kind byte) []byte {
	k := make([]byte, 0, len(ns)+3+8)
	k = append(k, ns...)
	return append(k, logTag0, logTag1, kind)
}

func changeKey(ns []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(logPrefix(ns, logChanges), seq)
}

func counterKey(ns []byte) []byte { return logPrefix(ns, logSequence) }

// ChangesSince calls fn for each change of ns with sequence > after, in
// ascending order, at most limit (<= 0: no limit), in one consistent
// snapshot. ErrStop from fn ends the scan without error; ctx is checked
// between changes.
func (b *Badger) ChangesSince(ctx context.Context, ns []byte, after uint64, limit int, fn func(seq uint64, change []byte) error) error {
	prefix := logPrefix(ns, logChanges)
	start := changeKey(ns, after+1)
	if after == ^uint64(0) {
		return nil
	}
	n := 0
	return b.View(ctx, func(tx Txn) error {
		return tx.Scan(prefix, start, false, func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if len(k) != len(prefix)+8 {
				return fmt.Errorf("storage: malformed change key of %d bytes", len(k))
			}
			seq := binary.BigEndian.Uint64(k[len(prefix):])
			if err := fn(seq, v); err != nil {
				if errors.Is(err, ErrStop) {
					return ErrStop
				}
				return err
			}
			n++
			if limit > 0 && n >= limit {
				return ErrStop
			}
			return nil
		})
	})
}
