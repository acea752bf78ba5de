package memory

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
)

// The keyring holds the server secrets that must survive a change of master
// key: Badger's encryption key, the system sealer key and the API-key
// pepper. It lives in <data>/keyring (mode 0600), sealed by the master key:
//
//	magic "ENGRAMKR" (8) | format (1) = 1 | nonce (12) |
//	AES-256-GCM(MasterKey.Derive("keyring"), payload) + tag (16)
//
// with additional data magic | format. The payload is
//
//	flags (1) | badger key (32) | system key (32) | pepper (32) [| previous master key (32)]
//
// flags bit 0 marks an unfinished rekey: the previous master key is present
// and some namespace data keys may still be wrapped by it (see rekey.go).
//
// A data directory created before keyrings existed has none: Open then
// derives the three secrets from the master key as it always did, checks
// them against Badger, and writes a keyring holding exactly those values.
const (
	keyringFile   = "keyring"
	keyringMagic  = "ENGRAMKR"
	keyringFormat = 1
	keyringSecret = 32
	flagPrevious  = 1
)

// keyring is the unwrapped content of the keyring file.
type keyring struct {
	badger []byte
	system []byte
	pepper []byte
	// prev is the previous master key while a rekey is unfinished.
	prev *seal.MasterKey
}

// newKeyring returns a keyring of fresh random secrets.
func newKeyring() (*keyring, error) {
	kr := &keyring{}
	for _, p := range []*[]byte{&kr.badger, &kr.system, &kr.pepper} {
		*p = make([]byte, keyringSecret)
		if _, err := rand.Read(*p); err != nil {
			return nil, fmt.Errorf("memory: generate keyring: %w", err)
		}
	}
	return kr, nil
}

// derivedKeyring returns the secrets a directory without a keyring used:
// each derived from the master key.
func derivedKeyring(mk seal.MasterKey) *keyring {
	return &keyring{
		badger: mk.Derive("badger"),
		system: mk.Derive("system"),
		pepper: mk.Derive("api-key-pepper"),
	}
}

func keyringAEAD(mk seal.MasterKey) cipher.AEAD {
	k := mk.Derive("keyring")
	defer clear(k)
	block, err := aes.NewCipher(k)
	if err != nil {
		panic("memory: aes: " + err.Error()) // a 32-byte key cannot fail
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("memory: gcm: " + err.Error())
	}
	return aead
}

// seal encrypts the keyring under mk.
func (kr *keyring) seal(mk seal.MasterKey) ([]byte, error) {
	pt := make([]byte, 0, 1+4*keyringSecret)
	flags := byte(0)
	if kr.prev != nil {
		flags |= flagPrevious
	}
	pt = append(pt, flags)
	pt = append(pt, kr.badger...)
	pt = append(pt, kr.system...)
	pt = append(pt, kr.pepper...)
	if kr.prev != nil {
		pt = append(pt, kr.prev[:]...)
	}
	defer clear(pt)
	head := append([]byte(keyringMagic), keyringFormat)
	out := make([]byte, len(head)+12, len(head)+12+len(pt)+16)
	copy(out, head)
	nonce := out[len(head):]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("memory: keyring nonce: %w", err)
	}
	return keyringAEAD(mk).Seal(out, nonce, pt, head), nil
}

// openKeyring decrypts a sealed keyring. A wrong master key gives
// ErrWrongMasterKey; a malformed file another error.
func openKeyring(mk seal.MasterKey, b []byte) (*keyring, error) {
	hl := len(keyringMagic) + 1
	if len(b) < hl+12+16 || !bytes.Equal(b[:len(keyringMagic)], []byte(keyringMagic)) {
		return nil, fmt.Errorf("memory: keyring: not a keyring file (%d bytes)", len(b))
	}
	if b[len(keyringMagic)] != keyringFormat {
		return nil, fmt.Errorf("memory: keyring: unknown format %d", b[len(keyringMagic)])
	}
	pt, err := keyringAEAD(mk).Open(nil, b[hl:hl+12], b[hl+12:], b[:hl])
	if err != nil {
		return nil, ErrWrongMasterKey
	}
	defer clear(pt)
	if len(pt) != 1+3*keyringSecret && len(pt) != 1+4*keyringSecret {
		return nil, fmt.Errorf("memory: keyring: payload of %d bytes", len(pt))
	}
	kr := &keyring{
		badger: bytes.Clone(pt[1 : 1+keyringSecret]),
		system: bytes.Clone(pt[1+keyringSecret : 1+2*keyringSecret]),
		pepper: bytes.Clone(pt[1+2*keyringSecret : 1+3*keyringSecret]),
	}
	if pt[0]&flagPrevious != 0 {
		if len(pt) != 1+4*keyringSecret {
			return nil, errors.New("memory: keyring: previous key flag without the key")
		}
		var prev seal.MasterKey
		copy(prev[:], pt[1+3*keyringSecret:])
		kr.prev = &prev
	}
	return kr, nil
}

// readKeyring reads and unwraps <dir>/keyring; fs.ErrNotExist (wrapped)
// when there is none.
func readKeyring(dir string, mk seal.MasterKey) (*keyring, error) {
	b, err := os.ReadFile(filepath.Join(dir, keyringFile))
	if err != nil {
		return nil, fmt.Errorf("memory: read keyring: %w", err)
	}
	return openKeyring(mk, b)
}

// writeKeyring seals kr under mk and replaces <dir>/keyring atomically:
// a temporary file (0600) is written and fsynced, renamed over the keyring,
// and the directory is fsynced.
func writeKeyring(dir string, mk seal.MasterKey, kr *keyring) error {
	b, err := kr.seal(mk)
	if err != nil {
		return err
	}
	return writeFileAtomic(dir, keyringFile, b)
}

// writeFileAtomic replaces dir/name with b (mode 0600) so that a crash
// leaves either the old or the new content.
func writeFileAtomic(dir, name string, b []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("memory: write %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(b)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		return fmt.Errorf("memory: write %s: %w", name, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("memory: sync dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("memory: sync dir: %w", err)
	}
	return nil
}

// loadKeyring returns the directory's keyring, deciding whether mk is the
// right master key before anything is opened. fresh reports a new keyring
// that must be written before the database is created; legacy reports
// secrets derived for an older directory, to be written once Badger has
// accepted them.
func loadKeyring(dir string, mk seal.MasterKey) (kr *keyring, fresh, legacy bool, err error) {
	kr, err = readKeyring(dir, mk)
	switch {
	case err == nil:
		// The keyring is the authority; keep the fingerprint file in step
		// (it lags after a rekey interrupted before it was rewritten).
		if ferr := ensureFingerprint(dir, mk); ferr != nil {
			return nil, false, false, ferr
		}
		return kr, false, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, false, err
	}
	if err := checkFingerprint(dir, mk); err != nil {
		return nil, false, false, err
	}
	if _, serr := os.Stat(filepath.Join(dir, "db")); serr == nil {
		return derivedKeyring(mk), false, true, nil
	}
	kr, err = newKeyring()
	return kr, true, false, err
}

func ensureFingerprint(dir string, mk seal.MasterKey) error {
	want := mk.Fingerprint()
	b, err := os.ReadFile(filepath.Join(dir, "master.fingerprint"))
	if err == nil && string(b) == want {
		return nil
	}
	return writeFileAtomic(dir, "master.fingerprint", []byte(want))
}

// Pepper returns a copy of the API-key pepper from the keyring, for
// auth.NewManager. It is key material: never log it.
func (s *Store) Pepper() []byte { return bytes.Clone(s.ring.pepper) }

// openDir locks dir, loads (or creates) its keyring and opens Badger under
// the keyring's key. A wrong master key gives ErrWrongMasterKey before
// anything in dir is written.
func openDir(dir string, o Options) (*os.File, *keyring, *guardedDB, error) {
	lock, err := lockDir(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	kr, db, err := openLocked(dir, o, lock)
	if err != nil {
		return nil, nil, nil, err
	}
	return lock, kr, db, nil
}

// openLocked is openDir with the lock already held; it closes lock on
// failure.
func openLocked(dir string, o Options, lock *os.File) (kr *keyring, db *guardedDB, err error) {
	defer func() {
		if err != nil {
			lock.Close()
		}
	}()
	kr, fresh, legacy, err := loadKeyring(dir, o.MasterKey)
	if err != nil {
		return nil, nil, err
	}
	if fresh {
		// Written before the database exists: a crash in between leaves a
		// keyring and no database, which the next start simply reuses.
		if err := writeKeyring(dir, o.MasterKey, kr); err != nil {
			return nil, nil, err
		}
	}
	bdb, err := storage.OpenBadger(filepath.Join(dir, "db"), &storage.Options{
		EncryptionKey: kr.badger,
		SyncWrites:    o.SyncWrites,
		Logger:        o.Logger,
	})
	if err != nil {
		if errors.Is(err, storage.ErrWrongKey) {
			return nil, nil, ErrWrongMasterKey
		}
		return nil, nil, fmt.Errorf("memory: open storage: %w", err)
	}
	if legacy {
		if err := writeKeyring(dir, o.MasterKey, kr); err != nil {
			bdb.Close()
			return nil, nil, err
		}
		if err := ensureFingerprint(dir, o.MasterKey); err != nil {
			bdb.Close()
			return nil, nil, err
		}
	}
	return kr, &guardedDB{Badger: bdb, failWrites: o.failWrites}, nil
}
