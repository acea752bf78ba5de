package seal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func mustDEK(tb testing.TB, v uint32) DEK {
	tb.Helper()
	d, err := NewDEK(v)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustSealer(tb testing.TB, ns string, keys ...DEK) *Sealer {
	tb.Helper()
	s, err := NewSealer([]byte(ns), keys)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestParseMasterKeyHex(t *testing.T) {
	good := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"in=valid", good, true},
		{"in=upper", strings.ToUpper(good), true},
		{"in=newline", good + "\n", true},
		{"in=short", good[:63], false},
		{"in=long", good + "00", false},
		{"in=nonhex", "zz" + good[2:], false},
		{"in=empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseMasterKeyHex(tc.in)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("err = %v, want ErrMalformedKey", err)
			}
			if err != nil && strings.Contains(err.Error(), tc.in[min(len(tc.in), 2):]) && len(tc.in) > 4 {
				t.Fatalf("error %q echoes the input", err)
			}
			if tc.ok && m[0] != 0x01 {
				t.Fatalf("m[0] = %#x, want 0x01", m[0])
			}
		})
	}
}

func TestLoadOrCreateMasterKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	m1, created, err := LoadOrCreateMasterKey(path)
	if err != nil || !created {
		t.Fatalf("create: created=%v err=%v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	if err := CheckKeyFilePerm(path); err != nil {
		t.Fatalf("CheckKeyFilePerm: %v", err)
	}
	b, _ := os.ReadFile(path)
	if len(b) != 65 || b[64] != '\n' {
		t.Fatalf("file is %d bytes, want 64 hex + newline", len(b))
	}
	m2, created, err := LoadOrCreateMasterKey(path)
	if err != nil || created || m2 != m1 {
		t.Fatalf("load: created=%v err=%v same=%v", created, err, m2 == m1)
	}
	if m1 == (MasterKey{}) {
		t.Fatal("created key is all zero")
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckKeyFilePerm(path); !errors.Is(err, ErrKeyFilePerm) {
		t.Fatalf("CheckKeyFilePerm on 0644: %v, want ErrKeyFilePerm", err)
	}
	if _, _, err := LoadOrCreateMasterKey(path); err != nil {
		t.Fatalf("loading a 0644 file must work: %v", err)
	}

	bad := filepath.Join(t.TempDir(), "bad.key")
	if err := os.WriteFile(bad, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the key file", len(entries))
	}
	if _, _, err := LoadOrCreateMasterKey(bad); !errors.Is(err, ErrMalformedKey) {
		t.Fatalf("malformed file: err = %v, want ErrMalformedKey", err)
	}
	if got, _ := os.ReadFile(bad); string(got) != "not a key\n" {
		t.Fatal("malformed file was modified")
	}
}

func TestLoadOrCreateMasterKeyConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	const n = 8
	keys := make([]MasterKey, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdN := 0
	for i := range n {
		wg.Go(func() {
			k, created, err := LoadOrCreateMasterKey(path)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			keys[i] = k
			if created {
				createdN++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if createdN != 1 {
		t.Fatalf("%d callers created the key, want 1", createdN)
	}
	final, _, _ := LoadOrCreateMasterKey(path)
	for i, k := range keys {
		if k != final {
			t.Fatalf("caller %d got a different key", i)
		}
	}
}

func TestMasterDeriveAndFingerprint(t *testing.T) {
	var a, b MasterKey
	b[0] = 1
	if bytes.Equal(a.Derive("badger"), a.Derive("system")) {
		t.Fatal("purposes derive the same key")
	}
	if !bytes.Equal(a.Derive("badger"), a.Derive("badger")) || len(a.Derive("x")) != 32 {
		t.Fatal("Derive not deterministic or not 32 bytes")
	}
	if bytes.Equal(a.Derive("badger"), b.Derive("badger")) {
		t.Fatal("different masters derive the same key")
	}
	if a.Fingerprint() == b.Fingerprint() || len(a.Fingerprint()) != 16 {
		t.Fatalf("fingerprints %q %q", a.Fingerprint(), b.Fingerprint())
	}
	b = MasterKey(bytes.Repeat([]byte{0xAB}, 32))
	for _, f := range []string{"%v", "%s", "%x", "%#v", "%+v"} {
		if out := fmt.Sprintf(f, b); strings.Contains(strings.ToLower(out), "abab") {
			t.Fatalf("%s prints key material: %s", f, out)
		}
	}
	d := mustDEK(t, 7)
	if out := fmt.Sprintf("%v %+v %#v", d, d, d); strings.Contains(out, fmt.Sprintf("%x", d.key[:4])) {
		t.Fatalf("DEK formatting prints key material: %s", out)
	}
}

func TestWrapUnwrap(t *testing.T) {
	var m, other MasterKey
	m[0], other[0] = 1, 2
	d := mustDEK(t, 3)
	w, err := m.Wrap([]byte("ns1"), d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Unwrap([]byte("ns1"), w)
	if err != nil || got != d {
		t.Fatalf("Unwrap: %v, equal=%v", err, got == d)
	}
	flipped := bytes.Clone(w)
	flipped[len(flipped)-1] ^= 1
	versioned := bytes.Clone(w)
	versioned[4] ^= 1
	tests := []struct {
		name    string
		master  MasterKey
		ns      string
		wrapped []byte
	}{
		{"case=wrong_master", other, "ns1", w},
		{"case=other_namespace", m, "ns2", w},
		{"case=flipped_bit", m, "ns1", flipped},
		{"case=changed_version", m, "ns1", versioned},
		{"case=truncated", m, "ns1", w[:len(w)-1]},
		{"case=empty", m, "ns1", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.master.Unwrap([]byte(tc.ns), tc.wrapped); !errors.Is(err, ErrWrongKey) {
				t.Fatalf("err = %v, want ErrWrongKey", err)
			}
		})
	}
}

func TestSealRoundTrip(t *testing.T) {
	s := mustSealer(t, "ns1", mustDEK(t, 1))
	for _, size := range []int{0, 1, 1000, 1 << 16} {
		t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
			pt := bytes.Repeat([]byte{'x'}, size)
			sealed := s.Seal([]byte("row"), pt)
			if len(sealed) != size+Overhead {
				t.Fatalf("sealed %d bytes, want %d", len(sealed), size+Overhead)
			}
			if size > 16 && bytes.Contains(sealed, pt[:16]) {
				t.Fatal("plaintext visible in sealed value")
			}
			got, err := s.Open([]byte("row"), sealed)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("Open: %v", err)
			}
			if again := s.Seal([]byte("row"), pt); bytes.Equal(again, sealed) {
				t.Fatal("two seals are identical: nonce reused")
			}
		})
	}
}

func TestOpenFailures(t *testing.T) {
	d1 := mustDEK(t, 1)
	s := mustSealer(t, "ns1", d1)
	sealed := s.Seal([]byte("row1"), []byte("secret"))
	flip := func(i int) []byte { b := bytes.Clone(sealed); b[i] ^= 0x10; return b }
	unknown := bytes.Clone(sealed)
	unknown[3] = 9
	tests := []struct {
		name   string
		sealer *Sealer
		row    string
		value  []byte
		want   error
	}{
		{"case=other_row", s, "row2", sealed, ErrTampered},
		{"case=other_namespace_same_dek", mustSealer(t, "ns2", d1), "row1", sealed, ErrTampered},
		{"case=ns_row_split_moved", mustSealer(t, "ns", d1), "1row1", sealed, ErrTampered},
		{"case=other_dek", mustSealer(t, "ns1", mustDEK(t, 1)), "row1", sealed, ErrTampered},
		{"case=flip_nonce", s, "row1", flip(5), ErrTampered},
		{"case=flip_ciphertext", s, "row1", flip(versionLen + nonceLen), ErrTampered},
		{"case=flip_tag", s, "row1", flip(len(sealed) - 1), ErrTampered},
		{"case=truncated", s, "row1", sealed[:Overhead-1], ErrTampered},
		{"case=empty", s, "row1", nil, ErrTampered},
		{"case=unknown_version", s, "row1", unknown, ErrUnknownVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open([]byte(tc.row), tc.value)
			if !errors.Is(err, tc.want) || got != nil {
				t.Fatalf("Open = %q, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	d1, d2 := mustDEK(t, 1), mustDEK(t, 2)
	s1 := mustSealer(t, "ns1", d1)
	old := s1.Seal([]byte("row"), []byte("v1 value"))
	s2 := mustSealer(t, "ns1", d2, d1) // order does not matter
	if s2.Version() != 2 {
		t.Fatalf("Version = %d, want 2", s2.Version())
	}
	got, err := s2.Open([]byte("row"), old)
	if err != nil || string(got) != "v1 value" {
		t.Fatalf("open v1 value after rotation: %q, %v", got, err)
	}
	fresh := s2.Seal([]byte("row"), []byte("v2 value"))
	if _, err := s1.Open([]byte("row"), fresh); !errors.Is(err, ErrUnknownVersion) {
		t.Fatalf("old sealer on v2 value: %v, want ErrUnknownVersion", err)
	}
	if !bytes.Equal(s1.Hash("tag", []byte("x")), s2.Hash("tag", []byte("x"))) {
		t.Fatal("Hash changed with rotation")
	}
	if !bytes.Equal(s1.SubKey("text-index"), s2.SubKey("text-index")) {
		t.Fatal("SubKey changed with rotation")
	}
}

func TestNewSealerInvalid(t *testing.T) {
	d1, d2 := mustDEK(t, 1), mustDEK(t, 2)
	tests := []struct {
		name string
		keys []DEK
	}{
		{"keys=none", nil},
		{"keys=no_v1", []DEK{d2}},
		{"keys=duplicate", []DEK{d1, d1}},
		{"keys=zero", []DEK{d1, {}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewSealer([]byte("ns"), tc.keys); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := NewDEK(0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NewDEK(0): %v", err)
	}
	if _, err := DEKFromBytes(1, make([]byte, 31)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("DEKFromBytes short: %v", err)
	}
}

func TestHash(t *testing.T) {
	a := mustSealer(t, "ns1", mustDEK(t, 1))
	b := mustSealer(t, "ns2", mustDEK(t, 1))
	h := a.Hash("tag", []byte("work"))
	if len(h) != HashSize {
		t.Fatalf("len = %d", len(h))
	}
	if !bytes.Equal(h, a.Hash("tag", []byte("work"))) {
		t.Fatal("Hash not stable")
	}
	for name, other := range map[string][]byte{
		"namespace": b.Hash("tag", []byte("work")),
		"kind":      a.Hash("name", []byte("work")),
		"value":     a.Hash("tag", []byte("play")),
		"split":     a.Hash("ta", []byte("gwork")),
	} {
		if bytes.Equal(h, other) {
			t.Fatalf("Hash equal across different %s", name)
		}
	}
	if bytes.Equal(a.SubKey("text-index"), b.SubKey("text-index")) || bytes.Equal(a.SubKey("x"), a.SubKey("y")) {
		t.Fatal("SubKey not distinct")
	}
}

func TestSealerConcurrent(t *testing.T) {
	s := mustSealer(t, "ns1", mustDEK(t, 1), mustDEK(t, 2))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				row := fmt.Appendf(nil, "r%d-%d", g, i)
				out, err := s.Open(row, s.Seal(row, row))
				if err != nil || !bytes.Equal(out, row) {
					t.Errorf("round trip %s: %v", row, err)
					return
				}
				_ = s.Hash("k", row)
			}
		})
	}
	wg.Wait()
}

func BenchmarkSeal(b *testing.B) {
	s := mustSealer(b, "namespace-id", mustDEK(b, 1))
	pt := bytes.Repeat([]byte{'x'}, 1024)
	row := []byte("namespace-id/m/0123456789abcdef")
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Seal(row, pt)
	}
}

func BenchmarkOpen(b *testing.B) {
	s := mustSealer(b, "namespace-id", mustDEK(b, 1))
	row := []byte("namespace-id/m/0123456789abcdef")
	sealed := s.Seal(row, bytes.Repeat([]byte{'x'}, 1024))
	b.SetBytes(1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(row, sealed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	s := mustSealer(b, "namespace-id", mustDEK(b, 1))
	v := []byte("project-engram")
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Hash("tag", v)
	}
}
