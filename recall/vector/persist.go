package vector

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// Snapshot layout (little endian), version 1:
//
//	"ENGRAMVX" u32 version
//	u32 dim, u8 metric, u32 M, u32 efConstruction, u32 efSearch,
//	i64 hnswThreshold, i64 seed, u64 slots
//	slots × u64 id, slots × f32[dim] vector
//	u8 hasGraph; if 1:
//	  slots × u8 dead, u8 hasEntry, u32 entry, u32 maxLevel,
//	  slots × u8 level, slots × u32[2M+1] layer 0,
//	  for each node with level > 0: u32[level·(M+1)] upper layers
//	u32 CRC-32C of everything before it
//
// Neighbour blocks are a count followed by that many slots, zero-padded.
const (
	snapshotMagic   = "ENGRAMVX"
	snapshotVersion = 1
	maxSnapshotDim  = 1 << 16
	chunkWords      = 1 << 14
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type encoder struct {
	w   *bufio.Writer
	crc hash.Hash32
	n   int64
	buf []byte
	err error
}

func (e *encoder) bytes(b []byte) {
	if e.err != nil {
		return
	}
	e.crc.Write(b)
	m, err := e.w.Write(b)
	e.n += int64(m)
	e.err = err
}

func (e *encoder) u8(v uint8) { e.bytes([]byte{v}) }
func (e *encoder) u32(v uint32) {
	e.bytes(binary.LittleEndian.AppendUint32(e.buf[:0], v))
}
func (e *encoder) u64(v uint64) {
	e.bytes(binary.LittleEndian.AppendUint64(e.buf[:0], v))
}

func (e *encoder) u32s(vs []uint32) {
	for len(vs) > 0 {
		n := min(len(vs), chunkWords)
		b := e.buf[:0]
		for _, v := range vs[:n] {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		e.bytes(b)
		e.buf = b
		vs = vs[n:]
	}
}

func (e *encoder) f32s(vs []float32) {
	for len(vs) > 0 {
		n := min(len(vs), chunkWords)
		b := e.buf[:0]
		for _, v := range vs[:n] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		e.bytes(b)
		e.buf = b
		vs = vs[n:]
	}
}

// WriteTo writes a snapshot of the index, including the HNSW graph, to w.
// It holds the read lock while writing. The bytes are not sealed.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	e := &encoder{w: bufio.NewWriterSize(w, 1<<16), crc: crc32.New(castagnoli), buf: make([]byte, 0, 4*chunkWords)}
	o := ix.opts
	e.bytes([]byte(snapshotMagic))
	e.u32(snapshotVersion)
	e.u32(uint32(o.Dim))
	e.u8(uint8(o.Metric))
	e.u32(uint32(o.M))
	e.u32(uint32(o.EfConstruction))
	e.u32(uint32(o.EfSearch))
	e.u64(uint64(int64(o.HNSWThreshold)))
	e.u64(uint64(o.Seed))
	e.u64(uint64(len(ix.ids)))
	for _, id := range ix.ids {
		e.u64(id)
	}
	e.f32s(ix.vecs)
	if g := ix.g; g == nil {
		e.u8(0)
	} else {
		e.u8(1)
		for _, d := range ix.dead {
			e.u8(b2u(d))
		}
		e.u8(b2u(g.hasEntry))
		e.u32(g.entry)
		e.u32(uint32(g.maxLevel))
		e.bytes(g.levels)
		e.u32s(g.l0)
		for _, up := range g.upper {
			e.u32s(up)
		}
	}
	if e.err == nil {
		sum := e.crc.Sum32()
		e.u32(sum)
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	return e.n, e.err
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

type decoder struct {
	r   io.Reader
	crc hash.Hash32
	buf []byte
	err error
}

func (d *decoder) fill(n int) []byte {
	if d.err != nil {
		return nil
	}
	if cap(d.buf) < n {
		d.buf = make([]byte, n)
	}
	b := d.buf[:n]
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		return nil
	}
	d.crc.Write(b)
	return b
}

func (d *decoder) u8() uint8 {
	if b := d.fill(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.fill(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.fill(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// u32s reads n words in chunks, so a corrupt count fails at end of input
// instead of allocating up front.
func (d *decoder) u32s(n uint64) []uint32 {
	out := make([]uint32, 0, min(n, 1<<22))
	for n > 0 && d.err == nil {
		c := min(n, chunkWords)
		if b := d.fill(int(c) * 4); b != nil {
			for i := range int(c) {
				out = append(out, binary.LittleEndian.Uint32(b[4*i:]))
			}
		}
		n -= c
	}
	return out
}

func (d *decoder) raw(n uint64) []byte {
	out := make([]byte, 0, min(n, 1<<24))
	for n > 0 && d.err == nil {
		c := min(n, 4*chunkWords)
		out = append(out, d.fill(int(c))...)
		n -= c
	}
	return out
}

func corrupt(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, a...)...)
}

// Read decodes a snapshot written by WriteTo, validating every field and
// link, so that bytes from disk never make the index panic.
func Read(r io.Reader) (*Index, error) {
	d := &decoder{r: bufio.NewReaderSize(r, 1<<16), crc: crc32.New(castagnoli)}
	if m := d.fill(len(snapshotMagic)); d.err == nil && string(m) != snapshotMagic {
		return nil, corrupt("bad magic")
	}
	if v := d.u32(); d.err == nil && v != snapshotVersion {
		return nil, corrupt("unsupported version %d", v)
	}
	var o Options
	o.Dim = int(d.u32())
	o.Metric = Metric(d.u8())
	o.M = int(d.u32())
	o.EfConstruction = int(d.u32())
	o.EfSearch = int(d.u32())
	o.HNSWThreshold = int(int64(d.u64()))
	o.Seed = int64(d.u64())
	n := d.u64()
	if d.err != nil {
		return nil, d.err
	}
	if o.Dim > maxSnapshotDim || o.EfConstruction > 1<<20 || o.EfSearch > 1<<20 || n > maxSlots {
		return nil, corrupt("implausible header")
	}
	o2, err := o.withDefaults()
	if err != nil || o2 != o {
		return nil, corrupt("invalid options: %v", err)
	}
	ix, _ := New(o)
	ids := d.raw(n * 8)
	words := d.u32s(n * uint64(o.Dim))
	if d.err != nil {
		return nil, d.err
	}
	ix.ids = make([]uint64, n)
	for i := range ix.ids {
		ix.ids[i] = binary.LittleEndian.Uint64(ids[8*i:])
	}
	ix.vecs = make([]float32, len(words))
	for i, w := range words {
		f := math.Float32frombits(w)
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return nil, corrupt("non-finite vector value")
		}
		ix.vecs[i] = f
	}
	hasGraph := d.u8()
	if hasGraph > 1 {
		return nil, corrupt("bad graph flag")
	}
	if hasGraph == 1 {
		if err := ix.readGraph(d, int(n)); err != nil {
			return nil, err
		}
	}
	for s, id := range ix.ids {
		if ix.dead != nil && ix.dead[s] {
			ix.ndead++
			continue
		}
		if _, dup := ix.slots[id]; dup {
			return nil, corrupt("duplicate id")
		}
		ix.slots[id] = uint32(s)
	}
	want := d.crc.Sum32()
	if got := d.u32(); d.err != nil || got != want {
		return nil, errors.Join(d.err, corrupt("checksum mismatch"))
	}
	return ix, nil
}

func (ix *Index) readGraph(d *decoder, n int) error {
	g := newGraph(ix.opts)
	dead := d.raw(uint64(n))
	hasEntry := d.u8()
	g.entry = d.u32()
	maxLevel := d.u32()
	levels := d.raw(uint64(n))
	g.l0 = d.u32s(uint64(n) * uint64(g.m0+1))
	if d.err != nil {
		return d.err
	}
	if hasEntry > 1 || maxLevel > maxGraphLevel || (hasEntry == 1 && (int(g.entry) >= n || uint32(levels[g.entry]) != maxLevel)) {
		return corrupt("bad entry point")
	}
	if n > 0 && hasEntry == 0 {
		return corrupt("graph without entry point")
	}
	g.hasEntry, g.maxLevel, g.levels = hasEntry == 1, int(maxLevel), levels
	ix.dead = make([]bool, n)
	for s, b := range dead {
		if b > 1 {
			return corrupt("bad tombstone flag")
		}
		ix.dead[s] = b == 1
	}
	g.upper = make([][]uint32, n)
	for s, l := range levels {
		if uint32(l) > maxLevel {
			return corrupt("node above top layer")
		}
		if l > 0 {
			g.upper[s] = d.u32s(uint64(l) * uint64(g.m+1))
		}
	}
	if d.err != nil {
		return d.err
	}
	for s := range n {
		for l := 0; l <= int(levels[s]); l++ {
			blk := g.list(uint32(s), l)
			if int(blk[0]) > len(blk)-1 {
				return corrupt("neighbour count too large")
			}
			for _, nb := range blk[1 : 1+blk[0]] {
				if int(nb) >= n || int(levels[nb]) < l {
					return corrupt("bad neighbour link")
				}
			}
		}
	}
	ix.g = g
	return nil
}
