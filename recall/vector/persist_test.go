package vector

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"testing"
)

func snapshotOf(tb testing.TB, ix *Index) []byte {
	tb.Helper()
	var buf bytes.Buffer
	n, err := ix.WriteTo(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	if n != int64(buf.Len()) {
		tb.Fatalf("WriteTo returned %d, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func TestSnapshotRoundTrip(t *testing.T) {
	for _, threshold := range []int{-1, 300} {
		t.Run(fmt.Sprintf("threshold=%d", threshold), func(t *testing.T) {
			rng, _ := newTestRand(t)
			const dim = 24
			ix, _ := New(Options{Dim: dim, Metric: Euclidean, HNSWThreshold: threshold, EfConstruction: 50})
			data := randVecs(rng, 1000, dim)
			for i, v := range data {
				if err := ix.Upsert(uint64(i)*3, v); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 1000; i += 17 {
				ix.Delete(uint64(i) * 3)
			}
			raw := snapshotOf(t, ix)
			back, err := Read(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if back.Len() != ix.Len() || (back.g == nil) != (ix.g == nil) || back.ndead != ix.ndead {
				t.Fatalf("restored len=%d graph=%v dead=%d, want len=%d graph=%v dead=%d",
					back.Len(), back.g != nil, back.ndead, ix.Len(), ix.g != nil, ix.ndead)
			}
			for _, q := range randVecs(rng, 20, dim) {
				a, _ := ix.Search(q, 10, nil)
				b, _ := back.Search(q, 10, nil)
				if !slices.Equal(a, b) {
					t.Fatalf("search differs after round trip:\n%v\n%v", a, b)
				}
			}
			if again := snapshotOf(t, back); !bytes.Equal(again, raw) {
				t.Fatalf("second snapshot differs from first")
			}
			// The restored index keeps working.
			if err := back.Upsert(1, data[0]); err != nil {
				t.Fatal(err)
			}
			if hits, _ := back.Search(data[0], 1, nil); hits[0].Score != 1 {
				t.Fatalf("after upsert on restored index: %+v", hits)
			}
		})
	}
}

func TestSnapshotCorrupt(t *testing.T) {
	rng, _ := newTestRand(t)
	ix, _ := New(Options{Dim: 8, HNSWThreshold: 50})
	for i, v := range randVecs(rng, 120, 8) {
		ix.Upsert(uint64(i), v)
	}
	raw := snapshotOf(t, ix)
	for _, n := range []int{0, 5, 8, 12, 40, len(raw) / 2, len(raw) - 4, len(raw) - 1} {
		if _, err := Read(bytes.NewReader(raw[:n])); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d: err = %v, want ErrCorrupt", n, err)
		}
	}
	for range 200 {
		b := slices.Clone(raw)
		b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		if _, err := Read(bytes.NewReader(b)); err == nil {
			t.Fatalf("flipped byte accepted")
		}
	}
}

func FuzzRead(f *testing.F) {
	ix, _ := New(Options{Dim: 4, HNSWThreshold: 20, M: 4})
	for i := range 40 {
		ix.Upsert(uint64(i), []float32{float32(i), 1, float32(i % 7), 2})
	}
	var buf bytes.Buffer
	ix.WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		got.Search([]float32{1, 2, 3, 4}, 5, nil)
	})
}

// TestSnapshotCorruptWithValidChecksum mutates bytes and fixes the checksum,
// so that field validation, not the CRC, must keep Read and Search from
// panicking.
func TestSnapshotCorruptWithValidChecksum(t *testing.T) {
	rng, _ := newTestRand(t)
	ix, _ := New(Options{Dim: 4, HNSWThreshold: 50, M: 4})
	for i, v := range randVecs(rng, 200, 4) {
		ix.Upsert(uint64(i), v)
	}
	for i := 0; i < 200; i += 9 {
		ix.Delete(uint64(i))
	}
	raw := snapshotOf(t, ix)
	rejected := 0
	for range 800 {
		b := slices.Clone(raw)
		for range 1 + rng.IntN(3) {
			b[rng.IntN(len(b)-4)] ^= byte(1 + rng.IntN(255))
		}
		body := b[:len(b)-4]
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(body, castagnoli))
		got, err := Read(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			rejected++
			continue
		}
		for _, q := range randVecs(rng, 3, 4) {
			got.Search(q, 5, nil)
			got.Search(q, 5, func(id uint64) bool { return id%2 == 0 })
		}
		got.Upsert(7, []float32{1, 2, 3, 4})
		got.Delete(8)
	}
	if rejected == 0 {
		t.Fatalf("no mutation was rejected")
	}
	t.Logf("rejected %d of 800 mutations", rejected)
}
