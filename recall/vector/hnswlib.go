package vector

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

//go:embed hnswlib_bench.py
var hnswlibScript []byte

// runHnswlib writes the data to a temporary directory and runs the embedded
// script with cfg.Python, with the same M, efConstruction, ef and runs.
func runHnswlib(ctx context.Context, cfg ANNConfig, base, queries [][]float32, truth [][]uint64) ([]ANNRow, ANNInfo, error) {
	dir, err := os.MkdirTemp("", "engram-ann-")
	if err != nil {
		return nil, ANNInfo{}, err
	}
	defer os.RemoveAll(dir)
	path := func(name string) string { return filepath.Join(dir, name) }
	if err := writeF32(path("base.f32"), base); err != nil {
		return nil, ANNInfo{}, err
	}
	if err := writeF32(path("queries.f32"), queries); err != nil {
		return nil, ANNInfo{}, err
	}
	if err := writeTruth(path("truth.i64"), truth, cfg.K); err != nil {
		return nil, ANNInfo{}, err
	}
	space := map[Metric]string{Cosine: "cosine", Euclidean: "l2", Dot: "ip"}[cfg.Metric]
	params, _ := json.Marshal(map[string]any{
		"dim": len(base[0]), "k": cfg.K, "space": space, "m": cfg.M,
		"ef_construction": cfg.EfConstruction, "efs": cfg.Efs, "runs": cfg.Runs,
		"threads": runtime.GOMAXPROCS(0),
		"base":    path("base.f32"), "queries": path("queries.f32"), "truth": path("truth.i64"),
	})
	if err := os.WriteFile(path("params.json"), params, 0o600); err != nil {
		return nil, ANNInfo{}, err
	}
	if err := os.WriteFile(path("bench.py"), hnswlibScript, 0o600); err != nil {
		return nil, ANNInfo{}, err
	}
	cmd := exec.CommandContext(ctx, cfg.Python, path("bench.py"), path("params.json"))
	outb, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return nil, ANNInfo{}, fmt.Errorf("%s: %w: %s", cfg.Python, err, ee.Stderr)
		}
		return nil, ANNInfo{}, fmt.Errorf("%s: %w", cfg.Python, err)
	}
	var got struct {
		BuildSeconds   float64 `json:"build_seconds"`
		BytesPerVector float64 `json:"bytes_per_vector"`
		Rows           []struct {
			Ef      int       `json:"ef"`
			Recall  float64   `json:"recall"`
			QPSRuns []float64 `json:"qps_runs"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(outb, &got); err != nil {
		return nil, ANNInfo{}, fmt.Errorf("decode hnswlib output: %w", err)
	}
	rows := make([]ANNRow, len(got.Rows))
	for i, r := range got.Rows {
		rows[i] = ANNRow{Engine: "hnswlib", Ef: r.Ef, Recall: r.Recall, QPS: median(r.QPSRuns), QPSRuns: r.QPSRuns}
	}
	return rows, ANNInfo{Engine: "hnswlib", BuildSeconds: got.BuildSeconds, BytesPerVector: got.BytesPerVector}, nil
}

func writeF32(path string, vs [][]float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var b [4]byte
	for _, v := range vs {
		for _, x := range v {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
			w.Write(b[:])
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeTruth(path string, truth [][]uint64, k int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	var b [8]byte
	for _, ids := range truth {
		for i := range k {
			v := int64(-1)
			if i < len(ids) {
				v = int64(ids[i])
			}
			binary.LittleEndian.PutUint64(b[:], uint64(v))
			w.Write(b[:])
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// FlatFileLoader returns an ANNConfig.Load that reads a raw little-endian
// float32 file of dim-wide rows, shuffles the rows with seed, and returns
// the first nQueries as queries and the next nBase (zero: all the rest) as
// base vectors. The file is read once per call.
func FlatFileLoader(path string, dim, nBase, nQueries int, seed uint64) func(context.Context) ([][]float32, [][]float32, error) {
	return func(ctx context.Context) ([][]float32, [][]float32, error) {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		if dim <= 0 || len(raw)%(4*dim) != 0 {
			return nil, nil, fmt.Errorf("%w: %s is not a whole number of %d-float rows", ErrCorrupt, path, dim)
		}
		rows := len(raw) / (4 * dim)
		if nQueries >= rows {
			return nil, nil, fmt.Errorf("%w: %d queries from %d rows", ErrOptions, nQueries, rows)
		}
		if nBase <= 0 || nBase > rows-nQueries {
			nBase = rows - nQueries
		}
		perm := shuffled(rows, seed)
		row := func(i int) []float32 {
			v := make([]float32, dim)
			o := i * 4 * dim
			for j := range v {
				v[j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[o+4*j:]))
			}
			return v
		}
		queries := make([][]float32, nQueries)
		for i := range queries {
			queries[i] = row(perm[i])
		}
		base := make([][]float32, nBase)
		for i := range base {
			base[i] = row(perm[nQueries+i])
		}
		return base, queries, ctx.Err()
	}
}
