package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Names the load content mentions, so that the namespaces' entity graphs
// have people, organizations and places to list and traverse.
var (
	relPeople = []string{"Alice Moreau", "Bob Stone", "Carol Diaz", "Dan Li", "Erin Wu", "Farid Haddad", "Grace Okafor", "Hugo Lambert"}
	relOrgs   = []string{"Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries"}
	relPlaces = []string{"Lyon", "Paris", "Oslo", "Berlin", "Madrid", "Toronto", "Nairobi"}
)

// loadRoutes are the routes whose latencies the load part reports.
var loadRoutes = []string{"store", "recall", "search", "forget", "entities", "traverse", "memory-graph"}

// loadSlack bounds the growth of the server's goroutines and fds across the
// load: connections closing and the sweep's timing move a few.
const (
	loadFDSlack        = 8
	loadGoroutineSlack = 24
)

// loadState is what the load clients share.
type loadState struct {
	ctx        context.Context
	keys       []string
	seeded     [][]string // memory ids per namespace, never forgotten
	mu         sync.Mutex
	lat        map[string][]time.Duration
	total      atomic.Int64
	unexpected atomic.Int64
	firstErr   atomic.Value
	graphHits  atomic.Int64   // traverse answers that named at least one entity
	errs       map[string]int // unexpected answers by "route status", under mu
}

// errSummary lists the unexpected answers by route and status, e.g.
// "[memory-graph 404 x2]".
func (ls *loadState) errSummary() string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	keys := make([]string, 0, len(ls.errs))
	for k := range ls.errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s x%d", k, ls.errs[k])
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (ls *loadState) note(route string, d time.Duration, st int, err error) {
	if ls.ctx.Err() != nil && err != nil {
		return // the deadline cut the request short
	}
	ls.total.Add(1)
	if err != nil || st != http.StatusOK {
		ls.unexpected.Add(1)
		ls.firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: status %d err %v", route, st, err))
		k := fmt.Sprintf("%s %d", route, st)
		if err != nil {
			k = route + " error"
		}
		ls.mu.Lock()
		ls.errs[k]++
		ls.mu.Unlock()
		return
	}
	ls.mu.Lock()
	ls.lat[route] = append(ls.lat[route], d)
	ls.mu.Unlock()
}

// loadPart runs (b) load with (d) isolation probes alongside.
func (b *battery) loadPart(ctx context.Context) error {
	const nsCount = 4
	keys := make([]string, nsCount)
	seeded := make([][]string, nsCount)
	for i := range nsCount {
		ns := fmt.Sprintf("load%d", i)
		k, err := b.mkKey(ctx, "load-"+ns, "write", []string{ns})
		if err != nil {
			return err
		}
		keys[i] = k
		for j := range 5 {
			id, st, err := b.storeMemory(ctx, k, ns, fmt.Sprintf("seed %d of %s mentions %s and %s", j, ns, relPeople[j], relCanary),
				[]string{"seed", relCanary}, map[string]any{"note": relCanary})
			if err != nil || st != http.StatusOK {
				return fmt.Errorf("seed %s: status %d: %v", ns, st, err)
			}
			seeded[i] = append(seeded[i], id)
		}
	}
	b.http.CloseIdleConnections()
	fds0, threads0 := b.childFigures()
	kinds0 := b.fdKinds()
	sgor0, gerr0 := b.serverGoroutines(ctx)
	gor0 := runtime.NumGoroutine()

	lctx, cancel := context.WithTimeout(ctx, b.cfg.Profile.Load)
	defer cancel()
	ls := &loadState{ctx: lctx, keys: keys, seeded: seeded, lat: map[string][]time.Duration{}, errs: map[string]int{}}
	var wg sync.WaitGroup
	for c := range b.cfg.Profile.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.loadClient(ls, c)
		}()
	}
	var probes, breaches atomic.Int64
	var breachDesc atomic.Value
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.isolationProbes(lctx, keys, seeded, &probes, &breaches, &breachDesc)
	}()
	wg.Wait()
	b.http.CloseIdleConnections()
	sgor1, kinds1, gerr1 := b.settle(ctx, sgor0+loadGoroutineSlack, kinds0.handles()+loadFDSlack)
	fds1, threads1 := b.childFigures()
	gor1 := runtime.NumGoroutine()

	for _, r := range loadRoutes {
		fmt.Fprintf(b.cfg.Out, "load route=%s n=%d p50=%.2fms p99=%.2fms\n", r, len(ls.lat[r]), percentile(ls.lat[r], 50), percentile(ls.lat[r], 99))
	}
	total := ls.total.Load()
	fmt.Fprintf(b.cfg.Out, "load requests=%d rate=%.0f/s server-fds %d->%d server-threads %d->%d server-goroutines %d->%d client-goroutines %d->%d\n",
		total, float64(total)/b.cfg.Profile.Load.Seconds(), fds0, fds1, threads0, threads1, sgor0, sgor1, gor0, gor1)
	fe, _ := ls.firstErr.Load().(string)
	b.check(ls.unexpected.Load() == 0 && total > 0, "load clients=%d requests=%d unexpected-errors=%d %s first: %s", b.cfg.Profile.Clients, total, ls.unexpected.Load(), ls.errSummary(), fe)
	b.check(len(ls.lat["traverse"]) > 0 && len(ls.lat["entities"]) > 0 && len(ls.lat["memory-graph"]) > 0 && ls.graphHits.Load() > 0,
		"load/graph entities=%d traverse=%d (answers naming entities=%d) memory-graph=%d", len(ls.lat["entities"]), len(ls.lat["traverse"]), ls.graphHits.Load(), len(ls.lat["memory-graph"]))
	b.check(kinds1.handles() <= kinds0.handles()+loadFDSlack, "load/fd-leak server fds before=%d after=%d: sockets, pipes, deleted and other files %s -> %s (slack %d); data-directory files %d -> %d (index segments and tables grow with the data)",
		fds0, fds1, kinds0, kinds1, loadFDSlack, kinds0["data"], kinds1["data"])
	b.check(gerr0 == nil && gerr1 == nil && sgor1 <= sgor0+loadGoroutineSlack, "load/goroutine-leak server goroutines before=%d after=%d (slack %d)%s%s",
		sgor0, sgor1, loadGoroutineSlack, errOrNil(gerr0), errOrNil(gerr1))

	// Every seeded memory of the probed namespaces is still there.
	lost := 0
	for n := 1; n < nsCount; n++ {
		for _, id := range seeded[n] {
			if st, _, err := b.call(ctx, "GET", "/v1/memories/"+id, keys[n], nil); err != nil || st != http.StatusOK {
				lost++
			}
		}
	}
	bd, _ := breachDesc.Load().(string)
	b.check(breaches.Load() == 0 && lost == 0 && probes.Load() > 0, "isolation probes=%d successes=%d victim-memories-lost=%d %s", probes.Load(), breaches.Load(), lost, bd)
	return nil
}

func errOrNil(err error) string {
	if err == nil {
		return ""
	}
	return " " + err.Error()
}

// loadClient is one load client: until the deadline, a seeded mix of
// store 35%, recall 20%, search 15%, forget 10% (its own memories),
// entity listing 5%, graph traversal 10% and memory graph 5%.
func (b *battery) loadClient(ls *loadState, c int) {
	rng := newClientRand(b.cfg.Seed, uint64(c))
	ctx := ls.ctx
	var mine []string // "ns|id" of this client's memories not yet forgotten
	for i := 0; ctx.Err() == nil; i++ {
		n := rng.IntN(len(ls.keys))
		ns, key := fmt.Sprintf("load%d", n), ls.keys[n]
		person, org, place := relPeople[rng.IntN(len(relPeople))], relOrgs[rng.IntN(len(relOrgs))], relPlaces[rng.IntN(len(relPlaces))]
		t0 := time.Now()
		switch op := rng.IntN(20); {
		case op < 7:
			content := fmt.Sprintf("load note loadw%dx%d: %s joined %s in %s.", c, i, person, org, place)
			if i%10 == 0 {
				content += " " + relCanary
			}
			id, st, err := b.storeMemory(ctx, key, ns, content, []string{"load"}, map[string]any{"client": c})
			ls.note("store", time.Since(t0), st, err)
			if id != "" {
				mine = append(mine, ns+"|"+id)
			}
		case op < 11:
			st, _, err := b.call(ctx, "POST", "/v1/memory/recall", key, map[string]any{"agent_id": "rel", "namespace": ns, "query": "where did " + person + " go " + relCanary, "top_k": 10})
			ls.note("recall", time.Since(t0), st, err)
		case op < 14:
			st, _, err := b.call(ctx, "POST", "/v1/memory/search", key, map[string]any{"agent_id": "rel", "namespace": ns, "query": "note"})
			ls.note("search", time.Since(t0), st, err)
		case op < 16:
			if len(mine) == 0 {
				continue
			}
			nsID := strings.SplitN(mine[0], "|", 2)
			mine = mine[1:]
			st, _, err := b.call(ctx, "POST", "/v1/memory/forget", ls.keys[nsIndex(nsID[0])], map[string]any{"agent_id": "rel", "namespace": nsID[0], "memory_ids": []string{nsID[1]}})
			ls.note("forget", time.Since(t0), st, err)
		case op < 17:
			first, _, _ := strings.Cut(person, " ")
			st, _, err := b.call(ctx, "GET", "/v1/namespaces/"+ns+"/entities?limit=10&q="+url.QueryEscape(first), key, nil)
			ls.note("entities", time.Since(t0), st, err)
		case op < 19:
			st, out, err := b.call(ctx, "POST", "/v1/namespaces/"+ns+"/graph/traverse", key, map[string]any{"start": []string{person, org}, "depth": 2, "limit": 50})
			ls.note("traverse", time.Since(t0), st, err)
			if st == http.StatusOK && bytes.Contains(out, []byte(`"name":`)) {
				ls.graphHits.Add(1)
			}
		default:
			// The newest memory of this client (forget takes the oldest),
			// or a seeded one of the namespace.
			nsName, id := ns, ls.seeded[n][rng.IntN(len(ls.seeded[n]))]
			if len(mine) > 0 {
				p := strings.SplitN(mine[len(mine)-1], "|", 2)
				nsName, id = p[0], p[1]
			}
			st, _, err := b.call(ctx, "GET", "/v1/memories/"+id+"/graph?depth=2", ls.keys[nsIndex(nsName)], nil)
			ls.note("memory-graph", time.Since(t0), st, err)
		}
	}
}

// isolationProbes runs (d): namespace load0's key probes the others, until
// ctx ends.
func (b *battery) isolationProbes(ctx context.Context, keys []string, seeded [][]string, probes, breaches *atomic.Int64, desc *atomic.Value) {
	for i := 0; ctx.Err() == nil; i++ {
		n := 1 + i%(len(keys)-1)
		ns := fmt.Sprintf("load%d", n)
		victim := seeded[n][i%len(seeded[n])]
		reqs := []struct {
			method, path string
			body         any
		}{
			{"POST", "/v1/memory/store", map[string]any{"agent_id": "rel", "namespace": ns, "content": "intruder"}},
			{"POST", "/v1/memory/recall", map[string]any{"agent_id": "rel", "namespace": ns, "query": "seed"}},
			{"POST", "/v1/memory/search", map[string]any{"agent_id": "rel", "namespace": ns, "query": "seed"}},
			{"GET", "/v1/memories/" + victim, nil},
			{"POST", "/v1/memory/forget", map[string]any{"agent_id": "rel", "namespace": ns, "memory_ids": []string{victim}}},
			{"GET", "/v1/namespaces/" + ns, nil},
			{"GET", "/v1/namespaces/" + ns + "/export", nil},
			{"GET", "/v1/namespaces/" + ns + "/entities", nil},
			{"POST", "/v1/namespaces/" + ns + "/graph/traverse", map[string]any{"start": []string{relPeople[0]}}},
			{"GET", "/v1/memories/" + victim + "/graph", nil},
		}
		for _, r := range reqs {
			st, _, err := b.call(ctx, r.method, r.path, keys[0], r.body)
			if err != nil {
				continue
			}
			probes.Add(1)
			if st < 400 {
				breaches.Add(1)
				desc.CompareAndSwap(nil, fmt.Sprintf("%s %s -> %d", r.method, r.path, st))
			}
		}
	}
}

func nsIndex(ns string) int {
	var n int
	fmt.Sscanf(strings.TrimPrefix(ns, "load"), "%d", &n)
	return n
}

// serverGoroutines reads go_goroutines from the server's /metrics (any
// authenticated key may scrape it).
func (b *battery) serverGoroutines(ctx context.Context) (int, error) {
	st, out, err := b.call(ctx, "GET", "/metrics", relRootKey, nil)
	if err != nil {
		return 0, err
	}
	b.http.CloseIdleConnections()
	if st != http.StatusOK {
		return 0, fmt.Errorf("/metrics status %d", st)
	}
	return parseGoroutines(out)
}

// parseGoroutines finds the go_goroutines sample of a Prometheus text
// exposition.
func parseGoroutines(exposition []byte) (int, error) {
	sc := bufio.NewScanner(bytes.NewReader(exposition))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "go_goroutines ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("go_goroutines %q: %w", v, err)
		}
		return int(f), nil
	}
	return 0, fmt.Errorf("no go_goroutines sample in /metrics")
}

// fdCounts counts a process's open file descriptors by what they point
// at: "data" (a file of the data directory), "deleted" (an unlinked file
// still open), "socket", "pipe", "other".
type fdCounts map[string]int

// handles is every descriptor that is not a live data file: the ones that
// must not grow across the load.
func (c fdCounts) handles() int { return c["deleted"] + c["socket"] + c["pipe"] + c["other"] }

func (c fdCounts) String() string {
	return fmt.Sprintf("%d (sockets %d, pipes %d, deleted %d, other %d)", c.handles(), c["socket"], c["pipe"], c["deleted"], c["other"])
}

// fdKind classifies the target of a /proc/PID/fd link.
func fdKind(target, dataDir string) string {
	switch {
	case strings.HasSuffix(target, " (deleted)"):
		return "deleted"
	case strings.HasPrefix(target, "socket:"):
		return "socket"
	case strings.HasPrefix(target, "pipe:"):
		return "pipe"
	case dataDir != "" && strings.HasPrefix(target, dataDir+string(filepath.Separator)):
		return "data"
	}
	return "other"
}

// fdKinds reads the child's open descriptors.
func (b *battery) fdKinds() fdCounts {
	c := fdCounts{}
	if b.child == nil || b.child.Process == nil {
		return c
	}
	dir := fmt.Sprintf("/proc/%d/fd", b.child.Process.Pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return c
	}
	data, _ := filepath.Abs(b.cfg.Dir)
	for _, e := range ents {
		if t, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil {
			c[fdKind(t, data)]++
		}
	}
	return c
}

// settle reads the server's goroutines and descriptors until they are at
// most maxGoroutines and maxHandles or 10 s have passed (connection
// goroutines end shortly after their clients close; index merges release
// files), and returns the last figures.
func (b *battery) settle(ctx context.Context, maxGoroutines, maxHandles int) (int, fdCounts, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := b.serverGoroutines(ctx)
		kinds := b.fdKinds()
		if err != nil || (n <= maxGoroutines && kinds.handles() <= maxHandles) || time.Now().After(deadline) {
			return n, kinds, err
		}
		time.Sleep(200 * time.Millisecond) // polling a process we do not control
	}
}
