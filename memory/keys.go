package memory

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
)

// Key layout of the shared database. A namespace is a contiguous keyspace
// that starts with its 8-byte internal id (whose first byte is never 0x00);
// system rows start with 0x00 followed by a kind byte. No user content ever
// appears in a key: names and client-chosen ids are keyed hashes.
//
//	0x00 'N' nsID             namespace record (sealed with the system key)
//	0x00 'n' hash(org, name)  nsID: name index
//	0x00 'M' hash(memory id)  nsID | memKey: server-wide memory id index
//	0x00 'S' hash(session id) nsID | sessKey: server-wide session id index
//	0x00 'F' name             server metadata (master key fingerprint)
//	nsID 'm' memKey           memory record (sealed)
//	nsID 'v' memKey           memory vector (sealed)
//	nsID 's' sessKey          session (sealed)
//	nsID 'e' entKey           knowledge-graph entity (sealed; graph.go)
//	nsID 'r' relKey           knowledge-graph relation (sealed; graph.go)
//	nsID 'l' linkKey          explicit memory link (sealed; graph.go)
//	nsID 'd' hash(doc id)     namespace document (sealed; docs.go)
//	nsID 00 FF 'c' seq        change log (memory/storage; memories "put"/"del",
//	                          documents "dput"/"ddel")
//
// memory/auth owns 0x00 'K', 'k', 'O', 'U'; memory/audit owns 0x00 'A'.
const (
	kindMemory  = 'm'
	kindVector  = 'v'
	kindSession = 's'
)

type nsID [8]byte

func (id nsID) hex() string { return hex.EncodeToString(id[:]) }

func newNSID() nsID {
	var id nsID
	for id[0] == 0 {
		rand.Read(id[:])
	}
	return id
}

func sysKey(kind byte, rest ...[]byte) []byte {
	k := []byte{0x00, kind}
	for _, r := range rest {
		k = append(k, r...)
	}
	return k
}

func rowKey(ns nsID, kind byte, k uint64) []byte {
	b := make([]byte, 0, 17)
	b = append(b, ns[:]...)
	b = append(b, kind)
	return binary.BigEndian.AppendUint64(b, k)
}

func rowPrefix(ns nsID, kind byte) []byte {
	b := make([]byte, 0, 9)
	b = append(b, ns[:]...)
	return append(b, kind)
}

func randomUint64() uint64 {
	var b [8]byte
	for {
		rand.Read(b[:])
		if v := binary.BigEndian.Uint64(b[:]); v != 0 {
			return v
		}
	}
}

// newPublicID returns prefix + 24 random hex characters.
func newPublicID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
