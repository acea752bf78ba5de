package text

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	index "github.com/blevesearch/bleve_index_api"
)

// Bleve's file hooks (index.WriterHook, index.ReaderHook) are process-wide
// variables. This package owns them: they are set in init, and dispatch on the file path Bleve
// passes as context to the key registered for the index directory that
// holds the file. Files outside any registered directory are left to Bleve's
// no-op behaviour, so other Bleve users in the process are unaffected.

const (
	// idPrefix starts every file writer id this package produces. The id is
	// stored in plaintext by Bleve (segment footer, root.bolt meta bucket,
	// index_meta.json trailer): it holds a key fingerprint and a random salt,
	// nothing derived from content.
	idPrefix = "eg1"

	keySize  = 32
	saltSize = 16
)

var (
	registryMu sync.RWMutex
	registry   = map[string]*dirKey{} // cleaned absolute Bleve dir → key
)

// dirKey is the key material of one open index directory.
type dirKey struct {
	key []byte // 32-byte namespace key; zeroed on unregister
	fp  string // hex fingerprint of key, see fingerprint

	// wrongKey is set when a file under this folder names another key, so
	// Open can report ErrWrongKey through Bleve's unwrapped errors.
	wrongKey atomic.Bool
}

func fingerprint(key []byte) string {
	return hex.EncodeToString(mac(key, "engram/recall/text key id")[:8])
}

// keyCheck is stored in the index folder so a wrong key is refused before
// Bleve reads anything.
func keyCheck(key []byte) []byte { return mac(key, "engram/recall/text key check v1") }

func mac(key []byte, label string, extra ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	for _, e := range extra {
		h.Write(e)
	}
	return h.Sum(nil)
}

// The hooks are set at package initialization, before any goroutine can
// read them, so setting them is race-free.
func init() {
	index.WriterHook = writerHook
	index.ReaderHook = readerHook
}

func register(dir string, key []byte) error {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, ok := registry[dir]; ok {
		return ErrBusy
	}
	registry[dir] = &dirKey{key: bytes.Clone(key), fp: fingerprint(key)}
	return nil
}

func unregister(dir string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if dk, ok := registry[dir]; ok {
		clear(dk.key)
		delete(registry, dir)
	}
}

// sawWrongKey reports whether a reader under dir refused the key.
func sawWrongKey(dir string) bool {
	registryMu.RLock()
	defer registryMu.RUnlock()
	dk, ok := registry[dir]
	return ok && dk.wrongKey.Load()
}

func registered(dir string) bool {
	registryMu.RLock()
	defer registryMu.RUnlock()
	_, ok := registry[dir]
	return ok
}

// lookup finds the key of the registered directory that holds path: the
// Bleve dir itself (index_meta.json) or its store/ folder (segments,
// root.bolt).
func lookup(context []byte) *dirKey {
	if len(context) == 0 {
		return nil
	}
	d := filepath.Dir(string(context))
	registryMu.RLock()
	defer registryMu.RUnlock()
	for range 2 {
		if dk, ok := registry[d]; ok {
			return dk
		}
		d = filepath.Dir(d)
	}
	return nil
}

// fileAEAD derives the AES-256-GCM cipher of one file from the namespace key
// and the file's random salt, so random 96-bit nonces are only ever drawn
// for the chunks of a single file.
func fileAEAD(key, salt []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(mac(key, "engram/recall/text file key", salt))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func writerHook(context []byte) (string, func([]byte) []byte, error) {
	dk := lookup(context)
	if dk == nil {
		return "", nil, nil
	}
	salt := make([]byte, saltSize)
	rand.Read(salt)
	aead, err := fileAEAD(dk.key, salt)
	if err != nil {
		return "", nil, err
	}
	id := idPrefix + ":" + dk.fp + ":" + hex.EncodeToString(salt)
	ad := []byte(id)
	seal := func(data []byte) []byte {
		out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(data)+aead.Overhead())
		rand.Read(out) // never fails: Go ≥ 1.24 crashes the program instead
		return aead.Seal(out, out, data, ad)
	}
	return id, seal, nil
}

func readerHook(id string, context []byte) (func([]byte) ([]byte, error), error) {
	dk := lookup(context)
	if dk == nil {
		if id != "" {
			return nil, fmt.Errorf("%w: encrypted file outside an open index", ErrCorrupt)
		}
		return nil, nil
	}
	parts := strings.Split(id, ":")
	if len(parts) != 3 || parts[0] != idPrefix {
		// Includes id "": a plaintext file inside an encrypted index.
		return nil, fmt.Errorf("%w: unknown file writer id", ErrCorrupt)
	}
	if !hmac.Equal([]byte(parts[1]), []byte(dk.fp)) {
		dk.wrongKey.Store(true)
		return nil, ErrWrongKey
	}
	salt, err := hex.DecodeString(parts[2])
	if err != nil || len(salt) != saltSize {
		return nil, fmt.Errorf("%w: bad file salt", ErrCorrupt)
	}
	aead, err := fileAEAD(dk.key, salt)
	if err != nil {
		return nil, err
	}
	ad := []byte(id)
	open := func(data []byte) ([]byte, error) {
		n := aead.NonceSize()
		if len(data) < n+aead.Overhead() {
			return nil, fmt.Errorf("%w: short chunk", ErrCorrupt)
		}
		out, err := aead.Open(nil, data[:n], data[n:], ad)
		if err != nil {
			return nil, fmt.Errorf("%w: chunk authentication failed", ErrCorrupt)
		}
		return out, nil
	}
	return open, nil
}
