package vector

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

//go:embed hnswlib_bench.py
var hnswlibScript []byte

// hnswlibProc is a running hnswlib_bench.py holding a built index.
type hnswlibProc struct {
	cmd    *exec.Cmd
	dir    string
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr bytes.Buffer
}

// startHnswlib writes the data to a temporary directory, starts the
// embedded script with cfg.Python and waits for its build to finish.
func startHnswlib(ctx context.Context, cfg ANNConfig, base, queries [][]float32, truth [][]uint64) (*hnswlibProc, ANNInfo, error) {
	dir, err := os.MkdirTemp("", "engram-ann-")
	if err != nil {
		return nil, ANNInfo{}, err
	}
	p := &hnswlibProc{dir: dir}
	path := func(name string) string { return filepath.Join(dir, name) }
	space := map[Metric]string{Cosine: "cosine", Euclidean: "l2", Dot: "ip"}[cfg.Metric]
	params, _ := json.Marshal(map[string]any{
		"dim": len(base[0]), "k": cfg.K, "space": space, "m": cfg.M,
		"ef_construction": cfg.EfConstruction, "threads": runtime.GOMAXPROCS(0),
		"base": path("base.f32"), "queries": path("queries.f32"), "truth": path("truth.i64"),
	})
	err = errors.Join(
		writeF32(path("base.f32"), base),
		writeF32(path("queries.f32"), queries),
		writeTruth(path("truth.i64"), truth, cfg.K),
		os.WriteFile(path("params.json"), params, 0o600),
		os.WriteFile(path("bench.py"), hnswlibScript, 0o600),
	)
	if err == nil {
		p.cmd = exec.CommandContext(ctx, cfg.Python, path("bench.py"), path("params.json"))
		p.cmd.Stderr = &p.stderr
		p.stdin, err = p.cmd.StdinPipe()
	}
	var out io.ReadCloser
	if err == nil {
		out, err = p.cmd.StdoutPipe()
	}
	if err == nil {
		p.stdout = bufio.NewReader(out)
		err = p.cmd.Start()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, ANNInfo{}, err
	}
	var built struct {
		BuildSeconds   float64 `json:"build_seconds"`
		BytesPerVector float64 `json:"bytes_per_vector"`
	}
	if err := p.read(&built); err != nil {
		p.close()
		return nil, ANNInfo{}, err
	}
	return p, ANNInfo{Engine: "hnswlib", BuildSeconds: built.BuildSeconds, BytesPerVector: built.BytesPerVector}, nil
}

func (p *hnswlibProc) read(v any) error {
	line, err := p.stdout.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read from hnswlib script: %w: %s", err, p.stderr.String())
	}
	return json.Unmarshal(line, v)
}

// pass runs one timed pass over the queries at ef.
func (p *hnswlibProc) pass(ef int) (qps, cpuQPS, recall float64, err error) {
	if _, err := fmt.Fprintf(p.stdin, "{\"ef\": %d}\n", ef); err != nil {
		return 0, 0, 0, fmt.Errorf("write to hnswlib script: %w", err)
	}
	var r struct {
		QPS    float64 `json:"qps"`
		CPUQPS float64 `json:"cpu_qps"`
		Recall float64 `json:"recall"`
	}
	err = p.read(&r)
	return r.QPS, r.CPUQPS, r.Recall, err
}

func (p *hnswlibProc) close() {
	p.stdin.Close()
	p.cmd.Wait()
	os.RemoveAll(p.dir)
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
