package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The reliability battery (`engram reliability`, `make reliability`, and
// the short profile in TestReliabilityShort) runs a real server as a child
// process on 127.0.0.1 and checks, in order:
//
//	(a) crash safety: SIGKILL at seeded random moments while a client
//	    writes with acknowledgements; after each restart every acknowledged
//	    write is readable and a bm25 recall of its unique word finds it
//	(b) load: concurrent clients mixing store/recall/search/forget and
//	    entity-graph calls over several namespaces with scoped keys: zero
//	    unexpected errors, p50/p99 per route, no growth of the server's
//	    file descriptors or goroutines afterwards
//	(c) hostile input: crafted requests, each answered 4xx, never 5xx;
//	    then, with the server stopped, every Go fuzz target of the
//	    repository (fuzzTargets) for a bounded time: zero failures
//	(d) isolation: scoped keys probing other namespaces during the load:
//	    zero successes
//	(e) canary: after a clean stop, no file of the data directory holds
//	    the canary word planted in content, tags, metadata and queries
//
// It prints each part's figures and ends with "N passed, M failed".

// reliabilityProfile sizes a battery run.
type reliabilityProfile struct {
	Cycles  int           // crash cycles
	Load    time.Duration // load duration
	Clients int           // concurrent load clients
	MaxKill time.Duration // longest run before a SIGKILL
	// BigArray is the element count of the hostile huge-array cases.
	BigArray int
	// FuzzTime is how long each fuzz target runs; zero skips them.
	FuzzTime time.Duration
}

var reliabilityProfiles = map[string]reliabilityProfile{
	// The short profile runs in CI under -race: the fuzz targets' seed
	// corpora already run there under go test, so it fuzzes nothing.
	"short": {Cycles: 3, Load: 5 * time.Second, Clients: 4, MaxKill: 700 * time.Millisecond, BigArray: 100_000},
	"full":  {Cycles: 20, Load: 60 * time.Second, Clients: 32, MaxKill: 3 * time.Second, BigArray: 1_000_000, FuzzTime: 10 * time.Second},
}

const (
	relRootKey   = "engram_reliability_root_key_0123456789abcdefgh"
	relMasterKey = "5c0ffee05c0ffee05c0ffee05c0ffee05c0ffee05c0ffee05c0ffee05c0ffee0"
	relCanary    = "canaryqx7vz"
)

// batteryConfig is one run of the battery.
type batteryConfig struct {
	Profile reliabilityProfile
	Seed    uint64
	Dir     string // data directory (created, must be empty)
	// Child returns the command that runs `engram serve` with args.
	Child func(args ...string) *exec.Cmd
	Out   io.Writer
}

func runReliability(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reliability", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "short", "short or full")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed (kill moments, load mix)")
	keep := fs.Bool("keep", false, "keep the data directory")
	fuzzTime := fs.Duration("fuzztime", -1, "time per fuzz target (0 skips them; default: the profile's, 10s full, none short)")
	clients := fs.Int("clients", 0, "concurrent load clients (0: the profile's, 4 short, 32 full)")
	load := fs.Duration("load", 0, "load duration (0: the profile's, 5s short, 60s full)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	p, ok := reliabilityProfiles[*profile]
	if !ok {
		return fmt.Errorf("unknown profile %q (short or full)", *profile)
	}
	if *fuzzTime >= 0 {
		p.FuzzTime = *fuzzTime
	}
	if *clients > 0 {
		p.Clients = *clients
	}
	if *load > 0 {
		p.Load = *load
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "engram-reliability-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	passed, failed, err := runBattery(ctx, batteryConfig{Profile: p, Seed: *seed, Dir: filepath.Join(dir, "data"), Out: stdout,
		Child: func(a ...string) *exec.Cmd { return exec.Command(exe, a...) }})
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed (seed %d)", failed, passed+failed, *seed)
	}
	return nil
}

// battery holds one run's state.
type battery struct {
	cfg    batteryConfig
	rng    *rand.Rand
	http   *http.Client
	addr   string
	child  *exec.Cmd
	logs   *bytes.Buffer
	passed int
	failed int
	// crashKey is a write key on namespace "crash" with a high rate
	// limit (the root key's default limit would throttle the writer).
	crashKey string
}

func newClientRand(seed, client uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, client+1)) }

func runBattery(ctx context.Context, cfg batteryConfig) (passed, failed int, err error) {
	b := &battery{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed)),
		http: &http.Client{Timeout: 30 * time.Second}}
	fmt.Fprintf(cfg.Out, "reliability seed=%d cycles=%d load=%s clients=%d fuzztime=%s\n", cfg.Seed, cfg.Profile.Cycles, cfg.Profile.Load, cfg.Profile.Clients, cfg.Profile.FuzzTime)
	defer b.kill()
	if err := b.crashPart(ctx); err != nil {
		return b.passed, b.failed, err
	}
	if err := b.start(ctx); err != nil {
		return b.passed, b.failed, err
	}
	if err := b.loadPart(ctx); err != nil {
		return b.passed, b.failed, err
	}
	b.hostilePart()
	if err := b.stop(); err != nil {
		return b.passed, b.failed, err
	}
	b.canaryPart()
	b.fuzzPart(ctx)
	fmt.Fprintf(cfg.Out, "%d passed, %d failed\n", b.passed, b.failed)
	return b.passed, b.failed, nil
}

func (b *battery) check(ok bool, format string, a ...any) {
	status := "PASS"
	if ok {
		b.passed++
	} else {
		b.failed++
		status = "FAIL"
	}
	fmt.Fprintf(b.cfg.Out, "%s %s\n", status, fmt.Sprintf(format, a...))
}

// freeAddr returns a 127.0.0.1 address with a free port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start runs the server child and waits until /health/ready answers 200.
func (b *battery) start(ctx context.Context) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	b.addr = addr
	cmd := b.cfg.Child("serve", "--data", b.cfg.Dir, "--addr", addr, "--log-level", "warn")
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "ENGRAM_MASTER_KEY="+relMasterKey, "ENGRAM_ROOT_KEY="+relRootKey)
	b.logs = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = io.Discard, &syncWriter{w: b.logs}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	b.child = cmd
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := b.http.Get("http://" + addr + "/health/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling a process we do not control
	}
	b.kill()
	return fmt.Errorf("server did not become ready: %s", tail(b.logs.String(), 2000))
}

// kill SIGKILLs the child and reaps it.
func (b *battery) kill() {
	if b.child == nil {
		return
	}
	_ = b.child.Process.Signal(syscall.SIGKILL)
	_ = b.child.Wait()
	b.child = nil
}

// stop asks the child to shut down (SIGTERM) and waits.
func (b *battery) stop() error {
	if b.child == nil {
		return nil
	}
	_ = b.child.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- b.child.Wait() }()
	select {
	case err := <-done:
		b.child = nil
		if err != nil {
			return fmt.Errorf("server exit: %w: %s", err, tail(b.logs.String(), 2000))
		}
		return nil
	case <-time.After(30 * time.Second):
		b.kill()
		return errors.New("server did not stop within 30s of SIGTERM")
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// call sends a JSON request and returns the status and body.
func (b *battery) call(ctx context.Context, method, path, key string, body any) (int, []byte, error) {
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	default:
		buf, err := json.Marshal(v)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+b.addr+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := b.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	return res.StatusCode, out, err
}

// storeMemory stores content in ns and returns the memory id.
func (b *battery) storeMemory(ctx context.Context, key, ns, content string, tags []string, meta map[string]any) (string, int, error) {
	body := map[string]any{"agent_id": "rel", "namespace": ns, "content": content}
	if tags != nil {
		body["tags"] = tags
	}
	if meta != nil {
		body["metadata"] = meta
	}
	st, out, err := b.call(ctx, "POST", "/v1/memory/store", key, body)
	if err != nil || st != http.StatusOK {
		return "", st, err
	}
	var r struct {
		Memory struct {
			ID string `json:"id"`
		} `json:"memory"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Memory.ID == "" {
		return "", st, fmt.Errorf("store answer %q", tail(string(out), 200))
	}
	return r.Memory.ID, st, nil
}

// recallFinds reports whether a bm25 recall of query in ns returns id.
func (b *battery) recallFinds(ctx context.Context, key, ns, query, id string) (bool, error) {
	st, out, err := b.call(ctx, "POST", "/v1/memory/recall", key, map[string]any{
		"agent_id": "rel", "namespace": ns, "query": query, "routing": "bm25", "top_k": 5})
	if err != nil {
		return false, err
	}
	if st != http.StatusOK {
		return false, fmt.Errorf("recall status %d: %s", st, tail(string(out), 200))
	}
	return bytes.Contains(out, []byte(`"`+id+`"`)), nil
}

// ack is one acknowledged write of the crash part.
type ack struct{ id, word string }

// crashPart runs the SIGKILL cycles.
func (b *battery) crashPart(ctx context.Context) error {
	var acked []ack
	start := time.Now()
	for cycle := 1; cycle <= b.cfg.Profile.Cycles; cycle++ {
		if err := b.start(ctx); err != nil {
			return err
		}
		if b.crashKey == "" {
			k, err := b.mkKey(ctx, "crash", "write", []string{"crash"})
			if err != nil {
				return err
			}
			b.crashKey = k
		}
		// Every write acknowledged so far survives the previous kill.
		missing, unfound := 0, 0
		for _, a := range acked {
			st, out, err := b.call(ctx, "GET", "/v1/memories/"+a.id, b.crashKey, nil)
			if err != nil || st != http.StatusOK || !bytes.Contains(out, []byte(a.word)) {
				missing++
				continue
			}
			if ok, err := b.recallFinds(ctx, b.crashKey, "crash", a.word, a.id); err != nil || !ok {
				unfound++
			}
		}
		if cycle > 1 {
			b.check(missing == 0 && unfound == 0, "crash/cycle=%d acknowledged=%d missing=%d not-recalled=%d", cycle-1, len(acked), missing, unfound)
		}
		// Write until killed at a seeded random moment.
		killAfter := time.Duration(b.rng.Int64N(int64(b.cfg.Profile.MaxKill-250*time.Millisecond))) + 250*time.Millisecond
		wctx, cancel := context.WithCancel(ctx)
		got := make(chan []ack, 1)
		go func(cycle int) {
			var mine []ack
			for i := 0; wctx.Err() == nil; i++ {
				word := fmt.Sprintf("crashw%dx%d", cycle, i)
				id, st, err := b.storeMemory(wctx, b.crashKey, "crash", "acknowledged write "+word, nil, nil)
				if err == nil && st == http.StatusOK {
					mine = append(mine, ack{id, word})
				}
			}
			got <- mine
		}(cycle)
		timer := time.NewTimer(killAfter)
		<-timer.C
		b.kill()
		cancel()
		mine := <-got
		acked = append(acked, mine...)
		fmt.Fprintf(b.cfg.Out, "crash cycle=%d killed-after=%s acknowledged=%d\n", cycle, killAfter.Round(time.Millisecond), len(mine))
	}
	// Final check after the last kill.
	if err := b.start(ctx); err != nil {
		return err
	}
	missing, unfound := 0, 0
	for _, a := range acked {
		st, _, err := b.call(ctx, "GET", "/v1/memories/"+a.id, b.crashKey, nil)
		if err != nil || st != http.StatusOK {
			missing++
			continue
		}
		if ok, err := b.recallFinds(ctx, b.crashKey, "crash", a.word, a.id); err != nil || !ok {
			unfound++
		}
	}
	b.check(missing == 0 && unfound == 0, "crash/cycle=%d acknowledged=%d missing=%d not-recalled=%d", b.cfg.Profile.Cycles, len(acked), missing, unfound)
	fmt.Fprintf(b.cfg.Out, "crash cycles=%d acknowledged-writes=%d duration=%s\n", b.cfg.Profile.Cycles, len(acked), time.Since(start).Round(time.Millisecond))
	b.kill()
	return nil
}

// childFigures returns the child's open file descriptors and OS threads.
func (b *battery) childFigures() (fds, threads int) {
	if b.child == nil || b.child.Process == nil {
		return 0, 0
	}
	pid := b.child.Process.Pid
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		fds = len(ents)
	}
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			if v, ok := strings.CutPrefix(l, "Threads:"); ok {
				fmt.Sscan(strings.TrimSpace(v), &threads)
			}
		}
	}
	return fds, threads
}
