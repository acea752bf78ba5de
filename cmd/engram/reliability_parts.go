package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// mkKey creates an API key through the admin route and returns its secret.
func (b *battery) mkKey(ctx context.Context, name, scope string, namespaces []string) (string, error) {
	body := map[string]any{"name": name, "scope": scope, "rate_limit": map[string]any{"per_second": 100000, "burst": 100000}}
	if namespaces != nil {
		body["namespaces"] = namespaces
	}
	st, out, err := b.call(ctx, "POST", "/admin/keys", relRootKey, body)
	if err != nil {
		return "", err
	}
	if st != http.StatusCreated {
		return "", fmt.Errorf("create key: status %d: %s", st, tail(string(out), 300))
	}
	var r struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Key == "" {
		return "", fmt.Errorf("create key answer %q", tail(string(out), 200))
	}
	return r.Key, nil
}

// loadPart runs (b) load with (d) isolation probes alongside.
func (b *battery) loadPart(ctx context.Context) error {
	const nsCount = 4
	keys := make([]string, nsCount)
	seeded := make([][]string, nsCount) // memory ids per namespace
	for i := range nsCount {
		ns := fmt.Sprintf("load%d", i)
		k, err := b.mkKey(ctx, "load-"+ns, "write", []string{ns})
		if err != nil {
			return err
		}
		keys[i] = k
		for j := range 5 {
			id, st, err := b.storeMemory(ctx, k, ns, fmt.Sprintf("seed %d of %s mentions %s", j, ns, relCanary),
				[]string{"seed", relCanary}, map[string]any{"note": relCanary})
			if err != nil || st != http.StatusOK {
				return fmt.Errorf("seed %s: status %d: %v", ns, st, err)
			}
			seeded[i] = append(seeded[i], id)
		}
	}
	b.http.CloseIdleConnections()
	fds0, threads0 := b.childFigures()
	gor0 := runtime.NumGoroutine()

	lctx, cancel := context.WithTimeout(ctx, b.cfg.Profile.Load)
	defer cancel()
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	var total, unexpected atomic.Int64
	var firstErr atomic.Value
	note := func(route string, d time.Duration, st int, err error) {
		if lctx.Err() != nil && err != nil {
			return // the deadline cut the request short
		}
		total.Add(1)
		if err != nil || st != http.StatusOK {
			unexpected.Add(1)
			firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: status %d err %v", route, st, err))
			return
		}
		mu.Lock()
		lat[route] = append(lat[route], d)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for c := range b.cfg.Profile.Clients {
		rng := newClientRand(b.cfg.Seed, uint64(c))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []string
			for i := 0; lctx.Err() == nil; i++ {
				n := rng.IntN(nsCount)
				ns, key := fmt.Sprintf("load%d", n), keys[n]
				word := fmt.Sprintf("loadw%dx%d", c, i)
				t0 := time.Now()
				switch op := rng.IntN(10); {
				case op < 4:
					content := "load note " + word
					if i%10 == 0 {
						content += " " + relCanary
					}
					id, st, err := b.storeMemory(lctx, key, ns, content, []string{"load"}, map[string]any{"client": c})
					note("store", time.Since(t0), st, err)
					if id != "" {
						mine = append(mine, ns+"|"+id)
					}
				case op < 7:
					st, _, err := b.call(lctx, "POST", "/v1/memory/recall", key, map[string]any{"agent_id": "rel", "namespace": ns, "query": "load note " + relCanary, "top_k": 10})
					note("recall", time.Since(t0), st, err)
				case op < 9:
					st, _, err := b.call(lctx, "POST", "/v1/memory/search", key, map[string]any{"agent_id": "rel", "namespace": ns, "query": "note"})
					note("search", time.Since(t0), st, err)
				default:
					if len(mine) == 0 {
						continue
					}
					nsID := strings.SplitN(mine[0], "|", 2)
					mine = mine[1:]
					k := keys[nsIndex(nsID[0])]
					st, _, err := b.call(lctx, "POST", "/v1/memory/forget", k, map[string]any{"agent_id": "rel", "namespace": nsID[0], "memory_ids": []string{nsID[1]}})
					note("forget", time.Since(t0), st, err)
				}
			}
		}()
	}
	// (d) isolation: load0's key probes the other namespaces.
	var probes, breaches atomic.Int64
	var breachDesc atomic.Value
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; lctx.Err() == nil; i++ {
			n := 1 + i%(nsCount-1)
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
			}
			for _, r := range reqs {
				st, _, err := b.call(lctx, r.method, r.path, keys[0], r.body)
				if err != nil {
					continue
				}
				probes.Add(1)
				if st < 400 {
					breaches.Add(1)
					breachDesc.CompareAndSwap(nil, fmt.Sprintf("%s %s -> %d", r.method, r.path, st))
				}
			}
		}
	}()
	wg.Wait()
	b.http.CloseIdleConnections()
	fds1, threads1 := b.childFigures()
	gor1 := runtime.NumGoroutine()

	routes := []string{"store", "recall", "search", "forget"}
	for _, r := range routes {
		fmt.Fprintf(b.cfg.Out, "load route=%s n=%d p50=%.2fms p99=%.2fms\n", r, len(lat[r]), percentile(lat[r], 50), percentile(lat[r], 99))
	}
	fmt.Fprintf(b.cfg.Out, "load requests=%d rate=%.0f/s server-fds %d->%d server-threads %d->%d client-goroutines %d->%d\n",
		total.Load(), float64(total.Load())/b.cfg.Profile.Load.Seconds(), fds0, fds1, threads0, threads1, gor0, gor1)
	fe, _ := firstErr.Load().(string)
	b.check(unexpected.Load() == 0 && total.Load() > 0, "load requests=%d unexpected-errors=%d %s", total.Load(), unexpected.Load(), fe)
	b.check(fds1 <= fds0+16, "load/fd-leak server fds before=%d after=%d", fds0, fds1)

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

func nsIndex(ns string) int {
	var n int
	fmt.Sscanf(strings.TrimPrefix(ns, "load"), "%d", &n)
	return n
}

// hostilePart runs (c): crafted requests, each must be answered 4xx.
func (b *battery) hostilePart() {
	ctx := context.Background()
	key, err := b.mkKey(ctx, "hostile", "admin", nil)
	if err != nil {
		b.check(false, "hostile: create key: %v", err)
		return
	}
	tenK := make([]string, 10_000)
	for i := range tenK {
		tenK[i] = fmt.Sprintf("t%d", i)
	}
	big := b.cfg.Profile.BigArray
	million := bytes.Repeat([]byte("1,"), big)
	million = append(append([]byte(`{"agent_id":"rel","namespace":"hostile","content":"x","tags":[`), million[:len(million)-1]...), ']', '}')
	deep := append(append([]byte(`{"agent_id":"rel","namespace":"hostile","content":"x","metadata":{"a":`), bytes.Repeat([]byte("["), 100_000)...), bytes.Repeat([]byte("]"), 100_000)...)
	deep = append(deep, '}', '}')
	store := func(extra string) []byte {
		return []byte(`{"agent_id":"rel","namespace":"hostile",` + extra + `}`)
	}
	cases := []struct {
		name, method, path string
		body               []byte
	}{
		{"huge-top-k", "POST", "/v1/memory/recall", []byte(`{"agent_id":"rel","namespace":"hostile","query":"q","top_k":1e309}`)},
		{"huge-int-top-k", "POST", "/v1/memory/recall", []byte(`{"agent_id":"rel","namespace":"hostile","query":"q","top_k":99999999999999999999999}`)},
		{"negative-top-k", "POST", "/v1/memory/recall", []byte(`{"agent_id":"rel","namespace":"hostile","query":"q","top_k":-1}`)},
		{"huge-importance", "POST", "/v1/memory/store", store(`"content":"x","importance":1e308`)},
		{"deep-json-nesting", "POST", "/v1/memory/store", deep},
		{"invalid-utf8-content", "POST", "/v1/memory/store", store("\"content\":\"bad \xff\xfe bytes\"")},
		{"invalid-utf8-namespace", "POST", "/v1/memory/store", []byte("{\"agent_id\":\"rel\",\"namespace\":\"n\xff\",\"content\":\"x\"}")},
		{"null-byte-namespace", "POST", "/v1/memory/store", []byte(`{"agent_id":"rel","namespace":"a\u0000b","content":"x"}`)},
		{"null-byte-agent", "POST", "/v1/memory/store", []byte(`{"agent_id":"a\u0000b","namespace":"hostile","content":"x"}`)},
		{"traversal-namespace-body", "POST", "/v1/memory/store", []byte(`{"agent_id":"rel","namespace":"../../etc/passwd","content":"x"}`)},
		{"traversal-namespace-path", "GET", "/v1/namespaces/..%2F..%2Fetc", nil},
		{"traversal-namespace-create", "POST", "/v1/namespaces", []byte(`{"name":"../db"}`)},
		{"traversal-memory-id", "GET", "/v1/memories/..%2F..%2Fkeyring", nil},
		{"10k-tags", "POST", "/v1/memory/store", mustMarshal(map[string]any{"agent_id": "rel", "namespace": "hostile", "content": "x", "tags": tenK})},
		{fmt.Sprintf("%d-element-array", big), "POST", "/v1/memory/store", million},
		{fmt.Sprintf("%d-item-batch", big), "POST", "/v1/memories/store/batch", append(append([]byte(`{"namespace":"hostile","memories":[`), bytes.Repeat([]byte(`{},`), big)...), []byte(`{}]}`)...)},
		{"content-too-large", "POST", "/v1/memory/store", mustMarshal(map[string]any{"agent_id": "rel", "namespace": "hostile", "content": strings.Repeat("a", 100_001)})},
		{"malformed-json", "POST", "/v1/memory/store", []byte(`{"agent_id":"rel",`)},
		{"wrong-types", "POST", "/v1/memory/store", []byte(`{"agent_id":["rel"],"namespace":{},"content":7}`)},
		{"empty-body", "POST", "/v1/memory/store", []byte(``)},
		{"trailing-garbage", "POST", "/v1/memory/store", append(store(`"content":"x"`), []byte(`{"x":1}`)...)},
		{"bad-memory-type", "POST", "/v1/memory/store", store(`"content":"x","memory_type":"` + strings.Repeat("z", 5000) + `"`)},
		{"metadata-not-object", "POST", "/v1/memory/store", store(`"content":"x","metadata":[1,2]`)},
		{"huge-expires", "POST", "/v1/memory/store", store(`"content":"x","expires_at":1e300`)},
		{"canary-in-bad-query", "POST", "/v1/memory/recall", []byte(`{"agent_id":"rel","namespace":"hostile","query":"` + relCanary + `","top_k":5000}`)},
	}
	bad := 0
	for _, c := range cases {
		t0 := time.Now()
		st, out, err := b.call(ctx, c.method, c.path, key, c.body)
		d := time.Since(t0)
		ok := err == nil && st >= 400 && st < 500
		if !ok {
			bad++
		}
		b.check(ok, "hostile/case=%s status=%d %.1fms %s", c.name, st, float64(d.Microseconds())/1000, errOrBody(err, out, ok))
	}
	fmt.Fprintf(b.cfg.Out, "hostile cases=%d not-4xx=%d\n", len(cases), bad)
}

func errOrBody(err error, out []byte, ok bool) string {
	if err != nil {
		return err.Error()
	}
	if ok {
		return ""
	}
	return tail(string(out), 160)
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// canaryPart runs (e): scan every file of the stopped server's data
// directory for the canary word.
func (b *battery) canaryPart() {
	files, hits := 0, 0
	var where []string
	needles := [][]byte{[]byte(relCanary), []byte(strings.ToUpper(relCanary))}
	err := filepath.WalkDir(b.cfg.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(data, n) {
				hits++
				where = append(where, strings.TrimPrefix(p, b.cfg.Dir))
			}
		}
		return nil
	})
	b.check(err == nil && hits == 0 && files > 0, "canary files=%d hits=%d %v %v", files, hits, where, err)
}
