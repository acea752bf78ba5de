package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/seal"
)

// benchCommands are the `engram bench` subcommands. Each prints one line
// per figure and a final summary line, or one JSON object with --json.
func benchCommands() []command {
	return []command{
		{"locomo", "evidence recall@k on LoCoMo conversations (bm25, vector, hybrid)", runBenchLocomo},
		{"recall", "recall latency and queries/s over HTTP on N synthetic memories", runBenchRecall},
		{"ingest", "memories/s through the batch store over HTTP", runBenchIngest},
		{"ann", "HNSW recall and queries/s against exact search (and hnswlib)", runBenchANN},
		{"extract", "entity and relation precision/recall/F1 of graph extraction", runBenchExtract},
		{"tenants", "RSS and cold-open latency with N namespaces in one store (bounded open engines)", runBenchTenants},
		{"traverse", "entity-graph traversal latency (p50/p95/p99) on a power-law graph of N entities", runBenchTraverse},
	}
}

// runBench dispatches `engram bench <name>`.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stdout
		if len(args) == 0 {
			w = stderr
		}
		fmt.Fprintln(w, "Usage: engram bench <benchmark> [flags]\n\nBenchmarks:")
		for _, c := range benchCommands() {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range benchCommands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return fmt.Errorf("unknown benchmark %q (run `engram bench help`)", args[0])
}

// parseFlags parses a bench flag set, mapping -h to a nil error after the
// usage was printed and other errors to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return false, errUsage
	}
	return false, nil
}

// writeJSON writes v as one indented JSON object.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// lineWriter prints figure lines and keeps the first write error.
type lineWriter struct {
	w   io.Writer
	err error
}

func (l *lineWriter) printf(format string, a ...any) {
	if l.err != nil {
		return
	}
	_, l.err = fmt.Fprintf(l.w, format+"\n", a...)
}

// percentile returns the nearest-rank percentile (0 < p <= 100) of ds in
// milliseconds; ds need not be sorted.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	i = min(max(i, 0), len(s)-1)
	return float64(s[i].Microseconds()) / 1000
}

// median of xs (0 when empty).
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

// parseIntList parses "16,32,64".
func parseIntList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseFloatList parses "0.3,0.5,0.7".
func parseFloatList(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		x, err := strconv.ParseFloat(f, 64)
		if err != nil || x < 0 || x > 1 {
			return nil, fmt.Errorf("%q is not a number between 0 and 1", f)
		}
		out = append(out, x)
	}
	return out, nil
}

// benchStore opens an in-process Store in a fresh temporary directory with
// a random master key (returned for deriving other keys); cleanup closes it
// and removes the directory.
func benchStore(opts memory.Options) (*memory.Store, seal.MasterKey, func() error, error) {
	var none seal.MasterKey
	dir, err := os.MkdirTemp("", "engram-bench-")
	if err != nil {
		return nil, none, nil, err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		os.RemoveAll(dir)
		return nil, none, nil, err
	}
	mk, err := seal.ParseMasterKeyHex(hex.EncodeToString(raw[:]))
	if err != nil {
		os.RemoveAll(dir)
		return nil, none, nil, err
	}
	opts.MasterKey = mk
	st, err := memory.Open(dir, &opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, none, nil, err
	}
	closed := false
	cleanup := func() error {
		var err error
		if !closed {
			closed = true
			err = st.Close()
		}
		return errors.Join(err, os.RemoveAll(dir))
	}
	return st, mk, cleanup, nil
}

// startCPUProfile writes a CPU profile to path until the returned stop runs.
func startCPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// loadAvg is the 1-minute load average (Linux), to judge how busy the
// machine was during a measurement; "" when unknown.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
