package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"slices"
	"sync"
)

// Sealed value layout: version(4, big-endian) | nonce(12, random) |
// AES-256-GCM ciphertext + tag(16), with additional data
// uvarint(len(nsID)) | nsID | rowKey. The length prefix keeps the split
// between namespace id and row key unambiguous.
const (
	versionLen = 4
	nonceLen   = 12
	tagLen     = 16
	// Overhead is how many bytes Seal adds to a plaintext.
	Overhead = versionLen + nonceLen + tagLen
	// HashSize is the length of Sealer.Hash's output.
	HashSize = 16
)

// Sealer seals and opens the values of one namespace. It is immutable and
// safe for concurrent use.
type Sealer struct {
	adPrefix []byte // uvarint(len(nsID)) | nsID
	current  uint32
	aeads    map[uint32]cipher.AEAD
	hashKey  []byte // HKDF(version-1 DEK, "engram/hash"), see doc.go
	rootKey  []byte // version-1 DEK, for SubKey
	hmacs    sync.Pool
}

// NewSealer builds the Sealer of namespace nsID from its DEKs (any order).
// The highest version seals; every version given opens. keys must include
// version 1 (Hash and SubKey derive from it) and have distinct versions.
func NewSealer(nsID []byte, keys []DEK) (*Sealer, error) {
	s := &Sealer{aeads: make(map[uint32]cipher.AEAD, len(keys))}
	s.adPrefix = binary.AppendUvarint(nil, uint64(len(nsID)))
	s.adPrefix = append(s.adPrefix, nsID...)
	for _, d := range keys {
		if d.version == 0 {
			return nil, fmt.Errorf("%w: DEK version 0", ErrInvalid)
		}
		if _, dup := s.aeads[d.version]; dup {
			return nil, fmt.Errorf("%w: duplicate DEK version %d", ErrInvalid, d.version)
		}
		block, err := aes.NewCipher(d.key[:])
		if err != nil {
			return nil, fmt.Errorf("seal: aes: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: gcm: %w", err)
		}
		s.aeads[d.version] = aead
		s.current = max(s.current, d.version)
		if d.version == 1 {
			s.rootKey = slices.Clone(d.key[:])
		}
	}
	if s.rootKey == nil {
		return nil, fmt.Errorf("%w: no version-1 DEK among %d keys", ErrInvalid, len(keys))
	}
	s.hashKey = derive(s.rootKey, "engram/hash")
	s.hmacs.New = func() any { return hmac.New(sha256.New, s.hashKey) }
	return s, nil
}

// Version is the DEK version new values are sealed under.
func (s *Sealer) Version() uint32 { return s.current }

func (s *Sealer) ad(rowKey []byte) []byte {
	ad := make([]byte, 0, len(s.adPrefix)+len(rowKey))
	return append(append(ad, s.adPrefix...), rowKey...)
}

// Seal encrypts plaintext for the row rowKey of this namespace under the
// current DEK. The result is len(plaintext)+Overhead bytes.
func (s *Sealer) Seal(rowKey, plaintext []byte) []byte {
	out := make([]byte, versionLen+nonceLen, versionLen+nonceLen+len(plaintext)+tagLen)
	binary.BigEndian.PutUint32(out, s.current)
	nonce := out[versionLen:]
	// crypto/rand.Read never returns an error (it aborts the program if the
	// system's source fails).
	_, _ = rand.Read(nonce)
	return s.aeads[s.current].Seal(out, nonce, plaintext, s.ad(rowKey))
}

// Open decrypts a value sealed by Seal for rowKey of this namespace. It
// returns ErrUnknownVersion if the value's DEK version is not known, and
// ErrTampered for every other failure.
func (s *Sealer) Open(rowKey, sealed []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, fmt.Errorf("%w: %d bytes", ErrTampered, len(sealed))
	}
	v := binary.BigEndian.Uint32(sealed)
	aead, ok := s.aeads[v]
	if !ok {
		return nil, fmt.Errorf("%w: version %d", ErrUnknownVersion, v)
	}
	nonce := sealed[versionLen : versionLen+nonceLen]
	out, err := aead.Open(nil, nonce, sealed[versionLen+nonceLen:], s.ad(rowKey))
	if err != nil {
		return nil, ErrTampered
	}
	return out, nil
}

// Hash returns a 16-byte keyed hash (HMAC-SHA256, truncated) of value in the
// domain kind, for putting names and tags into index keys without revealing
// them. The key derives from the version-1 DEK, so hashes are stable across
// DEK rotation and differ between namespaces.
func (s *Sealer) Hash(kind string, value []byte) []byte {
	h := s.hmacs.Get().(hash.Hash)
	h.Reset()
	var buf [sha256.Size]byte
	n := binary.PutUvarint(buf[:], uint64(len(kind)))
	h.Write(buf[:n])
	h.Write([]byte(kind))
	h.Write(value)
	sum := h.Sum(buf[:0])
	s.hmacs.Put(h)
	return bytes.Clone(sum[:HashSize])
}

// SubKey returns a 32-byte key for purpose (HKDF-SHA256 of the version-1
// DEK with info "engram/subkey/"+purpose), stable across DEK rotation. The
// Bleve text index uses SubKey("text-index").
func (s *Sealer) SubKey(purpose string) []byte {
	return derive(s.rootKey, "engram/subkey/"+purpose)
}
