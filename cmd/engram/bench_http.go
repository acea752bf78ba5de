package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/engramhq/engram/httpapi"
	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

const (
	benchNamespace = "bench"
	benchAgent     = "bench-agent"
)

// benchServer is a real Engram HTTP server on 127.0.0.1 over a fresh
// temporary data directory, and a client holding its root key.
type benchServer struct {
	store   *memory.Store
	keys    *auth.Manager
	hs      *http.Server
	url     string
	key     string
	hc      *http.Client
	cleanup func() error
	served  chan error
}

func startBenchServer(ctx context.Context, clients int, log *slog.Logger) (*benchServer, error) {
	st, _, cleanup, err := benchStore(memory.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	b := &benchServer{store: st, cleanup: cleanup, served: make(chan error, 1)}
	fail := func(err error) (*benchServer, error) {
		b.Close()
		return nil, err
	}
	if b.keys, err = auth.NewManager(st.DB(), st.Pepper(), nil); err != nil {
		return fail(err)
	}
	if b.key, err = b.keys.Bootstrap(ctx, ""); err != nil {
		return fail(err)
	}
	srv, err := httpapi.New(httpapi.Options{Store: st, Keys: b.keys,
		DefaultRateLimit: auth.Limit{Rate: 1e9, Burst: 1 << 30}, MaxBodyBytes: 64 << 20, Logger: log})
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	b.url = "http://" + ln.Addr().String()
	b.hs = srv.HTTPServer(ln.Addr().String())
	go func() { b.served <- b.hs.Serve(ln) }()
	b.hc = &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{
		MaxIdleConns: clients + 4, MaxIdleConnsPerHost: clients + 4, IdleConnTimeout: time.Minute}}
	return b, nil
}

// Close stops the server and removes the data directory.
func (b *benchServer) Close() error {
	var errs []error
	if b.hs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, b.hs.Shutdown(ctx))
		cancel()
		if err := <-b.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if b.keys != nil {
		errs = append(errs, b.keys.Close())
	}
	errs = append(errs, b.cleanup())
	return errors.Join(errs...)
}

// post sends a JSON body and returns the response body; non-2xx is an error.
func (b *benchServer) post(ctx context.Context, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		if len(out) > 300 {
			out = out[:300]
		}
		return nil, fmt.Errorf("POST %s: %s: %s", path, resp.Status, out)
	}
	return out, nil
}

// ingestFigures are what an HTTP batch ingest measured.
type ingestFigures struct {
	N             int     `json:"n"`
	Batch         int     `json:"batch"`
	Clients       int     `json:"clients"`
	Extract       bool    `json:"extract_entities"`
	Seconds       float64 `json:"seconds"`
	PerSecond     float64 `json:"memories_per_s"`
	BatchP50Ms    float64 `json:"batch_p50_ms"`
	BatchP95Ms    float64 `json:"batch_p95_ms"`
	EmbedSeconds  float64 `json:"server_embedding_seconds"`
	EmbedFraction float64 `json:"embedding_fraction"`
	// CPUSeconds is the process's CPU time (server and client) over the
	// ingest; PerCPUSecond = N / CPUSeconds stays meaningful on a busy
	// machine, where wall-clock rates do not.
	CPUSeconds   float64 `json:"cpu_seconds"`
	PerCPUSecond float64 `json:"memories_per_cpu_s"`
}

// ingest posts n synthetic memories in batches over clients connections.
func (b *benchServer) ingest(ctx context.Context, n, batch, clients int, seed uint64, extract bool) (ingestFigures, error) {
	f := ingestFigures{N: n, Batch: batch, Clients: clients, Extract: extract}
	// Build every request body first so the measurement is the server's.
	gen := newSynth(seed)
	var bodies [][]byte
	for lo := 0; lo < n; lo += batch {
		ms := make([]memory.StoreInput, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			ms = append(ms, memory.StoreInput{Content: gen.memory()})
		}
		body, err := json.Marshal(map[string]any{"namespace": benchNamespace, "agent_id": benchAgent, "memories": ms})
		if err != nil {
			return f, err
		}
		bodies = append(bodies, body)
	}
	// Create and configure the namespace outside the measurement.
	org := b.orgID(ctx)
	if _, err := b.store.EnsureNamespace(ctx, org, benchNamespace, true); err != nil {
		return f, err
	}
	if _, err := b.store.UpdateConfig(ctx, org, benchNamespace, fmt.Appendf(nil, `{"extract_entities":%t}`, extract)); err != nil {
		return f, fmt.Errorf("namespace config: %w", err)
	}
	var (
		mu     sync.Mutex
		lat    []time.Duration
		embed  time.Duration
		stored int
		next   int
		runErr error
		wg     sync.WaitGroup
	)
	start, cpu0 := time.Now(), processCPU()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := runErr != nil
				mu.Unlock()
				if stop || i >= len(bodies) {
					return
				}
				t0 := time.Now()
				out, err := b.post(ctx, "/v1/memories/store/batch", bodies[i])
				d := time.Since(t0)
				var resp struct {
					Stored  int   `json:"stored_count"`
					EmbedMs int64 `json:"total_embedding_time_ms"`
				}
				if err == nil {
					err = json.Unmarshal(out, &resp)
				}
				mu.Lock()
				if err != nil && runErr == nil {
					runErr = err
				}
				lat = append(lat, d)
				stored += resp.Stored
				embed += time.Duration(resp.EmbedMs) * time.Millisecond
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if runErr != nil {
		return f, fmt.Errorf("after %d memories stored: %w", stored, runErr)
	}
	f.Seconds = time.Since(start).Seconds()
	f.PerSecond = float64(n) / f.Seconds
	if f.CPUSeconds = (processCPU() - cpu0).Seconds(); f.CPUSeconds > 0 {
		f.PerCPUSecond = float64(n) / f.CPUSeconds
	}
	f.BatchP50Ms, f.BatchP95Ms = percentile(lat, 50), percentile(lat, 95)
	f.EmbedSeconds = embed.Seconds()
	var total time.Duration
	for _, d := range lat {
		total += d
	}
	if total > 0 {
		f.EmbedFraction = embed.Seconds() / total.Seconds()
	}
	return f, nil
}

func (b *benchServer) orgID(ctx context.Context) string {
	o, err := b.keys.OrganizationByName(ctx, auth.DefaultOrganization)
	if err != nil {
		return auth.DefaultOrganization
	}
	return o.ID
}

// latencyFigures are recall latencies over one or more clients.
type latencyFigures struct {
	Clients   int     `json:"clients"`
	Queries   int     `json:"queries"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"queries_per_s"`
	P50Ms     float64 `json:"p50_ms"`
	P95Ms     float64 `json:"p95_ms"`
	P99Ms     float64 `json:"p99_ms"`
	// CPUMsPerQuery is the process's CPU time (server and client) per query.
	CPUMsPerQuery float64 `json:"cpu_ms_per_query"`
}

// recallLoad sends every body once, spread over clients connections.
func recallLoad(ctx context.Context, clients int, bodies [][]byte, do func(ctx context.Context, body []byte) error) (latencyFigures, error) {
	f := latencyFigures{Clients: clients, Queries: len(bodies)}
	lat := make([]time.Duration, len(bodies))
	var (
		mu     sync.Mutex
		next   int
		runErr error
		wg     sync.WaitGroup
	)
	start, cpu0 := time.Now(), processCPU()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := runErr != nil
				mu.Unlock()
				if stop || i >= len(bodies) {
					return
				}
				t0 := time.Now()
				err := do(ctx, bodies[i])
				lat[i] = time.Since(t0)
				if err != nil {
					mu.Lock()
					if runErr == nil {
						runErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if runErr != nil {
		return f, runErr
	}
	f.Seconds = time.Since(start).Seconds()
	f.PerSecond = float64(len(bodies)) / f.Seconds
	f.CPUMsPerQuery = float64((processCPU() - cpu0).Microseconds()) / 1000 / float64(len(bodies))
	f.P50Ms, f.P95Ms, f.P99Ms = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)
	return f, nil
}

// recallResult is `engram bench recall --json`.
type recallResult struct {
	N          int            `json:"n"`
	TopK       int            `json:"top_k"`
	Routing    string         `json:"routing"`
	Reinforce  bool           `json:"reinforce"`
	Ingest     ingestFigures  `json:"ingest"`
	InProcess  latencyFigures `json:"in_process"`
	HTTP       latencyFigures `json:"http"`
	Concurrent latencyFigures `json:"http_concurrent"`
	LoadAvg    string         `json:"loadavg"`
	Summary    string         `json:"summary"`
}

func runBenchRecall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench recall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 10000, "memories in the namespace")
	clients := fs.Int("clients", 4, "concurrent clients of the throughput phase")
	queries := fs.Int("queries", 1000, "queries per phase")
	topK := fs.Int("k", 10, "top_k of each recall")
	routing := fs.String("routing", "hybrid", "routing of each recall: hybrid, vector or bm25")
	batch := fs.Int("batch", 1000, "memories per batch store request while loading")
	seed := fs.Uint64("seed", 1, "generator seed")
	asJSON := fs.Bool("json", false, "print one JSON object instead of lines")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the recall phases to this file")
	verbose := fs.Bool("v", false, "log the server's warnings and errors to stderr")
	extract := fs.Bool("extract", true, "entity extraction on write (the namespace default); false measures without the knowledge graph")
	reinforce := fs.Bool("reinforce", true, "use /v1/memory/recall (records each access); false uses /v1/memory/search (read-only)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *n < 1 || *clients < 1 || *queries < 1 || *batch < 1 || *batch > 1000 || *topK < 1 || *topK > 1000 {
		fmt.Fprintln(stderr, "engram bench recall: --n, --clients, --queries, --k must be >= 1; --batch 1..1000")
		return errUsage
	}
	b, err := startBenchServer(ctx, *clients, benchLogger(*verbose, stderr))
	if err != nil {
		return err
	}
	defer b.Close()
	res := recallResult{N: *n, TopK: *topK, Routing: *routing, Reinforce: *reinforce}
	if res.Ingest, err = b.ingest(ctx, *n, *batch, 1, *seed, *extract); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	gen := newSynth(*seed + 1000)
	mkBodies := func(count int) ([][]byte, []string, error) {
		bodies, qs := make([][]byte, count), make([]string, count)
		for i := range bodies {
			qs[i] = gen.query()
			var err error
			bodies[i], err = json.Marshal(map[string]any{"namespace": benchNamespace, "query": qs[i], "top_k": *topK, "routing": *routing})
			if err != nil {
				return nil, nil, err
			}
		}
		return bodies, qs, nil
	}
	httpRecall := func(ctx context.Context, body []byte) error {
		path := "/v1/memory/recall"
		if !*reinforce {
			path = "/v1/memory/search"
		}
		_, err := b.post(ctx, path, body)
		return err
	}
	// The HNSW graph is built in the background once the namespace passes
	// its threshold: measure the steady state.
	le, err := b.store.EnsureNamespace(ctx, b.orgID(ctx), benchNamespace, false)
	if err != nil {
		return err
	}
	le.WaitIndexes()
	warm, _, err := mkBodies(min(100, *queries))
	if err != nil {
		return err
	}
	if _, err := recallLoad(ctx, 1, warm, httpRecall); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	stop, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stop()
	// In process: the engine alone, for the HTTP overhead by difference.
	e, err := b.store.EnsureNamespace(ctx, b.orgID(ctx), benchNamespace, false)
	if err != nil {
		return err
	}
	_, qs, err := mkBodies(*queries)
	if err != nil {
		return err
	}
	qi := 0
	var qmu sync.Mutex
	inproc := func(ctx context.Context, _ []byte) error {
		qmu.Lock()
		q := qs[qi%len(qs)]
		qi++
		qmu.Unlock()
		_, _, err := e.Recall(ctx, memory.RecallInput{Query: q, TopK: *topK, Routing: *routing, Reinforce: *reinforce})
		return err
	}
	if res.InProcess, err = recallLoad(ctx, 1, make([][]byte, *queries), inproc); err != nil {
		return err
	}
	bodies, _, err := mkBodies(*queries)
	if err != nil {
		return err
	}
	if res.HTTP, err = recallLoad(ctx, 1, bodies, httpRecall); err != nil {
		return err
	}
	if bodies, _, err = mkBodies(*queries); err != nil {
		return err
	}
	if res.Concurrent, err = recallLoad(ctx, *clients, bodies, httpRecall); err != nil {
		return err
	}
	if err := stop(); err != nil {
		return err
	}
	res.LoadAvg = loadAvg()
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "not met"
	}
	res.Summary = fmt.Sprintf("recall n=%d http p50=%.2fms p99=%.2fms (targets at 100k: p50<=5ms %s, p99<=20ms %s) clients=%d queries/s=%.0f cores=%d",
		*n, res.HTTP.P50Ms, res.HTTP.P99Ms, verdict(res.HTTP.P50Ms <= 5), verdict(res.HTTP.P99Ms <= 20),
		*clients, res.Concurrent.PerSecond, runtime.NumCPU())
	res.Summary += " loadavg=" + res.LoadAvg
	if *asJSON {
		return writeJSON(stdout, res)
	}
	lw := &lineWriter{w: stdout}
	name := fmt.Sprintf("BenchmarkRecall/n=%d/k=%d/routing=%s/extract=%t/reinforce=%t", *n, *topK, *routing, *extract, *reinforce)
	lw.printf("%s/phase=load %d %.0f memories/s %.0f memories/cpu-s %.2f p50-batch-ms %.2f p95-batch-ms",
		name, res.Ingest.N, res.Ingest.PerSecond, res.Ingest.PerCPUSecond, res.Ingest.BatchP50Ms, res.Ingest.BatchP95Ms)
	for _, l := range []struct {
		phase string
		f     latencyFigures
	}{{"in-process/clients=1", res.InProcess}, {"http/clients=1", res.HTTP}, {fmt.Sprintf("http/clients=%d", *clients), res.Concurrent}} {
		lw.printf("%s/%s %d %.3f p50-ms %.3f p95-ms %.3f p99-ms %.0f queries/s %.3f cpu-ms/query",
			name, l.phase, l.f.Queries, l.f.P50Ms, l.f.P95Ms, l.f.P99Ms, l.f.PerSecond, l.f.CPUMsPerQuery)
	}
	lw.printf("%s", res.Summary)
	return lw.err
}

// ingestResult is `engram bench ingest --json`.
type ingestResult struct {
	ingestFigures
	Runs      []ingestFigures `json:"runs"`
	CloseSecs float64         `json:"close_seconds"`
	LoadAvg   string          `json:"loadavg"`
	Summary   string          `json:"summary"`
}

func runBenchIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 20000, "memories to store")
	batch := fs.Int("batch", 500, "memories per batch store request (1..1000)")
	clients := fs.Int("clients", 1, "concurrent clients posting batches")
	runs := fs.Int("runs", 1, "independent runs, each on a fresh data directory; figures are medians")
	seed := fs.Uint64("seed", 1, "generator seed")
	asJSON := fs.Bool("json", false, "print one JSON object instead of lines")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the ingest to this file")
	verbose := fs.Bool("v", false, "log the server's warnings and errors to stderr")
	extract := fs.Bool("extract", true, "entity extraction on write (the namespace default); false measures without the knowledge graph")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *n < 1 || *batch < 1 || *batch > 1000 || *clients < 1 || *runs < 1 {
		fmt.Fprintln(stderr, "engram bench ingest: --n, --clients, --runs must be >= 1; --batch 1..1000")
		return errUsage
	}
	var res ingestResult
	var closeSecs []float64
	stop, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stop()
	for range *runs {
		b, err := startBenchServer(ctx, *clients, benchLogger(*verbose, stderr))
		if err != nil {
			return err
		}
		f, err := b.ingest(ctx, *n, *batch, *clients, *seed, *extract)
		t0 := time.Now()
		cerr := b.Close()
		closeSecs = append(closeSecs, time.Since(t0).Seconds())
		if err := errors.Join(err, cerr); err != nil {
			return err
		}
		res.Runs = append(res.Runs, f)
	}
	if err := stop(); err != nil {
		return err
	}
	pick := func(get func(ingestFigures) float64) float64 {
		xs := make([]float64, len(res.Runs))
		for i, r := range res.Runs {
			xs[i] = get(r)
		}
		return median(xs)
	}
	res.ingestFigures = res.Runs[0]
	res.PerSecond = pick(func(f ingestFigures) float64 { return f.PerSecond })
	res.Seconds = pick(func(f ingestFigures) float64 { return f.Seconds })
	res.BatchP50Ms = pick(func(f ingestFigures) float64 { return f.BatchP50Ms })
	res.BatchP95Ms = pick(func(f ingestFigures) float64 { return f.BatchP95Ms })
	res.EmbedSeconds = pick(func(f ingestFigures) float64 { return f.EmbedSeconds })
	res.EmbedFraction = pick(func(f ingestFigures) float64 { return f.EmbedFraction })
	res.CPUSeconds = pick(func(f ingestFigures) float64 { return f.CPUSeconds })
	res.PerCPUSecond = pick(func(f ingestFigures) float64 { return f.PerCPUSecond })
	res.CloseSecs = median(closeSecs)
	res.LoadAvg = loadAvg()
	met := "met"
	if res.PerSecond < 2000 {
		met = "not met"
	}
	res.Summary = fmt.Sprintf("ingest n=%d batch=%d clients=%d extract=%t memories/s=%.0f memories/cpu-s=%.0f (median of %d; target >=2000/s %s) embedding=%.0f%% of request time loadavg=%s",
		*n, *batch, *clients, *extract, res.PerSecond, res.PerCPUSecond, *runs, met, 100*res.EmbedFraction, res.LoadAvg)
	if *asJSON {
		return writeJSON(stdout, res)
	}
	lw := &lineWriter{w: stdout}
	name := fmt.Sprintf("BenchmarkIngest/n=%d/batch=%d/clients=%d/extract=%t", *n, *batch, *clients, *extract)
	for i, r := range res.Runs {
		lw.printf("%s %d %.0f memories/s %.0f memories/cpu-s %.2f p50-batch-ms %.2f p95-batch-ms %.3f embed-fraction # run %d",
			name, r.N, r.PerSecond, r.PerCPUSecond, r.BatchP50Ms, r.BatchP95Ms, r.EmbedFraction, i+1)
	}
	lw.printf("# close (text index flush, badger close) %.2fs median", res.CloseSecs)
	lw.printf("%s", res.Summary)
	return lw.err
}

// benchLogger logs warnings and errors to w when verbose; nil discards.
func benchLogger(verbose bool, w io.Writer) *slog.Logger {
	if !verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
