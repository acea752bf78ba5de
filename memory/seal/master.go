package seal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/hkdf"
)

// MasterKey is the root of Engram's key hierarchy. Keep it out of logs: its
// String method prints only the fingerprint.
type MasterKey [32]byte

// ParseMasterKeyHex parses 64 hex characters (surrounding white space is
// ignored).
func ParseMasterKeyHex(s string) (MasterKey, error) {
	s = strings.TrimSpace(s)
	var m MasterKey
	if len(s) != 2*len(m) {
		return MasterKey{}, fmt.Errorf("%w: %d characters, want 64 hex characters", ErrMalformedKey, len(s))
	}
	if _, err := hex.Decode(m[:], []byte(s)); err != nil {
		return MasterKey{}, fmt.Errorf("%w: not hexadecimal", ErrMalformedKey)
	}
	return m, nil
}

// LoadOrCreateMasterKey reads the master key from path, or, if path does not
// exist, creates it holding a new random key as 64 hex characters and a
// newline, and reports created. The file is written and fsynced under a
// temporary name (created O_EXCL, mode 0600) and then hard-linked to path,
// which fails if path exists: a concurrent starter either wins or reads the
// winner's complete file, never a partial one. An existing file with
// malformed content is an error; a too-open mode is not (check it with
// CheckKeyFilePerm and warn).
func LoadOrCreateMasterKey(path string) (key MasterKey, created bool, err error) {
	key, err = readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	if _, err := rand.Read(key[:]); err != nil {
		return MasterKey{}, false, fmt.Errorf("seal: generate master key: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".master.key.tmp-*")
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("seal: create master key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return MasterKey{}, false, fmt.Errorf("seal: chmod master key file: %w", err)
	}
	if err := writeKeyFile(tmp, key); err != nil {
		return MasterKey{}, false, err
	}
	err = os.Link(tmp.Name(), path)
	if errors.Is(err, fs.ErrExist) {
		key, err = readKeyFile(path)
		return key, false, err
	}
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("seal: link master key file: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return key, true, nil
}

func writeKeyFile(f *os.File, key MasterKey) error {
	buf := make([]byte, 0, 65)
	buf = hex.AppendEncode(buf, key[:])
	buf = append(buf, '\n')
	_, err := f.Write(buf)
	clear(buf)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("seal: write master key file: %w", err)
	}
	return nil
}

func readKeyFile(path string) (MasterKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return MasterKey{}, fmt.Errorf("seal: open master key file: %w", err)
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, 1024))
	defer clear(buf)
	if err != nil {
		return MasterKey{}, fmt.Errorf("seal: read master key file: %w", err)
	}
	m, err := ParseMasterKeyHex(string(buf))
	if err != nil {
		return MasterKey{}, fmt.Errorf("master key file %s: %w", path, err)
	}
	return m, nil
}

// CheckKeyFilePerm returns ErrKeyFilePerm if the key file at path can be
// read or written by group or others, so the caller can warn.
func CheckKeyFilePerm(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("seal: stat master key file: %w", err)
	}
	if fi.Mode().Perm()&0o066 != 0 {
		return fmt.Errorf("%w: %s has mode %v", ErrKeyFilePerm, path, fi.Mode().Perm())
	}
	return nil
}

// Derive returns the 32-byte key for purpose, HKDF-SHA256 of the master key
// with info "engram/master/"+purpose. Purposes in use: "badger",
// "api-key-pepper", "system", and internally "dek-wrap".
func (m MasterKey) Derive(purpose string) []byte {
	return derive(m[:], "engram/master/"+purpose)
}

// Fingerprint returns 16 hex characters of HMAC-SHA256(master,
// "engram/fingerprint"): safe to store and print, it tells whether the same
// master key is in use without revealing it.
func (m MasterKey) Fingerprint() string {
	h := hmac.New(sha256.New, m[:])
	h.Write([]byte("engram/fingerprint"))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// String prints the fingerprint only, so a key passed to a logger or
// formatter does not leak.
func (m MasterKey) String() string { return "MasterKey(" + m.Fingerprint() + ")" }

// GoString is String, for %#v.
func (m MasterKey) GoString() string { return m.String() }

// derive is HKDF-SHA256(secret, no salt, info) to 32 bytes.
func derive(secret []byte, info string) []byte {
	out := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, secret, nil, []byte(info)), out); err != nil {
		// HKDF-SHA256 can produce up to 8160 bytes; 32 cannot fail.
		panic("seal: hkdf: " + err.Error())
	}
	return out
}
