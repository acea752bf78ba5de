package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestReliabilityChild is the server process of TestReliabilityShort: the
// test binary re-executed with ENGRAM_RELIABILITY_CHILD holding the
// command line as JSON. It does nothing in a normal run.
func TestReliabilityChild(t *testing.T) {
	raw := os.Getenv("ENGRAM_RELIABILITY_CHILD")
	if raw == "" {
		t.Skip("only runs as the battery's child server")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		os.Exit(3)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, args, os.Stdout, os.Stderr))
}

// TestReliabilityShort runs the short profile of the reliability battery
// against this test binary as the server (3 SIGKILL cycles, 5 s of load,
// the hostile-input table, isolation probes, canary scan). Skipped with
// -short; `make reliability` runs the full profile.
func TestReliabilityShort(t *testing.T) {
	if testing.Short() || os.Getenv("ENGRAM_RELIABILITY_CHILD") != "" {
		t.Skip("reliability battery skipped in -short mode")
	}
	seed := uint64(20261123)
	t.Logf("seed %d", seed)
	var out bytes.Buffer
	passed, failed, err := runBattery(context.Background(), batteryConfig{
		Profile: reliabilityProfiles["short"], Seed: seed, Dir: filepath.Join(t.TempDir(), "data"), Out: &out,
		Child: func(args ...string) *exec.Cmd {
			b, _ := json.Marshal(args)
			cmd := exec.Command(os.Args[0], "-test.run=^TestReliabilityChild$")
			cmd.Env = append(os.Environ(), "ENGRAM_RELIABILITY_CHILD="+string(b))
			return cmd
		},
	})
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "FAIL ") {
			t.Errorf("battery check failed: %s", l)
		}
	}
	if passed < 20 || failed > 0 {
		t.Errorf("%d passed, %d failed", passed, failed)
	}
}

// TestFuzzTargetsListed checks that fuzzTargets names every fuzz target
// of the repository, and nothing else.
func TestFuzzTargetsListed(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := moduleRoot(wd)
	if err != nil {
		t.Skip(err)
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(\w+ \*testing\.F\)`)
	found := map[fuzzTarget]bool{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllSubmatch(src, -1) {
			found[fuzzTarget{"./" + filepath.ToSlash(rel), string(m[1])}] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[fuzzTarget]bool{}
	for _, ft := range fuzzTargets {
		if listed[ft] {
			t.Errorf("%s %s listed twice", ft.Pkg, ft.Name)
		}
		listed[ft] = true
		if !found[ft] {
			t.Errorf("fuzzTargets lists %s %s, which no test file of the repository defines", ft.Pkg, ft.Name)
		}
	}
	for ft := range found {
		if !listed[ft] {
			t.Errorf("fuzz target %s %s is missing from fuzzTargets (cmd/engram/reliability_fuzz.go)", ft.Pkg, ft.Name)
		}
	}
	if len(found) == 0 {
		t.Error("found no fuzz target in the repository")
	}
}

func TestParseExecs(t *testing.T) {
	for _, c := range []struct {
		name, out string
		want      int64
	}{
		{"final-line", "fuzz: elapsed: 0s, gathering baseline coverage: 0/49 completed\nfuzz: elapsed: 3s, execs: 50 (17/sec), new interesting: 0 (total: 49)\nfuzz: elapsed: 10s, execs: 9174 (809/sec), new interesting: 9 (total: 58)\nPASS\n", 9174},
		{"none", "FAIL\tgithub.com/engramhq/engram/memory [build failed]\n", 0},
		{"empty", "", 0},
	} {
		t.Run("case="+c.name, func(t *testing.T) {
			if got := parseExecs([]byte(c.out)); got != c.want {
				t.Errorf("parseExecs = %d, want %d", got, c.want)
			}
		})
	}
}

func TestParseGoroutines(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     int
		ok       bool
	}{
		{"sample", "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines 87\ngo_threads 9\n", 87, true},
		{"float", "go_goroutines 1.2e+02\n", 120, true},
		{"prefix-only", "go_goroutines_total 5\n", 0, false},
		{"garbage", "go_goroutines many\n", 0, false},
		{"missing", "go_threads 9\n", 0, false},
	} {
		t.Run("case="+c.name, func(t *testing.T) {
			got, err := parseGoroutines([]byte(c.in))
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("parseGoroutines = %d, %v; want %d, ok=%v", got, err, c.want, c.ok)
			}
		})
	}
}

func TestModulePath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"module github.com/engramhq/engram\n\ngo 1.26\n", relModule},
		{"// comment\nmodule \"example.com/x\"\n", "example.com/x"},
		{"go 1.26\n", ""},
	} {
		if got := modulePath([]byte(c.in)); got != c.want {
			t.Errorf("modulePath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFuzzVerdict(t *testing.T) {
	exit1 := errors.New("exit status 1")
	progress := "fuzz: elapsed: 3s, execs: 4988 (1662/sec), new interesting: 2 (total: 9)\n"
	for _, c := range []struct {
		name, out string
		err       error
		want      bool
	}{
		{"clean", progress + "PASS\nok  \tgithub.com/engramhq/engram/memory\t3.1s\n", nil, true},
		{"clean-no-execs", "PASS\nok  \tgithub.com/engramhq/engram/httpapi\t2.5s\n", nil, true},
		{"deadline-race", progress + "--- FAIL: FuzzStaticEmbed (3.04s)\n    context deadline exceeded\nFAIL\nexit status 1\nFAIL\tgithub.com/engramhq/engram/recall/embed\t3.091s\n", exit1, true},
		{"deadline-race-no-execs", "--- FAIL: FuzzX (3.04s)\n    context deadline exceeded\nFAIL\n", exit1, false},
		{"failing-input", progress + "--- FAIL: FuzzImport (7.30s)\n    --- FAIL: FuzzImport (0.00s)\n        fuzz_import_test.go:187: recall lost\n    \n    Failing input written to testdata/fuzz/FuzzImport/caf81e\n    To re-run:\n    go test -run=FuzzImport/caf81e\nFAIL\n", exit1, false},
		{"panic", progress + "--- FAIL: FuzzX (1.00s)\n    panic: runtime error: index out of range\n    context deadline exceeded\nFAIL\n", exit1, false},
		{"build-failed", "# github.com/engramhq/engram/httpapi\nhttpapi/metrics.go:207:10: m.Extraction undefined\nFAIL\tgithub.com/engramhq/engram/memory [build failed]\n", exit1, false},
	} {
		t.Run("case="+c.name, func(t *testing.T) {
			if got, detail := fuzzVerdict([]byte(c.out), c.err); got != c.want {
				t.Errorf("fuzzVerdict = %v (%s), want %v", got, detail, c.want)
			}
		})
	}
}
