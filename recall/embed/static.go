package embed

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/zeebo/xxh3"
)

// staticConfig holds the settings of the built-in embedder. NewStatic uses
// defaultStatic; the evaluation compares variants (export_test.go).
type staticConfig struct {
	ngramDim    int     // buckets for hashed character n-grams (0 = none)
	wordWeight  float32 // weight of the unit word-vector part (0 = none)
	ngramWeight float32 // weight of the unit n-gram part
	sifA        float64 // SIF smoothing a in a/(a+p(w))
	removePCs   int     // common components removed from the word part
	unitWords   bool    // normalize each word vector before weighting
	minN, maxN  int     // character n-gram lengths, on "<word>"
	wholeWord   bool    // also hash the whole word as a feature
	sifNgrams   bool    // weight a word's n-grams by its SIF weight
	maxWords    int     // use only the first maxWords table words (0 = all)
}

// defaultStatic is the configuration chosen by measurement (see doc.go).
var defaultStatic = staticConfig{
	ngramDim: 284, wordWeight: 1, ngramWeight: 0.7, sifA: 1e-3,
	removePCs: 4, unitWords: false, minN: 3, maxN: 5, wholeWord: true, sifNgrams: false,
}

// Static is the built-in offline embedder: a SIF-weighted mean of quantized
// GloVe word vectors concatenated with signed feature-hashed character
// n-grams, L2-normalized. It is deterministic, pure Go and safe for
// concurrent use; the word table is decoded once per process on first use.
type Static struct {
	cfg staticConfig
	id  string
}

// NewStatic returns the built-in embedder. It does no work until the first
// call to Embed.
func NewStatic() *Static { return newStatic(defaultStatic) }

func newStatic(cfg staticConfig) *Static {
	s := &Static{cfg: cfg}
	s.id = fmt.Sprintf("engram-static-v1-%d", s.Dimension())
	return s
}

// ID identifies the model and its dimension, e.g. "engram-static-v1-384".
func (s *Static) ID() string { return s.id }

// Dimension is 100 word-vector components plus the n-gram buckets.
func (s *Static) Dimension() int { return s.wordDim() + s.cfg.ngramDim }

func (s *Static) wordDim() int {
	if s.cfg.wordWeight == 0 {
		return 0
	}
	return 100
}

// Embed returns one unit vector per text. A text that is empty or only
// whitespace is rejected with ErrEmptyText; a text without any letter or
// digit is embedded from its characters, so no text maps to a zero vector.
func (s *Static) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	t, err := loadTable()
	if err != nil {
		return nil, err
	}
	if t.dim != 100 {
		return nil, fmt.Errorf("%w: dim %d", ErrCorruptTable, t.dim)
	}
	for i, text := range texts {
		if strings.TrimSpace(text) == "" {
			return nil, fmt.Errorf("text %d: %w", i, ErrEmptyText)
		}
	}
	dim := s.Dimension()
	flat := make([]float32, dim*len(texts))
	out := make([][]float32, len(texts))
	var sc scratch
	for i, text := range texts {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = flat[i*dim : (i+1)*dim : (i+1)*dim]
		s.embedOne(t, &sc, text, out[i])
	}
	return out, nil
}

// scratch is reused across the texts of one Embed call.
type scratch struct {
	toks []string
	buf  []byte
}

func (s *Static) embedOne(t *table, sc *scratch, text string, dst []float32) {
	sc.toks = tokenize(sc.toks[:0], text)
	wd := s.wordDim()
	words, grams := dst[:wd], dst[wd:]
	h := math.Log(float64(t.vocab)) + 0.5772
	for _, tok := range sc.toks {
		weight := float32(1)
		if i, ok := t.index[tok]; ok && (s.cfg.maxWords == 0 || int(i) < s.cfg.maxWords) {
			p := 1 / (float64(t.rank[i]+1) * h)
			weight = float32(s.cfg.sifA / (s.cfg.sifA + p))
			if wd > 0 {
				w := weight
				if s.cfg.unitWords {
					if n := t.rowNorm(i); n > 0 {
						w /= n
					}
				}
				t.addRow(words, i, w)
			}
		}
		if len(grams) > 0 {
			gw := float32(1)
			if s.cfg.sifNgrams {
				gw = weight
			}
			s.addGrams(sc, grams, tok, gw)
		}
	}
	if len(sc.toks) == 0 && len(grams) > 0 {
		// Punctuation or symbols only: hash the characters themselves.
		s.addGrams(sc, grams, strings.TrimSpace(text), 1)
	}
	if wd > 0 {
		for _, u := range t.common[:min(s.cfg.removePCs, len(t.common))] {
			var d float32
			for j, x := range u {
				d += words[j] * x
			}
			for j, x := range u {
				words[j] -= d * x
			}
		}
	}
	scaleUnit(words, s.cfg.wordWeight)
	scaleUnit(grams, s.cfg.ngramWeight)
	scaleUnit(dst, 1)
	if norm(dst) == 0 {
		// Only reachable with no n-grams and no known word: a fixed unit
		// vector keeps the contract (unit length, never NaN).
		dst[0] = 1
	}
}

// addGrams adds the signed hashed character n-grams of "<tok>" to grams.
func (s *Static) addGrams(sc *scratch, grams []float32, tok string, w float32) {
	sc.buf = append(append(append(sc.buf[:0], '<'), tok...), '>')
	b := sc.buf
	n := uint64(len(grams))
	add := func(h uint64) {
		if h>>63 == 0 {
			grams[(h&(1<<62-1))%n] += w
		} else {
			grams[(h&(1<<62-1))%n] -= w
		}
	}
	for k := s.cfg.minN; k <= s.cfg.maxN; k++ {
		for i := 0; i+k <= len(b); i++ {
			add(xxh3.Hash(b[i : i+k]))
		}
	}
	if s.cfg.wholeWord {
		add(xxh3.HashSeed(b, 0x9e3779b97f4a7c15))
	}
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// scaleUnit scales v to length w; a zero vector stays zero.
func scaleUnit(v []float32, w float32) {
	n := norm(v)
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		clear(v)
		return
	}
	f := float64(w) / n
	for i := range v {
		v[i] = float32(float64(v[i]) * f)
	}
}
