package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSynthDeterministic(t *testing.T) {
	a, b := newSynth(7), newSynth(7)
	seen := map[string]bool{}
	for range 500 {
		m := a.memory()
		if m != b.memory() {
			t.Fatal("same seed, different sentences")
		}
		if strings.TrimSpace(m) == "" {
			t.Fatal("empty sentence")
		}
		seen[m] = true
		if q := a.query(); q != b.query() || q == "" {
			t.Fatalf("query %q differs or is empty", q)
		}
	}
	if len(seen) < 450 {
		t.Fatalf("only %d distinct sentences of 500", len(seen))
	}
	if newSynth(8).memory() == newSynth(7).memory() && newSynth(8).memory() == newSynth(7).memory() {
		t.Fatal("different seeds give the same sentences")
	}
}

func TestPercentileAndMedian(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		want float64
	}{{50, 50}, {95, 95}, {99, 99}, {100, 100}, {1, 1}}
	for _, tt := range tests {
		if got := percentile(ds, tt.p); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.p, got, tt.want)
		}
	}
	if percentile(nil, 50) != 0 || median(nil) != 0 || median([]float64{3, 1, 2}) != 2 || median([]float64{4, 1, 2, 3}) != 2.5 {
		t.Error("median/percentile edge cases")
	}
}

// TestBenchRecallAndIngestCommands runs both HTTP benchmarks at a tiny
// size: a real server on 127.0.0.1 over Badger and Bleve.
func TestBenchRecallAndIngestCommands(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bench", "recall", "--n", "300", "--queries", "20", "--clients", "2", "--batch", "100", "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("recall: exit %d: %s", code, stderr.String())
	}
	var rr recallResult
	if err := json.Unmarshal(stdout.Bytes(), &rr); err != nil {
		t.Fatal(err)
	}
	if rr.Ingest.N != 300 || rr.HTTP.Queries != 20 || rr.Concurrent.Clients != 2 || rr.HTTP.P50Ms <= 0 || rr.Concurrent.PerSecond <= 0 ||
		rr.HTTP.P99Ms < rr.HTTP.P50Ms || rr.InProcess.Queries != 20 {
		t.Fatalf("recall result = %+v", rr)
	}

	stdout.Reset()
	if code := run(context.Background(), []string{"bench", "ingest", "--n", "250", "--batch", "100", "--runs", "2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "BenchmarkIngest/n=250/batch=100/clients=1/extract=true 250 ") ||
		!strings.HasPrefix(lines[3], "ingest n=250 batch=100 clients=1 extract=true memories/s=") {
		t.Fatalf("ingest output:\n%s", stdout.String())
	}
	if code := run(context.Background(), []string{"bench", "ingest", "--batch", "5000"}, &stdout, &stderr); code != 2 {
		t.Fatalf("batch 5000: exit %d, want 2", code)
	}
}

func TestWordTableVectors(t *testing.T) {
	le := binary.LittleEndian
	const dim, n, k = 3, 2, 1
	var b []byte
	b = append(b, "EGWV"...)
	for _, v := range []uint32{2, n, dim, 1000, k} {
		b = le.AppendUint32(b, v)
	}
	for range dim * k {
		b = le.AppendUint32(b, math.Float32bits(0.5))
	}
	b = append(b, 3, 't', 'h', 'e', 2, 'o', 'f')
	rows := [][]int8{{127, -127, 0}, {1, 2, -3}}
	scales := []float32{0.01, 2}
	for i, r := range rows {
		b = le.AppendUint32(b, math.Float32bits(scales[i]))
		b = le.AppendUint32(b, uint32(i))
		for _, x := range r {
			b = append(b, byte(x))
		}
	}
	got, err := wordTableVectors(b)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{1.27, -1.27, 0}, {2, 4, -6}}
	for i := range want {
		for j := range want[i] {
			if math.Abs(float64(got[i][j]-want[i][j])) > 1e-6 {
				t.Fatalf("row %d = %v, want %v", i, got[i], want[i])
			}
		}
	}
	for _, cut := range []int{3, 20, 40, len(b) - 1} {
		if _, err := wordTableVectors(b[:cut]); err == nil {
			t.Errorf("truncated at %d: no error", cut)
		}
	}
	base, qs, err := splitRows(got, 10, 1, 1)
	if err != nil || len(base) != 1 || len(qs) != 1 || slices.Equal(base[0], qs[0]) {
		t.Fatalf("splitRows = %v %v %v", base, qs, err)
	}
	if _, _, err := splitRows(got, 10, 2, 1); err == nil {
		t.Fatal("splitRows with queries >= rows: no error")
	}
}

func TestBenchANNAndExtractCommands(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bench", "ann", "--source", "memories", "--n", "400", "--queries", "20",
		"--ef", "16,64", "--runs", "1", "--ef-construction", "32"}, &stdout, &stderr); code != 0 {
		t.Fatalf("ann: exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "exact recall@10=1.0000") || !strings.Contains(out, "ef=64 recall@10 engram=") {
		t.Fatalf("ann output:\n%s", out)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"bench", "extract", "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("extract: exit %d: %s", code, stderr.String())
	}
	var er extractResult
	if err := json.Unmarshal(stdout.Bytes(), &er); err != nil {
		t.Fatal(err)
	}
	if er.Default.Cases == 0 || er.Default.Entities.F1 <= 0 || er.Holdout.Cases == 0 {
		t.Fatalf("extract result = %+v", er)
	}
	if code := run(context.Background(), []string{"bench", "nope"}, &stdout, &stderr); code != 1 {
		t.Fatalf("unknown bench: exit %d, want 1", code)
	}
	if code := run(context.Background(), []string{"bench"}, &stdout, &stderr); code != 2 {
		t.Fatalf("bare bench: exit %d, want 2", code)
	}
}
