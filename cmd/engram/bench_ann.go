package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"

	"github.com/engramhq/engram/graph"
	"github.com/engramhq/engram/recall/embed"
	"github.com/engramhq/engram/recall/vector"
)

func runBenchANN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench ann", flag.ContinueOnError)
	fs.SetOutput(stderr)
	source := fs.String("source", "words", "vectors: words (the built-in embedder's word table), memories (synthetic memories through the built-in embedder) or file (--vectors)")
	words := fs.String("words", "recall/embed/data/words.bin", "the word table file, for --source words")
	vectors := fs.String("vectors", "", "raw little-endian float32 rows, for --source file")
	dim := fs.Int("dim", 100, "row width of --vectors")
	n := fs.Int("n", 20000, "base vectors")
	queries := fs.Int("queries", 500, "query vectors (disjoint from the base)")
	efs := fs.String("ef", "16,32,64,128,256", "search list sizes to measure")
	k := fs.Int("k", 10, "neighbours; recall is recall@k")
	m := fs.Int("m", 16, "HNSW M")
	efc := fs.Int("ef-construction", 200, "HNSW efConstruction")
	runs := fs.Int("runs", 3, "timed passes per figure (median)")
	hnswlib := fs.Bool("hnswlib", false, "also run hnswlib through --python on the same data")
	python := fs.String("python", "/usr/bin/python3", "interpreter with hnswlib and numpy")
	seed := fs.Uint64("seed", 42, "shuffle / generator seed")
	asJSON := fs.Bool("json", false, "print one JSON object instead of lines")
	verbose := fs.Bool("v", false, "log progress to stderr")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	efList, err := parseIntList(*efs)
	if err != nil || *n < 1 || *queries < 1 || *k < 1 {
		fmt.Fprintln(stderr, "engram bench ann: --n, --queries, --k must be >= 1; --ef a list of positive integers")
		return errUsage
	}
	cfg := vector.ANNConfig{K: *k, M: *m, EfConstruction: *efc, Efs: efList, Runs: *runs,
		Hnswlib: *hnswlib, Python: *python, JSON: *asJSON}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	switch *source {
	case "words":
		raw, err := os.ReadFile(*words)
		if err != nil {
			return fmt.Errorf("%w (run from the repository root or pass --words)", err)
		}
		rows, err := wordTableVectors(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", *words, err)
		}
		cfg.Base, cfg.Queries, err = splitRows(rows, *n, *queries, *seed)
		if err != nil {
			return err
		}
	case "memories":
		cfg.Base, cfg.Queries, err = memoryVectors(ctx, *n, *queries, *seed)
		if err != nil {
			return err
		}
	case "file":
		if *vectors == "" {
			return fmt.Errorf("--source file needs --vectors")
		}
		cfg.Load = vector.FlatFileLoader(*vectors, *dim, *n, *queries, *seed)
	default:
		return fmt.Errorf("--source %q: want words, memories or file", *source)
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "# ann source=%s\n", *source)
	}
	res, err := vector.BenchANN(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	if *asJSON {
		return nil
	}
	// The fastest ef reaching recall 0.95, else the one with the best recall.
	var best vector.ANNRow
	for _, r := range res.Rows {
		if r.Engine != "engram-hnsw" {
			continue
		}
		ok, bestOK := r.Recall >= 0.95, best.Recall >= 0.95
		if best.Engine == "" || ok && (!bestOK || r.QPS > best.QPS) || !ok && !bestOK && r.Recall > best.Recall {
			best = r
		}
	}
	_, err = fmt.Fprintf(stdout, "ann n=%d dim=%d engram-hnsw ef=%d recall@%d=%.4f queries/s=%.0f (fastest ef with recall >= 0.95, else best recall)\n",
		res.N, res.Dim, best.Ef, res.K, best.Recall, best.QPS)
	return err
}

// wordTableVectors decodes the built-in embedder's word table (layout on
// wordsBin in recall/embed/table.go: header, common components, words,
// then per word scale f32, rank u32 and dim int8 values) into float32 rows.
// recall/embed exports no accessor for its vectors, so the file is read.
func wordTableVectors(raw []byte) ([][]float32, error) {
	le := binary.LittleEndian
	if len(raw) < 24 || string(raw[:4]) != "EGWV" {
		return nil, fmt.Errorf("not a word table (bad magic)")
	}
	version, n, dim, k := le.Uint32(raw[4:]), int(le.Uint32(raw[8:])), int(le.Uint32(raw[12:])), int(le.Uint32(raw[20:]))
	if version != 2 || n <= 0 || dim <= 0 || dim > 4096 || k > dim {
		return nil, fmt.Errorf("unsupported word table: version %d, %d words, dim %d", version, n, dim)
	}
	off := 24 + 4*dim*k
	for i := 0; i < n; i++ {
		if off >= len(raw) {
			return nil, fmt.Errorf("word table truncated in the word list")
		}
		off += 1 + int(raw[off])
	}
	stride := 8 + dim
	if len(raw) < off+n*stride {
		return nil, fmt.Errorf("word table truncated in the rows")
	}
	rows := make([][]float32, n)
	for i := range rows {
		b := raw[off+i*stride:]
		scale := math.Float32frombits(le.Uint32(b))
		v := make([]float32, dim)
		for j := range v {
			v[j] = scale * float32(int8(b[8+j]))
		}
		rows[i] = v
	}
	return rows, nil
}

// splitRows shuffles rows with seed and returns nBase base rows and
// nQueries disjoint query rows.
func splitRows(rows [][]float32, nBase, nQueries int, seed uint64) (base, queries [][]float32, err error) {
	if nQueries >= len(rows) {
		return nil, nil, fmt.Errorf("%d queries from %d rows", nQueries, len(rows))
	}
	nBase = min(nBase, len(rows)-nQueries)
	perm := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d)).Perm(len(rows))
	for _, i := range perm[:nQueries] {
		queries = append(queries, rows[i])
	}
	for _, i := range perm[nQueries : nQueries+nBase] {
		base = append(base, rows[i])
	}
	return base, queries, nil
}

// memoryVectors embeds synthetic memories and questions with the built-in
// embedder: the vectors the engine indexes in practice.
func memoryVectors(ctx context.Context, nBase, nQueries int, seed uint64) (base, queries [][]float32, err error) {
	emb := embed.NewStatic()
	gen := newSynth(seed)
	embedAll := func(count int, next func() string) ([][]float32, error) {
		var out [][]float32
		for lo := 0; lo < count; lo += 1000 {
			texts := make([]string, 0, 1000)
			for i := lo; i < min(lo+1000, count); i++ {
				texts = append(texts, next())
			}
			vs, err := emb.Embed(ctx, texts)
			if err != nil {
				return nil, err
			}
			out = append(out, vs...)
		}
		return out, nil
	}
	if base, err = embedAll(nBase, gen.memory); err != nil {
		return nil, nil, err
	}
	queries, err = embedAll(nQueries, gen.query)
	return base, queries, err
}

// extractResult is `engram bench extract --json`.
type extractResult struct {
	Default graph.Report `json:"default"`
	Holdout graph.Report `json:"holdout"`
	Summary string       `json:"summary"`
}

func runBenchExtract(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of lines")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	res := extractResult{Default: graph.Evaluate(graph.DefaultCases()), Holdout: graph.Evaluate(graph.HoldoutCases())}
	res.Summary = fmt.Sprintf("extract F1 entities=%.3f relations=%.3f (dev, %d cases); holdout entities=%.3f relations=%.3f (%d cases)",
		res.Default.Entities.F1, res.Default.Relations.F1, res.Default.Cases,
		res.Holdout.Entities.F1, res.Holdout.Relations.F1, res.Holdout.Cases)
	if *asJSON {
		return writeJSON(stdout, res)
	}
	lw := &lineWriter{w: stdout}
	for _, set := range []struct {
		name string
		rep  graph.Report
	}{{"dev", res.Default}, {"holdout", res.Holdout}} {
		for _, l := range set.rep.Lines() {
			lw.printf("set=%s %s", set.name, l)
		}
	}
	lw.printf("%s", res.Summary)
	return lw.err
}
