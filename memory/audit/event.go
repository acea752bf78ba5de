package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Event is one audited action. ID, Seq, Prev and Hash are assigned by
// Append.
type Event struct {
	ID             string
	Seq            uint64
	At             time.Time
	RequestID      string
	KeyID          string
	OrganizationID string
	Namespace      string
	Action         string
	Target         string
	Status         int
	// Prev is the previous event's Hash; Hash is SHA-256(Prev || canonical
	// encoding). Both are 32 bytes.
	Prev, Hash []byte
}

// MaxFieldLen bounds each string field of an event.
const MaxFieldLen = 1024

// eventID formats the public id of sequence number seq.
func eventID(seq uint64) string { return fmt.Sprintf("evt_%016x", seq) }

// normalize makes the strings of e valid UTF-8 (JSON would otherwise alter
// them after hashing) and checks their length.
func (e *Event) normalize() error {
	for _, f := range []*string{&e.RequestID, &e.KeyID, &e.OrganizationID, &e.Namespace, &e.Action, &e.Target} {
		if len(*f) > MaxFieldLen {
			return fmt.Errorf("%w: field longer than %d bytes", ErrInvalid, MaxFieldLen)
		}
		*f = strings.ToValidUTF8(*f, "\uFFFD")
	}
	return nil
}

// canonical is the byte encoding the hash covers: a version tag, seq and
// time as fixed 8-byte big-endian integers, the strings length-prefixed
// (uvarint) in declaration order, then the status.
func (e *Event) canonical() []byte {
	b := make([]byte, 0, 128)
	b = append(b, "engram-audit-v1\x00"...)
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixNano()))
	for _, s := range []string{e.ID, e.RequestID, e.KeyID, e.OrganizationID, e.Namespace, e.Action, e.Target} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return binary.BigEndian.AppendUint64(b, uint64(int64(e.Status)))
}

// chainHash returns SHA-256(prev || canonical(e)).
func (e *Event) chainHash(prev []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(e.canonical())
	return h.Sum(nil)
}

// record is the stored form of an event.
type record struct {
	Seq            uint64 `json:"seq"`
	ID             string `json:"id"`
	At             int64  `json:"at_ns"`
	RequestID      string `json:"request_id,omitempty"`
	KeyID          string `json:"key_id,omitempty"`
	OrganizationID string `json:"organization_id,omitempty"`
	Namespace      string `json:"namespace,omitempty"`
	Action         string `json:"action"`
	Target         string `json:"target,omitempty"`
	Status         int    `json:"status"`
	Prev           []byte `json:"prev"`
	Hash           []byte `json:"hash"`
}

func toRecord(e *Event) record {
	return record{Seq: e.Seq, ID: e.ID, At: e.At.UnixNano(), RequestID: e.RequestID, KeyID: e.KeyID,
		OrganizationID: e.OrganizationID, Namespace: e.Namespace, Action: e.Action, Target: e.Target,
		Status: e.Status, Prev: e.Prev, Hash: e.Hash}
}

func (r *record) event() Event {
	return Event{ID: r.ID, Seq: r.Seq, At: time.Unix(0, r.At).UTC(), RequestID: r.RequestID, KeyID: r.KeyID,
		OrganizationID: r.OrganizationID, Namespace: r.Namespace, Action: r.Action, Target: r.Target,
		Status: r.Status, Prev: r.Prev, Hash: r.Hash}
}
