package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/engramhq/engram/graph"
	"github.com/engramhq/engram/memory"
)

// traverseResult is the JSON of `engram bench traverse`.
type traverseResult struct {
	Entities        int     `json:"entities"`
	Relations       int     `json:"relations"`
	MeanDegree      float64 `json:"mean_degree"`
	MaxDegree       int     `json:"max_degree"`
	Depth           int     `json:"depth"`
	Limit           int     `json:"limit"`
	Queries         int     `json:"queries"`
	Seed            uint64  `json:"seed"`
	BuildSeconds    float64 `json:"build_seconds"`
	BuildCPUSeconds float64 `json:"build_cpu_seconds"`
	RelationsPerSec float64 `json:"relations_per_second"`
	ColdOpenMs      float64 `json:"cold_open_ms"`
	ColdOpenCPUMs   float64 `json:"cold_open_cpu_ms"`
	P50Ms           float64 `json:"p50_ms"`
	P95Ms           float64 `json:"p95_ms"`
	P99Ms           float64 `json:"p99_ms"`
	MaxMs           float64 `json:"max_ms"`
	CPUMsPerQuery   float64 `json:"cpu_ms_per_query"`
	MeanEntities    float64 `json:"mean_entities_reached"`
	MeanRelations   float64 `json:"mean_relations_returned"`
	WithNeighbours  int     `json:"queries_with_neighbours"`
	AtLimit         int     `json:"queries_at_limit"`
	LoadAvg         string  `json:"loadavg"`
	Summary         string  `json:"summary"`
}

// traverseRelations are the relation types the generated graph uses: none
// is exclusive, so every generated edge stays a current fact.
var traverseRelations = []string{graph.RelFriendOf, graph.RelMemberOf, graph.RelLikes, graph.RelOwns,
	graph.RelLocatedIn, graph.RelCreated, graph.RelWrote, graph.RelParentOf}

// runBenchTraverse builds one namespace whose entity graph has a power-law
// degree distribution (preferential attachment) through Engine.AddRelation,
// the write path of POST /graph/relations, into a real Badger on disk;
// closes the namespace and times reopening it (the graph decoded from its
// rows); then times Engine.Traverse, the function behind POST
// /graph/traverse, from random start entities.
func runBenchTraverse(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench traverse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("entities", 100000, "entities in the namespace (at most 1,000,000)")
	avgDegree := fs.Float64("degree", 5, "mean degree: each new entity links to degree/2 earlier ones, chosen by degree")
	depth := fs.Int("depth", 2, "traversal hops (0 to 6)")
	queries := fs.Int("queries", 1000, "timed traversals from random start entities")
	limit := fs.Int("limit", 1000, "entity cap per traversal (the HTTP route's default is 1000)")
	seed := fs.Uint64("seed", 42, "graph and start-entity seed")
	asJSON := fs.Bool("json", false, "print one JSON object instead of lines")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the cold open and the traversals to this file")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *n < 10 || *n > 1_000_000 || *avgDegree < 2 || *avgDegree > 100 || *depth < 0 || *depth > 6 ||
		*queries < 1 || *limit < 1 || *limit > 10000 {
		fmt.Fprintln(stderr, "engram bench traverse: --entities 10..1000000, --degree 2..100, --depth 0..6, --queries >= 1, --limit 1..10000")
		return errUsage
	}
	res := traverseResult{Entities: *n, Depth: *depth, Limit: *limit, Queries: *queries, Seed: *seed}
	rng := rand.New(rand.NewPCG(*seed, 0x7261766572))
	edges := powerLawEdges(rng, *n, *avgDegree/2)
	res.Relations = len(edges)
	deg := make([]int, *n)
	for _, ed := range edges {
		deg[ed[0]]++
		deg[ed[1]]++
	}
	res.MaxDegree = slices.Max(deg)
	res.MeanDegree = float64(2*len(edges)) / float64(*n)

	// The build skips fsync per write (as bench tenants does); the rows are
	// the real ones. A settable clock lets Sweep close the idle namespace
	// without waiting out its idle grace.
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	noSync := false
	st, _, cleanup, err := benchStore(memory.Options{SyncWrites: &noSync, MaxOpenNamespaces: 1, Now: now})
	if err != nil {
		return err
	}
	defer cleanup()
	const org, ns = "org_bench", "graph"
	e, err := st.EnsureNamespace(ctx, org, ns, true)
	if err != nil {
		return err
	}
	start, cpu0 := time.Now(), processCPU()
	for i, ed := range edges {
		in := memory.RelationInput{Source: traverseName(ed[0]), Target: traverseName(ed[1]),
			Relation: traverseRelations[ed[2]]}
		if _, err := e.AddRelation(ctx, in); err != nil {
			return fmt.Errorf("relation %d: %w", i, err)
		}
		if !*asJSON && (i+1)%50000 == 0 {
			fmt.Fprintf(stderr, "wrote %d of %d relations\n", i+1, len(edges))
		}
	}
	res.BuildSeconds = time.Since(start).Seconds()
	res.BuildCPUSeconds = (processCPU() - cpu0).Seconds()
	res.RelationsPerSec = float64(len(edges)) / res.BuildSeconds
	if _, total := e.Entities("", "", 1); total != *n {
		return fmt.Errorf("namespace holds %d entities, want %d (names merged by the resolver?)", total, *n)
	}

	// Close the namespace (another one takes its place, the clock moves
	// past the idle grace) and reopen it from disk.
	if _, err := st.EnsureNamespace(ctx, org, "pad", true); err != nil {
		return err
	}
	skew.Add(int64(2 * time.Minute))
	st.Sweep(ctx)
	stopCPU, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopCPU()
	t0, cpu0 := time.Now(), processCPU()
	reopened, err := st.Engine(ctx, org, ns)
	if err != nil {
		return err
	}
	if reopened == e {
		return fmt.Errorf("namespace %q was not closed before the cold open", ns)
	}
	e = reopened
	res.ColdOpenMs = float64(time.Since(t0).Microseconds()) / 1000
	res.ColdOpenCPUMs = float64((processCPU() - cpu0).Microseconds()) / 1000
	ids := make([]string, *n)
	ents, _ := e.Entities("", "", *n)
	byName := make(map[string]string, len(ents))
	for _, en := range ents {
		byName[en.Name] = en.ID
	}
	for i := range ids {
		if ids[i] = byName[traverseName(i)]; ids[i] == "" {
			return fmt.Errorf("entity %q missing after reopening", traverseName(i))
		}
	}

	lat, err := timeTraversals(ctx, e, ids, rng, *queries, *depth, *limit, &res)
	if err != nil {
		return err
	}
	if err := stopCPU(); err != nil {
		return err
	}
	res.P50Ms, res.P95Ms, res.P99Ms, res.MaxMs = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99), percentile(lat, 100)
	res.LoadAvg = loadAvg()
	res.Summary = fmt.Sprintf("traverse entities=%d relations=%d depth=%d p50=%.3fms p95=%.3fms p99=%.3fms cpu=%.3fms/query (%d queries, mean %.0f entities reached, %d at limit %d) build=%.1fs cold-open=%.0fms loadavg=%s",
		*n, res.Relations, *depth, res.P50Ms, res.P95Ms, res.P99Ms, res.CPUMsPerQuery, *queries, res.MeanEntities, res.AtLimit, *limit, res.BuildSeconds, res.ColdOpenMs, res.LoadAvg)
	if *asJSON {
		return writeJSON(stdout, res)
	}
	lw := &lineWriter{w: stdout}
	name := fmt.Sprintf("BenchTraverse/entities=%d/depth=%d/limit=%d", *n, *depth, *limit)
	lw.printf("%s/phase=build %d relations %.1f s %.1f cpu-s %.0f relations/s (mean degree %.2f, max degree %d)",
		name, res.Relations, res.BuildSeconds, res.BuildCPUSeconds, res.RelationsPerSec, res.MeanDegree, res.MaxDegree)
	lw.printf("%s/phase=cold_open %.1f ms %.1f cpu-ms", name, res.ColdOpenMs, res.ColdOpenCPUMs)
	lw.printf("%s %d %.3f p50-ms %.3f p95-ms %.3f p99-ms %.3f max-ms %.3f cpu-ms/query %.1f entities/query %.1f relations/query %d with-neighbours",
		name, *queries, res.P50Ms, res.P95Ms, res.P99Ms, res.MaxMs, res.CPUMsPerQuery, res.MeanEntities, res.MeanRelations, res.WithNeighbours)
	lw.printf("%s", res.Summary)
	return lw.err
}

// timeTraversals runs queries traversals from uniformly random start
// entities (after a short untimed warm-up) and fills res's per-query means.
func timeTraversals(ctx context.Context, e *memory.Engine, ids []string, rng *rand.Rand, queries, depth, limit int, res *traverseResult) ([]time.Duration, error) {
	for range min(50, queries) {
		if _, err := e.Traverse(ctx, []string{ids[rng.IntN(len(ids))]}, depth, nil, nil, limit); err != nil {
			return nil, err
		}
	}
	lat := make([]time.Duration, 0, queries)
	var ents, rels int
	cpu0 := processCPU()
	for range queries {
		start := []string{ids[rng.IntN(len(ids))]}
		t0 := time.Now()
		tr, err := e.Traverse(ctx, start, depth, nil, nil, limit)
		lat = append(lat, time.Since(t0))
		if err != nil {
			return nil, err
		}
		ents += len(tr.Entities)
		rels += len(tr.Relations)
		if len(tr.Entities) > 1 {
			res.WithNeighbours++
		}
		if len(tr.Entities) >= limit {
			res.AtLimit++
		}
	}
	res.CPUMsPerQuery = float64((processCPU() - cpu0).Microseconds()) / 1000 / float64(queries)
	res.MeanEntities = float64(ents) / float64(queries)
	res.MeanRelations = float64(rels) / float64(queries)
	return lat, nil
}

// traverseName is the name of generated entity i: "x" and i in base 36,
// at most 5 bytes for i < 1,679,616, so distinct and below the resolver's
// near-duplicate (MinHash) length: no two entities merge.
func traverseName(i int) string { return "x" + strconv.FormatInt(int64(i), 36) }

// powerLawEdges returns the edges {source, target, relation index} of a
// preferential-attachment graph on n nodes: a triangle, then each node
// links to m earlier nodes on average (floor(m) or floor(m)+1 of them),
// each chosen with probability proportional to its degree, which gives a
// power-law degree distribution with mean degree about 2m.
func powerLawEdges(rng *rand.Rand, n int, m float64) [][3]int {
	edges := make([][3]int, 0, int(float64(n)*m)+3)
	ends := make([]int, 0, 2*cap(edges)) // each edge's two ends: sampling it is by degree
	add := func(a, b int) {
		edges = append(edges, [3]int{a, b, rng.IntN(len(traverseRelations))})
		ends = append(ends, a, b)
	}
	add(0, 1)
	add(1, 2)
	add(2, 0)
	base := int(m)
	frac := m - float64(base)
	var picked []int
	for v := 3; v < n; v++ {
		k := base
		if rng.Float64() < frac {
			k++
		}
		k = min(k, v)
		picked = picked[:0]
		for len(picked) < k {
			t := ends[rng.IntN(len(ends))]
			if !slices.Contains(picked, t) {
				picked = append(picked, t)
			}
		}
		for _, t := range picked {
			add(v, t)
		}
	}
	return edges
}
