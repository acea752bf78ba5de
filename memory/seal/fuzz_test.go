package seal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func FuzzParseMasterKeyHex(f *testing.F) {
	f.Add(strings.Repeat("ab", 32))
	f.Add(strings.Repeat("ab", 32) + "\n")
	f.Add("")
	f.Add(strings.Repeat("g", 64))
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMasterKeyHex(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("error %v is not ErrMalformedKey", err)
			}
			return
		}
		if got := hex.EncodeToString(m[:]); !strings.EqualFold(got, strings.TrimSpace(s)) {
			t.Fatalf("parsed %q as %s", s, got)
		}
	})
}

// FuzzOpen checks that Open never panics and never accepts a value that was
// not sealed for the row, whatever bytes it is given.
func FuzzOpen(f *testing.F) {
	d, err := DEKFromBytes(1, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	s, err := NewSealer([]byte("ns"), []DEK{d})
	if err != nil {
		f.Fatal(err)
	}
	good := s.Seal([]byte("row"), []byte("value"))
	f.Add([]byte("row"), good)
	f.Add([]byte("row"), good[:Overhead])
	f.Add([]byte(""), []byte{})
	f.Fuzz(func(t *testing.T, row, sealed []byte) {
		pt, err := s.Open(row, sealed)
		// Worker processes seal good afresh (new nonce), so compare what
		// opened, not the sealed bytes.
		if err == nil && !(bytes.Equal(row, []byte("row")) && bytes.Equal(pt, []byte("value"))) {
			t.Fatalf("opened a forged value: %q", pt)
		}
		if err != nil && !errors.Is(err, ErrTampered) && !errors.Is(err, ErrUnknownVersion) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}
