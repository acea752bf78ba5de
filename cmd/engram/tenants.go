package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/engramhq/engram/memory"
)

// tenantsResult is the JSON of `engram bench tenants`.
type tenantsResult struct {
	Namespaces        int     `json:"namespaces"`
	PerNamespace      int     `json:"per_namespace"`
	MaxOpen           int     `json:"max_open_namespaces"`
	LoadSeconds       float64 `json:"load_seconds"`
	MemoriesPerSecond float64 `json:"memories_per_second"`
	RSSAfterLoadMB    float64 `json:"rss_after_load_mb"`
	AnonAfterLoadMB   float64 `json:"rss_anon_after_load_mb"`
	FileAfterLoadMB   float64 `json:"rss_file_after_load_mb"`
	HeapAfterLoadMB   float64 `json:"heap_after_load_mb"`
	RSSAfterTouchMB   float64 `json:"rss_after_touch_mb"`
	AnonAfterTouchMB  float64 `json:"rss_anon_after_touch_mb"`
	FileAfterTouchMB  float64 `json:"rss_file_after_touch_mb"`
	HeapAfterTouchMB  float64 `json:"heap_after_touch_mb"`
	TouchSeconds      float64 `json:"touch_seconds"`
	ColdOpenP50Ms     float64 `json:"cold_open_p50_ms"`
	ColdOpenP99Ms     float64 `json:"cold_open_p99_ms"`
	ColdOpenSamples   int     `json:"cold_open_samples"`
	Goroutines        int     `json:"goroutines"`
}

// runBenchTenants loads n namespaces of per memories each into one Store
// whose open engines are bounded by --max-open, and reports memory (VmRSS
// and Go heap) after the load and after touching every namespace round
// robin, and the latency of opening a namespace that is not open.
func runBenchTenants(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench tenants", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 10000, "namespaces")
	per := fs.Int("per", 100, "memories per namespace")
	maxOpen := fs.Int("max-open", 256, "MaxOpenNamespaces")
	samples := fs.Int("samples", 500, "cold opens to time")
	asJSON := fs.Bool("json", false, "print one JSON object")
	memProfile := fs.String("memprofile", "", "write a heap profile after the load to this file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the load to this file")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	// A settable clock: eviction waits for an idle grace of one minute,
	// which the bench skips by moving the clock instead of sleeping.
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	sync := false
	st, _, cleanup, err := benchStore(memory.Options{MaxOpenNamespaces: *maxOpen, SyncWrites: &sync, Now: now})
	if err != nil {
		return err
	}
	defer cleanup()
	evict := func() {
		skew.Add(int64(2 * time.Minute))
		_ = st.Sweep(ctx)
	}
	res := tenantsResult{Namespaces: *n, PerNamespace: *per, MaxOpen: *maxOpen}
	lw := &lineWriter{w: stdout}
	const org = "org_bench"
	name := func(i int) string { return "t" + strconv.Itoa(i) }

	stopCPU, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	start := time.Now()
	batch := make([]memory.StoreInput, *per)
	for i := range *n {
		e, err := st.EnsureNamespace(ctx, org, name(i), true)
		if err != nil {
			return err
		}
		for j := range batch {
			batch[j] = memory.StoreInput{AgentID: "a", Content: fmt.Sprintf("tenant %d note %d about w%dx%d and the weekly plan", i, j, i, j)}
		}
		if _, _, err := e.StoreBatch(ctx, batch, ""); err != nil {
			return fmt.Errorf("namespace %d: %w", i, err)
		}
		if (i+1)%(*maxOpen) == 0 {
			evict()
		}
		if !*asJSON && (i+1)%1000 == 0 {
			fmt.Fprintf(stderr, "loaded %d namespaces\n", i+1)
		}
	}
	evict()
	res.LoadSeconds = time.Since(start).Seconds()
	res.MemoriesPerSecond = float64(*n**per) / res.LoadSeconds
	if err := stopCPU(); err != nil {
		return err
	}
	res.RSSAfterLoadMB, res.HeapAfterLoadMB = memFigures()
	res.AnonAfterLoadMB, res.FileAfterLoadMB = procMB("RssAnon:"), procMB("RssFile:")
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			return err
		}
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}

	start = time.Now()
	for i := range *n {
		e, err := st.Engine(ctx, org, name(i))
		if err != nil {
			return err
		}
		if _, _, err := e.Recall(ctx, memory.RecallInput{Query: fmt.Sprintf("w%dx%d", i, i%*per), Routing: "bm25"}); err != nil {
			return err
		}
		if (i+1)%(*maxOpen) == 0 {
			evict()
		}
	}
	evict()
	res.TouchSeconds = time.Since(start).Seconds()
	res.RSSAfterTouchMB, res.HeapAfterTouchMB = memFigures()
	res.AnonAfterTouchMB, res.FileAfterTouchMB = procMB("RssAnon:"), procMB("RssFile:")

	// The open engines are now the last max-open touched: the first
	// namespaces are cold.
	var lat []time.Duration
	for i := 0; i < *samples && i < *n-*maxOpen; i++ {
		t0 := time.Now()
		if _, err := st.Engine(ctx, org, name(i)); err != nil {
			return err
		}
		lat = append(lat, time.Since(t0))
		if (i+1)%(*maxOpen/2) == 0 {
			evict()
		}
	}
	res.ColdOpenSamples = len(lat)
	res.ColdOpenP50Ms, res.ColdOpenP99Ms = percentile(lat, 50), percentile(lat, 99)
	res.Goroutines = runtime.NumGoroutine()
	if *asJSON {
		return writeJSON(stdout, res)
	}
	lw.printf("BenchTenants/phase=load/n=%d/per=%d %.1f s %.0f memories/s", *n, *per, res.LoadSeconds, res.MemoriesPerSecond)
	lw.printf("BenchTenants/rss=after_load %.1f MB (anon %.1f MB, file-backed %.1f MB, Go heap %.1f MB)", res.RSSAfterLoadMB, res.AnonAfterLoadMB, res.FileAfterLoadMB, res.HeapAfterLoadMB)
	lw.printf("BenchTenants/rss=after_touch_all %.1f MB (anon %.1f MB, file-backed %.1f MB, Go heap %.1f MB) touch %.1f s", res.RSSAfterTouchMB, res.AnonAfterTouchMB, res.FileAfterTouchMB, res.HeapAfterTouchMB, res.TouchSeconds)
	lw.printf("BenchTenants/cold_open %.2f p50-ms %.2f p99-ms (%d samples, max-open %d)", res.ColdOpenP50Ms, res.ColdOpenP99Ms, res.ColdOpenSamples, *maxOpen)
	lw.printf("tenants n=%d per=%d max-open=%d rss load=%.0fMB touched=%.0fMB cold-open p50=%.2fms p99=%.2fms goroutines=%d",
		*n, *per, *maxOpen, res.RSSAfterLoadMB, res.RSSAfterTouchMB, res.ColdOpenP50Ms, res.ColdOpenP99Ms, res.Goroutines)
	return lw.err
}

// memFigures returns VmRSS from /proc/self/status and the Go heap in use,
// in MB, after a GC.
func memFigures() (rss, heap float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(vmRSS()) / (1 << 20), float64(ms.HeapInuse) / (1 << 20)
}

// vmRSS returns the resident set size in bytes (0 where /proc is absent).
func vmRSS() int64 { return procStatus("VmRSS:") }

// procMB returns a kB field of /proc/self/status in MB.
func procMB(field string) float64 { return float64(procStatus(field)) / (1 << 20) }

// procStatus returns a kB field of /proc/self/status in bytes.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
