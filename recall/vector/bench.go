package vector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"
)

// ANNConfig configures BenchANN. A zero field means its documented default.
type ANNConfig struct {
	// Base and Queries are the vectors to index and to search. When Base is
	// nil, Load supplies both.
	Base, Queries [][]float32
	Load          func(ctx context.Context) (base, queries [][]float32, err error)
	// Metric to index under. Zero means Cosine.
	Metric Metric
	// K is the number of neighbours; recall is recall@K. Zero means 10.
	K int
	// M and EfConstruction are the HNSW build parameters, for both engines.
	// Zero means 16 and 200.
	M, EfConstruction int
	// Efs are the search candidate list sizes to measure. Zero means
	// 16, 32, 64, 128, 256.
	Efs []int
	// Runs is how many timed passes over the queries each figure takes; the
	// median is reported. Zero means 3.
	Runs int
	// Hnswlib also runs hnswlib (python3-hnswlib) on the same data.
	Hnswlib bool
	// Python is the interpreter with hnswlib and numpy. Zero means
	// /usr/bin/python3.
	Python string
	// JSON writes the ANNResult as one JSON document instead of text lines.
	JSON bool
	// Logger receives progress; nil discards.
	Logger *slog.Logger
}

// ANNResult is what BenchANN measured.
type ANNResult struct {
	N              int       `json:"n"`
	Queries        int       `json:"queries"`
	Dim            int       `json:"dim"`
	K              int       `json:"k"`
	Metric         string    `json:"metric"`
	M              int       `json:"m"`
	EfConstruction int       `json:"ef_construction"`
	Threads        int       `json:"build_threads"`
	Rows           []ANNRow  `json:"rows"`
	Builds         []ANNInfo `json:"builds"`
}

// ANNRow is one engine at one ef: recall@K against exact ground truth and
// single-threaded queries per second (median over runs).
type ANNRow struct {
	Engine  string    `json:"engine"` // "exact", "engram-hnsw" or "hnswlib"
	Ef      int       `json:"ef,omitempty"`
	Recall  float64   `json:"recall"`
	QPS     float64   `json:"queries_per_s"`
	QPSRuns []float64 `json:"queries_per_s_runs"`
	// CPUQPS is queries per second of thread CPU time, which a loaded
	// machine disturbs less than wall time.
	CPUQPS     float64   `json:"queries_per_cpu_s"`
	CPUQPSRuns []float64 `json:"queries_per_cpu_s_runs"`
}

// ANNInfo is one engine's build: wall time with Threads goroutines and
// memory per stored vector (Go heap growth, or RSS growth for hnswlib).
type ANNInfo struct {
	Engine         string  `json:"engine"`
	BuildSeconds   float64 `json:"build_seconds"`
	BytesPerVector float64 `json:"bytes_per_vector"`
}

func (c ANNConfig) withDefaults() ANNConfig {
	if c.K == 0 {
		c.K = 10
	}
	if c.M == 0 {
		c.M = DefaultM
	}
	if c.EfConstruction == 0 {
		c.EfConstruction = DefaultEfConstruction
	}
	if len(c.Efs) == 0 {
		c.Efs = []int{16, 32, 64, 128, 256}
	}
	if c.Runs <= 0 {
		c.Runs = 3
	}
	if c.Python == "" {
		c.Python = "/usr/bin/python3"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// BenchANN indexes cfg's base vectors, computes exact ground truth, and
// measures recall@K and single-threaded queries/s for the exact scan and for
// HNSW at each ef (and for hnswlib when asked), writing one line per figure
// (or JSON) to out.
func BenchANN(ctx context.Context, cfg ANNConfig, out io.Writer) (ANNResult, error) {
	cfg = cfg.withDefaults()
	base, queries := cfg.Base, cfg.Queries
	if base == nil && cfg.Load != nil {
		var err error
		if base, queries, err = cfg.Load(ctx); err != nil {
			return ANNResult{}, fmt.Errorf("load vectors: %w", err)
		}
	}
	if len(base) == 0 || len(queries) == 0 {
		return ANNResult{}, fmt.Errorf("%w: no base vectors or no queries", ErrOptions)
	}
	dim := len(base[0])
	res := ANNResult{N: len(base), Queries: len(queries), Dim: dim, K: cfg.K, Metric: cfg.Metric.String(),
		M: cfg.M, EfConstruction: cfg.EfConstruction, Threads: runtime.GOMAXPROCS(0)}
	ids := make([]uint64, len(base))
	for i := range ids {
		ids[i] = uint64(i)
	}
	opts := Options{Dim: dim, Metric: cfg.Metric, M: cfg.M, EfConstruction: cfg.EfConstruction}

	// Exact: build, ground truth, timing.
	ex, info, err := buildMeasured(Options{Dim: dim, Metric: cfg.Metric, HNSWThreshold: -1}, ids, base, "exact")
	if err != nil {
		return res, err
	}
	res.Builds = append(res.Builds, info)
	prepared, err := prepareAll(ex, queries)
	if err != nil {
		return res, err
	}
	cfg.Logger.Info("ann ground truth", "n", len(base), "queries", len(queries))
	truth := make([][]uint64, len(prepared))
	for i, q := range prepared {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		truth[i] = hitIDs(ex.hits(ex.exact(q, cfg.K, nil)))
	}
	row, err := timeQueries(ctx, "exact", 0, prepared, truth, cfg, func(q []float32) []Hit {
		return ex.hits(ex.exactWorkers(q, cfg.K, nil, 1))
	})
	if err != nil {
		return res, err
	}
	res.Rows = append(res.Rows, row)
	ex = nil
	runtime.GC()

	// hnswlib builds first, in its own process, and then waits: its
	// passes interleave with ours so both see the same machine load.
	var lib *hnswlibProc
	if cfg.Hnswlib {
		cfg.Logger.Info("ann build hnswlib", "n", len(base))
		var info ANNInfo
		if lib, info, err = startHnswlib(ctx, cfg, base, queries, truth); err != nil {
			return res, fmt.Errorf("hnswlib: %w", err)
		}
		defer lib.close()
		res.Builds = append(res.Builds, info)
	}
	cfg.Logger.Info("ann build hnsw", "n", len(base))
	hn, info, err := buildMeasured(Options{Dim: dim, Metric: cfg.Metric, HNSWThreshold: 1, M: opts.M, EfConstruction: opts.EfConstruction}, ids, base, "engram-hnsw")
	if err != nil {
		return res, err
	}
	res.Builds = append(res.Builds, info)
	for _, ef := range cfg.Efs {
		ours := ANNRow{Engine: "engram-hnsw", Ef: ef}
		theirs := ANNRow{Engine: "hnswlib", Ef: ef}
		for r := range cfg.Runs {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			qps, cpuQPS, got := timedPass(prepared, func(q []float32) []Hit { return hn.search(q, cfg.K, ef, nil) })
			ours.QPSRuns, ours.CPUQPSRuns = append(ours.QPSRuns, qps), append(ours.CPUQPSRuns, cpuQPS)
			if r == 0 {
				ours.Recall = recallOf(truth, got)
			}
			if lib != nil {
				qps, cpuQPS, recall, err := lib.pass(ef)
				if err != nil {
					return res, fmt.Errorf("hnswlib: %w", err)
				}
				theirs.QPSRuns, theirs.CPUQPSRuns, theirs.Recall = append(theirs.QPSRuns, qps), append(theirs.CPUQPSRuns, cpuQPS), recall
			}
		}
		res.Rows = append(res.Rows, ours.finish(cfg.Logger))
		if lib != nil {
			res.Rows = append(res.Rows, theirs.finish(cfg.Logger))
		}
	}

	if cfg.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return res, enc.Encode(res)
	}
	return res, writeANNText(out, res)
}

func buildMeasured(o Options, ids []uint64, base [][]float32, engine string) (*Index, ANNInfo, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	ix, err := New(o)
	if err == nil {
		err = ix.UpsertBatch(ids, base)
	}
	if err != nil {
		return nil, ANNInfo{}, fmt.Errorf("build %s: %w", engine, err)
	}
	elapsed := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	return ix, ANNInfo{Engine: engine, BuildSeconds: elapsed.Seconds(), BytesPerVector: grown / float64(len(base))}, nil
}

func prepareAll(ix *Index, queries [][]float32) ([][]float32, error) {
	out := make([][]float32, len(queries))
	for i, q := range queries {
		p, err := ix.opts.Metric.prepare(q, ix.opts.Dim)
		if err != nil {
			return nil, fmt.Errorf("query %d: %w", i, err)
		}
		out[i] = p
	}
	return out, nil
}

func hitIDs(hs []Hit) []uint64 {
	out := make([]uint64, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}

// recallOf is the fraction of truth ids found in got, over all queries.
func recallOf(truth [][]uint64, got [][]uint64) float64 {
	found, total := 0, 0
	for i, want := range truth {
		for _, id := range got[i] {
			if slices.Contains(want, id) {
				found++
			}
		}
		total += len(want)
	}
	if total == 0 {
		return 0
	}
	return float64(found) / float64(total)
}

// timeQueries runs every query Runs times on one goroutine.
func timeQueries(ctx context.Context, engine string, ef int, qs [][]float32, truth [][]uint64, cfg ANNConfig, search func([]float32) []Hit) (ANNRow, error) {
	row := ANNRow{Engine: engine, Ef: ef}
	for r := range cfg.Runs {
		if err := ctx.Err(); err != nil {
			return row, err
		}
		qps, cpuQPS, got := timedPass(qs, search)
		row.QPSRuns, row.CPUQPSRuns = append(row.QPSRuns, qps), append(row.CPUQPSRuns, cpuQPS)
		if r == 0 {
			row.Recall = recallOf(truth, got)
		}
	}
	return row.finish(cfg.Logger), nil
}

// timedPass runs every query once on a goroutine locked to its thread and
// returns queries per wall second, per thread-CPU second, and the hits.
func timedPass(qs [][]float32, search func([]float32) []Hit) (qps, cpuQPS float64, got [][]uint64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	got = make([][]uint64, len(qs))
	start, cpu := time.Now(), threadCPU()
	for i, q := range qs {
		got[i] = hitIDs(search(q))
	}
	wall, used := time.Since(start), threadCPU()-cpu
	qps = float64(len(qs)) / wall.Seconds()
	if used > 0 {
		cpuQPS = float64(len(qs)) / used.Seconds()
	}
	return qps, cpuQPS, got
}

func (row ANNRow) finish(log *slog.Logger) ANNRow {
	row.QPS, row.CPUQPS = median(row.QPSRuns), median(row.CPUQPSRuns)
	log.Info("ann figure", "engine", row.Engine, "ef", row.Ef, "recall", row.Recall, "qps", row.QPS, "cpu_qps", row.CPUQPS)
	return row
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// writeANNText prints one line per figure, engines side by side per ef.
func writeANNText(w io.Writer, r ANNResult) error {
	var errs []error
	p := func(format string, a ...any) {
		_, err := fmt.Fprintf(w, format+"\n", a...)
		errs = append(errs, err)
	}
	p("ann n=%d queries=%d dim=%d k=%d metric=%s M=%d efConstruction=%d build_threads=%d",
		r.N, r.Queries, r.Dim, r.K, r.Metric, r.M, r.EfConstruction, r.Threads)
	for _, b := range r.Builds {
		p("build engine=%s seconds=%.2f bytes_per_vector=%.0f", b.Engine, b.BuildSeconds, b.BytesPerVector)
	}
	byKey := map[string]ANNRow{}
	for _, row := range r.Rows {
		byKey[fmt.Sprintf("%s/%d", row.Engine, row.Ef)] = row
	}
	if ex, ok := byKey["exact/0"]; ok {
		p("exact recall@%d=%.4f queries/s=%.1f queries/cpu-s=%.1f", r.K, ex.Recall, ex.QPS, ex.CPUQPS)
	}
	var efs []int
	for _, row := range r.Rows {
		if row.Engine == "engram-hnsw" {
			efs = append(efs, row.Ef)
		}
	}
	for _, ef := range efs {
		ours := byKey[fmt.Sprintf("engram-hnsw/%d", ef)]
		lib, hasLib := byKey[fmt.Sprintf("hnswlib/%d", ef)]
		if !hasLib {
			p("ef=%d recall@%d engram=%.4f", ef, r.K, ours.Recall)
			p("ef=%d queries/s engram=%.0f", ef, ours.QPS)
			p("ef=%d queries/cpu-s engram=%.0f", ef, ours.CPUQPS)
			continue
		}
		p("ef=%d recall@%d engram=%.4f hnswlib=%.4f", ef, r.K, ours.Recall, lib.Recall)
		p("ef=%d queries/s engram=%.0f hnswlib=%.0f ratio=%.2f", ef, ours.QPS, lib.QPS, ours.QPS/lib.QPS)
		p("ef=%d queries/cpu-s engram=%.0f hnswlib=%.0f ratio=%.2f", ef, ours.CPUQPS, lib.CPUQPS, ours.CPUQPS/lib.CPUQPS)
	}
	return errors.Join(errs...)
}

// shuffled returns a seeded permutation of [0, n).
func shuffled(n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 0xda3e39cb94b95bdb))
	return r.Perm(n)
}
