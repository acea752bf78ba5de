package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// DEK is one version of a namespace's data key: 32 random bytes and a
// version (>= 1). It is stored only wrapped by the master key (Wrap). Its
// String method never prints the key.
type DEK struct {
	key     [32]byte
	version uint32
}

// NewDEK returns a new random data key with version (>= 1).
func NewDEK(version uint32) (DEK, error) {
	if version == 0 {
		return DEK{}, fmt.Errorf("%w: DEK version 0", ErrInvalid)
	}
	d := DEK{version: version}
	if _, err := rand.Read(d.key[:]); err != nil {
		return DEK{}, fmt.Errorf("seal: generate DEK: %w", err)
	}
	return d, nil
}

// DEKFromBytes makes a DEK from existing key material, such as
// MasterKey.Derive("system") for the system sealer. key must be 32 bytes.
func DEKFromBytes(version uint32, key []byte) (DEK, error) {
	if version == 0 || len(key) != 32 {
		return DEK{}, fmt.Errorf("%w: DEK version %d with %d key bytes", ErrInvalid, version, len(key))
	}
	d := DEK{version: version}
	copy(d.key[:], key)
	return d, nil
}

// Version is the DEK's version.
func (d DEK) Version() uint32 { return d.version }

// String prints the version only.
func (d DEK) String() string { return fmt.Sprintf("DEK(v%d)", d.version) }

// GoString is String, for %#v.
func (d DEK) GoString() string { return d.String() }

// Wrapped DEK layout: format(1) = 1 | version(4, big-endian) | nonce(12) |
// AES-256-GCM(key) + tag(16), under MasterKey.Derive("dek-wrap"), with
// additional data "engram/dek" | format | version | nsID.
const (
	wrapFormat = 1
	wrapHeader = 1 + 4 + 12
	wrappedLen = wrapHeader + 32 + 16
)

func (m MasterKey) wrapAEAD() cipher.AEAD {
	k := m.Derive("dek-wrap")
	defer clear(k)
	block, err := aes.NewCipher(k)
	if err != nil {
		panic("seal: aes: " + err.Error()) // 32-byte key cannot fail
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("seal: gcm: " + err.Error())
	}
	return aead
}

func wrapAD(nsID []byte, header []byte) []byte {
	ad := make([]byte, 0, len("engram/dek")+5+len(nsID))
	ad = append(ad, "engram/dek"...)
	ad = append(ad, header[:5]...)
	return append(ad, nsID...)
}

// Wrap encrypts d for storage, bound to namespace nsID.
func (m MasterKey) Wrap(nsID []byte, d DEK) ([]byte, error) {
	if d.version == 0 {
		return nil, fmt.Errorf("%w: wrap a zero DEK", ErrInvalid)
	}
	out := make([]byte, wrapHeader, wrappedLen)
	out[0] = wrapFormat
	binary.BigEndian.PutUint32(out[1:5], d.version)
	if _, err := rand.Read(out[5:wrapHeader]); err != nil {
		return nil, fmt.Errorf("seal: wrap nonce: %w", err)
	}
	return m.wrapAEAD().Seal(out, out[5:wrapHeader], d.key[:], wrapAD(nsID, out)), nil
}

// Unwrap decrypts a DEK wrapped by Wrap for nsID. A wrong master key, a
// wrapped key of another namespace or an altered one gives ErrWrongKey.
func (m MasterKey) Unwrap(nsID []byte, wrapped []byte) (DEK, error) {
	if len(wrapped) != wrappedLen || wrapped[0] != wrapFormat {
		return DEK{}, fmt.Errorf("%w: wrapped DEK of %d bytes or unknown format", ErrWrongKey, len(wrapped))
	}
	key, err := m.wrapAEAD().Open(nil, wrapped[5:wrapHeader], wrapped[wrapHeader:], wrapAD(nsID, wrapped))
	if err != nil {
		return DEK{}, ErrWrongKey
	}
	defer clear(key)
	d := DEK{version: binary.BigEndian.Uint32(wrapped[1:5])}
	if d.version == 0 {
		return DEK{}, fmt.Errorf("%w: wrapped DEK version 0", ErrWrongKey)
	}
	copy(d.key[:], key)
	return d, nil
}
