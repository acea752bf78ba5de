package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestBenchTraverseCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "traverse", "--entities", "2000", "--queries", "50", "--json"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("traverse: exit %d: %s", code, stderr.String())
	}
	var tr traverseResult
	if err := json.Unmarshal(stdout.Bytes(), &tr); err != nil {
		t.Fatalf("%v in %s", err, stdout.String())
	}
	// Every generated entity has at least two relations, so every 2-hop
	// walk reaches neighbours and returns relations.
	if tr.Entities != 2000 || tr.Depth != 2 || tr.Queries != 50 || tr.WithNeighbours != 50 ||
		tr.MeanEntities <= 2 || tr.MeanRelations < 2 || tr.P50Ms <= 0 || tr.P95Ms < tr.P50Ms || tr.P99Ms < tr.P95Ms ||
		tr.Relations < 4000 || tr.MeanDegree < 4.5 || tr.MeanDegree > 5.5 || tr.BuildSeconds <= 0 || tr.ColdOpenMs <= 0 {
		t.Fatalf("traverse result = %+v", tr)
	}
	if !strings.HasPrefix(tr.Summary, "traverse entities=2000 relations=") {
		t.Fatalf("summary = %q", tr.Summary)
	}

	stdout.Reset()
	args = []string{"bench", "traverse", "--entities", "300", "--queries", "10", "--depth", "1"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("traverse lines: exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "BenchTraverse/entities=300/depth=1/limit=1000/phase=build ") ||
		!strings.HasPrefix(lines[3], "traverse entities=300 ") {
		t.Fatalf("traverse output:\n%s", stdout.String())
	}
	if code := run(context.Background(), []string{"bench", "traverse", "--depth", "7"}, &stdout, &stderr); code != 2 {
		t.Fatalf("depth 7: exit %d, want 2", code)
	}
}

func TestPowerLawEdges(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	const n = 5000
	edges := powerLawEdges(rand.New(rand.NewPCG(seed, 1)), n, 2.5)
	deg := make([]int, n)
	seen := map[[2]int]bool{}
	for _, e := range edges {
		if e[0] == e[1] || e[0] < 0 || e[1] < 0 || e[0] >= n || e[1] >= n {
			t.Fatalf("bad edge %v", e)
		}
		if k := [2]int{min(e[0], e[1]), max(e[0], e[1])}; seen[k] {
			t.Fatalf("duplicate edge %v", e)
		} else {
			seen[k] = true
		}
		deg[e[0]]++
		deg[e[1]]++
	}
	maxDeg := 0
	for i, d := range deg {
		if d < 2 {
			t.Fatalf("node %d has degree %d", i, d)
		}
		maxDeg = max(maxDeg, d)
	}
	// Preferential attachment grows hubs far above the mean degree of 5.
	if mean := float64(2*len(edges)) / n; mean < 4.5 || mean > 5.5 || maxDeg < 50 {
		t.Fatalf("mean degree %.2f, max degree %d", mean, maxDeg)
	}
	if traverseName(0) == traverseName(36) || len(traverseName(999_999)) > 5 {
		t.Fatalf("names: %q %q %q", traverseName(0), traverseName(36), traverseName(999_999))
	}
}
