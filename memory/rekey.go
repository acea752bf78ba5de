package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
)

// Rekey replaces the master key of the data directory dir, offline (it
// takes the directory's LOCK, so it fails with ErrLocked while a server
// runs there). The keyring and every namespace data key are rewrapped under
// newKey; no data is re-encrypted, and the Badger key, system key and
// API-key pepper (all in the keyring) are unchanged, so API keys keep
// verifying.
//
// Steps, each durable before the next:
//
//  1. keyring := seal(newKey, secrets + oldKey as "previous"), atomic rename
//  2. master.fingerprint := fingerprint(newKey), atomic rename
//  3. one Badger transaction rewraps every namespace's data keys: each key
//     that newKey cannot unwrap is unwrapped with the previous key and
//     wrapped with newKey
//  4. keyring := seal(newKey, secrets) without the previous key
//
// A crash before step 1 leaves a directory that opens with oldKey only;
// after it, one that opens with newKey only: any Open with newKey finds the
// previous key in the keyring and finishes steps 3 and 4 itself (and so
// does running Rekey again with the same keys). The keyring, not the
// fingerprint file, decides which key is right.
//
// A directory without a keyring (created before keyrings existed) is first
// opened once with oldKey, which writes its keyring.
func Rekey(ctx context.Context, dir string, oldKey, newKey seal.MasterKey, opts *Options) error {
	if oldKey == newKey {
		return errors.New("memory: rekey: the new master key is the current one")
	}
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("memory: rekey: %w", err)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if _, err := os.Stat(filepath.Join(dir, keyringFile)); errors.Is(err, fs.ErrNotExist) {
		o.MasterKey = oldKey
		s, err := Open(dir, &o)
		if err != nil {
			return fmt.Errorf("memory: rekey: open with the current key: %w", err)
		}
		if err := s.Close(); err != nil {
			return err
		}
	}
	o.MasterKey = newKey
	full, err := o.withDefaults()
	if err != nil {
		return err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return err
	}
	if err := rekeyStart(dir, oldKey, newKey); err != nil {
		lock.Close()
		return err
	}
	kr, db, err := openLocked(dir, full, lock)
	if err != nil {
		return err
	}
	err = finishRekey(ctx, dir, db, kr, newKey)
	return errors.Join(err, db.Close(), lock.Close())
}

// rekeyFault, when set (tests only), is called after each durable step of a
// rekey; an error stops the rekey there, as a crash would.
var rekeyFault func(step string) error

func fault(step string) error {
	if rekeyFault == nil {
		return nil
	}
	return rekeyFault(step)
}

// rekeyStart does steps 1 and 2: the keyring sealed by newKey, holding
// oldKey as the previous key, then the fingerprint. It accepts a directory
// where step 1 was already done (resume).
func rekeyStart(dir string, oldKey, newKey seal.MasterKey) error {
	kr, err := readKeyring(dir, oldKey)
	if errors.Is(err, ErrWrongMasterKey) {
		kr, err = readKeyring(dir, newKey)
		if err != nil {
			return err // neither key opens the keyring
		}
		if kr.prev != nil && *kr.prev != oldKey {
			return ErrWrongMasterKey
		}
		// Step 1 done by an earlier, interrupted rekey (or the rekey is
		// complete and prev is nil): the rest is idempotent.
		return ensureFingerprint(dir, newKey)
	}
	if err != nil {
		return err
	}
	if kr.prev != nil {
		// Rekeying an unfinished rekey of oldKey's own: keep the oldest
		// key the data keys may still be wrapped by? A chain is not
		// supported; the caller opens with oldKey first to finish it.
		return errors.New("memory: rekey: an earlier rekey is unfinished; open the directory with the current key once, then retry")
	}
	kr.prev = &oldKey
	if err := writeKeyring(dir, newKey, kr); err != nil {
		return err
	}
	if err := fault("keyring"); err != nil {
		return err
	}
	if err := ensureFingerprint(dir, newKey); err != nil {
		return err
	}
	return fault("fingerprint")
}

// finishRekey does steps 3 and 4 when the keyring holds a previous key.
func finishRekey(ctx context.Context, dir string, db *guardedDB, kr *keyring, newKey seal.MasterKey) error {
	if kr.prev == nil {
		return nil
	}
	prev := *kr.prev
	sysDEK, err := seal.DEKFromBytes(1, kr.system)
	if err != nil {
		return err
	}
	sys, err := seal.NewSealer(systemNS, []seal.DEK{sysDEK})
	if err != nil {
		return err
	}
	err = db.Update(ctx, func(tx storage.Txn) error {
		type row struct{ k, v []byte }
		var rows []row
		err := tx.Scan(sysKey('N'), nil, false, func(k, v []byte) error {
			pt, err := sys.Open(k, v)
			if err != nil {
				return fmt.Errorf("memory: rekey: open namespace record: %w", err)
			}
			out, changed, err := rewrapRecord(k[2:], pt, prev, newKey)
			if err != nil || !changed {
				return err
			}
			rows = append(rows, row{append([]byte(nil), k...), sys.Seal(k, out)})
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := tx.Set(r.k, r.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return storageErr(err)
	}
	if err := fault("deks"); err != nil {
		return err
	}
	done := *kr
	done.prev = nil
	if err := writeKeyring(dir, newKey, &done); err != nil {
		return err
	}
	kr.prev = nil
	return nil
}

// finishRekey completes an interrupted rekey found by Open.
func (s *Store) finishRekey(ctx context.Context) error {
	if err := finishRekey(ctx, s.dir, s.db, s.ring, s.master); err != nil {
		return fmt.Errorf("memory: finish interrupted rekey: %w", err)
	}
	return nil
}

// rewrapRecord rewraps the data keys of one namespace record (JSON,
// field "keys") so that newKey unwraps them all. Other fields are kept
// byte for byte.
func rewrapRecord(id, pt []byte, prev, newKey seal.MasterKey) ([]byte, bool, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(pt, &m); err != nil {
		return nil, false, fmt.Errorf("memory: rekey: decode namespace record: %w", err)
	}
	var keys [][]byte
	if err := json.Unmarshal(m["keys"], &keys); err != nil {
		return nil, false, fmt.Errorf("memory: rekey: decode namespace keys: %w", err)
	}
	changed := false
	for i, w := range keys {
		if _, err := newKey.Unwrap(id, w); err == nil {
			continue
		}
		d, err := prev.Unwrap(id, w)
		if err != nil {
			return nil, false, fmt.Errorf("memory: rekey: namespace key opens under neither master key: %w", err)
		}
		if keys[i], err = newKey.Wrap(id, d); err != nil {
			return nil, false, err
		}
		changed = true
	}
	if !changed {
		return nil, false, nil
	}
	kb, err := json.Marshal(keys)
	if err != nil {
		return nil, false, err
	}
	m["keys"] = kb
	out, err := json.Marshal(m)
	return out, true, err
}
