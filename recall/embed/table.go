package embed

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// wordsBin is the word-vector table written by ./internal/gen. Layout, all
// integers little-endian:
//
//	magic "EGWV" | version u32 = 2 | n u32 | dim u32 | sourceVocab u32 | k u32
//	k common components: k × dim × f32 (orthonormal, strongest first)
//	n × (len u8, word bytes)             frequency order
//	n × (scale f32, rank u32, dim × i8)  value = scale × i8; rank 0 = most frequent
//
// Held as a string so rows are read in place, never copied.
//
//go:embed data/words.bin
var wordsBin string

const tableMagic = "EGWV"

// table is the decoded, immutable word table shared by every Static.
type table struct {
	dim    int
	vocab  int         // size of the source vocabulary, for Zipf p(w)
	common [][]float32 // orthonormal common components, strongest first
	index  map[string]int32
	scale  []float32
	rank   []uint32
	rows   string // n × stride bytes
	stride int
}

var (
	tableOnce sync.Once
	tableVal  *table
	tableErr  error
)

// loadTable decodes wordsBin once per process.
func loadTable() (*table, error) {
	tableOnce.Do(func() { tableVal, tableErr = parseTable(wordsBin) })
	return tableVal, tableErr
}

func parseTable(s string) (*table, error) {
	le := binary.LittleEndian
	if len(s) < 24 || s[:4] != tableMagic {
		return nil, fmt.Errorf("%w: bad header", ErrCorruptTable)
	}
	hdr := []byte(s[4:24])
	version, n, dim, vocab, k := le.Uint32(hdr), int(le.Uint32(hdr[4:])), int(le.Uint32(hdr[8:])), int(le.Uint32(hdr[12:])), int(le.Uint32(hdr[16:]))
	if version != 2 || dim <= 0 || dim > 4096 || n <= 0 || n > 10_000_000 || vocab < n || k > dim {
		return nil, fmt.Errorf("%w: version %d, %d words, dim %d, %d components", ErrCorruptTable, version, n, dim, k)
	}
	off := 24
	if len(s) < off+4*dim*k {
		return nil, fmt.Errorf("%w: truncated", ErrCorruptTable)
	}
	t := &table{dim: dim, vocab: vocab, index: make(map[string]int32, n),
		scale: make([]float32, n), rank: make([]uint32, n), stride: 8 + dim}
	for c := 0; c < k; c++ {
		u := make([]float32, dim)
		for i := range u {
			u[i] = math.Float32frombits(le.Uint32([]byte(s[off : off+4])))
			off += 4
		}
		t.common = append(t.common, u)
	}
	for i := 0; i < n; i++ {
		if off >= len(s) {
			return nil, fmt.Errorf("%w: truncated words", ErrCorruptTable)
		}
		l := int(s[off])
		if off+1+l > len(s) {
			return nil, fmt.Errorf("%w: truncated words", ErrCorruptTable)
		}
		t.index[s[off+1:off+1+l]] = int32(i)
		off += 1 + l
	}
	if len(s)-off != n*t.stride {
		return nil, fmt.Errorf("%w: %d row bytes, want %d", ErrCorruptTable, len(s)-off, n*t.stride)
	}
	t.rows = s[off:]
	for i := 0; i < n; i++ {
		r := i * t.stride
		t.scale[i] = math.Float32frombits(le.Uint32([]byte(t.rows[r : r+4])))
		t.rank[i] = le.Uint32([]byte(t.rows[r+4 : r+8]))
	}
	return t, nil
}

// addRow adds w × row i to dst (len dim).
func (t *table) addRow(dst []float32, i int32, w float32) {
	off := int(i)*t.stride + 8
	row := t.rows[off : off+t.dim]
	w *= t.scale[i]
	for j := range dst {
		dst[j] += w * float32(int8(row[j]))
	}
}

// rowNorm is the L2 norm of row i after dequantization.
func (t *table) rowNorm(i int32) float32 {
	off := int(i)*t.stride + 8
	row := t.rows[off : off+t.dim]
	var s float32
	for j := 0; j < t.dim; j++ {
		x := float32(int8(row[j]))
		s += x * x
	}
	return t.scale[i] * float32(math.Sqrt(float64(s)))
}
