package vector

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

func TestBenchANNSynthetic(t *testing.T) {
	rng, _ := newTestRand(t)
	data := clustered(rng, 1600, 16, 30, 0.5)
	var out bytes.Buffer
	res, err := BenchANN(context.Background(), ANNConfig{
		Base: data[:1500], Queries: data[1500:], Efs: []int{16, 64}, Runs: 1, EfConstruction: 64,
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if len(res.Rows) != 3 || res.Rows[0].Engine != "exact" || res.Rows[0].Recall != 1 {
		t.Fatalf("rows = %+v, want exact with recall 1 then two HNSW rows", res.Rows)
	}
	if r := res.Rows[2].Recall; r < 0.9 {
		t.Fatalf("HNSW ef=64 recall = %.3f", r)
	}
	if !strings.Contains(out.String(), "ef=64 queries/s engram=") {
		t.Fatalf("missing queries/s line in:\n%s", out.String())
	}
}

// TestBenchANNFile runs the full harness on a flat float32 file when
// ENGRAM_ANN_DATA is set (ENGRAM_ANN_DIM, _N, _HNSWLIB=1, _EFC, _M, _RUNS).
// It is a launcher for measurements, not a check.
func TestBenchANNFile(t *testing.T) {
	path := os.Getenv("ENGRAM_ANN_DATA")
	if path == "" {
		t.Skip("ENGRAM_ANN_DATA not set")
	}
	env := func(name string, def int) int {
		if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
			return v
		}
		return def
	}
	cfg := ANNConfig{
		Load:           FlatFileLoader(path, env("ENGRAM_ANN_DIM", 100), env("ENGRAM_ANN_N", 100000), 1000, 42),
		Hnswlib:        os.Getenv("ENGRAM_ANN_HNSWLIB") == "1",
		M:              env("ENGRAM_ANN_M", 16),
		EfConstruction: env("ENGRAM_ANN_EFC", 200),
		Runs:           env("ENGRAM_ANN_RUNS", 3),
		JSON:           os.Getenv("ENGRAM_ANN_JSON") == "1",
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, nil)),
	}
	if _, err := BenchANN(context.Background(), cfg, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func TestBenchANNHnswlib(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import hnswlib, numpy").Run(); err != nil {
		t.Skipf("python3-hnswlib not installed: %v", err)
	}
	rng, _ := newTestRand(t)
	data := clustered(rng, 1050, 16, 20, 0.5)
	var out bytes.Buffer
	res, err := BenchANN(context.Background(), ANNConfig{
		Base: data[:1000], Queries: data[1000:], Efs: []int{32}, Runs: 2, EfConstruction: 64, Hnswlib: true, JSON: true,
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 3 || res.Rows[2].Engine != "hnswlib" || res.Rows[2].Recall < 0.9 || len(res.Rows[2].QPSRuns) != 2 {
		t.Fatalf("rows = %+v, want exact, engram-hnsw, hnswlib with recall ≥ 0.9", res.Rows)
	}
	if !strings.Contains(out.String(), `"engine": "hnswlib"`) {
		t.Fatalf("JSON output lacks hnswlib:\n%s", out.String())
	}
}
