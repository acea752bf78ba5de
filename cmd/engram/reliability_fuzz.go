package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// fuzzTarget is one Go fuzz target of the repository: a package (relative
// to the module root) and the name of a FuzzXxx function in its tests.
type fuzzTarget struct{ Pkg, Name string }

// fuzzTargets is every fuzz target of the repository; the hostile part of
// the battery runs each for the profile's FuzzTime (TestFuzzTargetsListed
// fails when a target is missing here or listed but gone).
var fuzzTargets = []fuzzTarget{
	{"./graph", "FuzzExtract"},
	{"./graph", "FuzzNormalize"},
	{"./httpapi", "FuzzRequestBodies"},
	{"./memory", "FuzzAgentNamespace"},
	{"./memory", "FuzzImport"},
	{"./memory", "FuzzMemoryID"},
	{"./memory", "FuzzParseDocID"},
	{"./memory", "FuzzParseFilter"},
	{"./memory", "FuzzValidateNamespaceName"},
	{"./memory/auth", "FuzzGrantMatch"},
	{"./memory/auth", "FuzzParseBearer"},
	{"./memory/seal", "FuzzOpen"},
	{"./memory/seal", "FuzzParseMasterKeyHex"},
	{"./memory/webhook", "FuzzVerify"},
	{"./recall/embed", "FuzzStaticEmbed"},
	{"./recall/text", "FuzzSearch"},
	{"./recall/vector", "FuzzRead"},
}

const relModule = "github.com/engramhq/engram"

// moduleRoot returns the directory, at or above dir, whose go.mod declares
// the engram module.
func moduleRoot(dir string) (string, error) {
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(b) == relModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of " + relModule + " at or above the working directory")
		}
		dir = parent
	}
}

func modulePath(gomod []byte) string {
	for _, l := range strings.Split(string(gomod), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "module "); ok {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

var execsRE = regexp.MustCompile(`execs: (\d+)`)

// parseExecs returns the last "execs: N" count of `go test -fuzz` output
// (its final progress line), or 0.
func parseExecs(out []byte) int64 {
	m := execsRE.FindAllSubmatch(out, -1)
	if len(m) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(string(m[len(m)-1][1]), 10, 64)
	return n
}

// fuzzFailure is the part of a failed run's output worth a report line:
// the failure messages and where the failing input was written.
func fuzzFailure(out []byte) string {
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "fuzz: elapsed") || strings.HasPrefix(t, "=== ") {
			continue
		}
		keep = append(keep, t)
	}
	return tail(strings.Join(keep, " | "), 600)
}

// deadlineRace is the error Go's fuzzing coordinator (go1.26) can report
// when -fuzztime expires while a worker is mid-call (go.dev/issue/75804):
// no input failed and none is written.
const deadlineRace = "context deadline exceeded"

// fuzzVerdict reads one `go test -fuzz` run: it passes when the run
// succeeded, or when its only failure is the coordinator's deadline race
// and no failing input was written; detail says why otherwise.
func fuzzVerdict(out []byte, runErr error) (ok bool, detail string) {
	if runErr == nil {
		if parseExecs(out) == 0 {
			return true, "(the fuzz time ended during the baseline pass over the seed corpus)"
		}
		return true, ""
	}
	var failLines []string
	for _, l := range strings.Split(string(out), "\n") {
		t := strings.TrimSpace(l)
		switch {
		case t == "", strings.HasPrefix(t, "fuzz: elapsed"), strings.HasPrefix(t, "--- FAIL: Fuzz"),
			t == "FAIL", strings.HasPrefix(t, "FAIL\t"), strings.HasPrefix(t, "exit status "):
		default:
			failLines = append(failLines, t)
		}
	}
	if len(failLines) == 1 && failLines[0] == deadlineRace && parseExecs(out) > 0 {
		return true, "(coordinator deadline race at the end of -fuzztime, go.dev/issue/75804; no failing input)"
	}
	return false, fmt.Sprintf("%v: %s", runErr, fuzzFailure(out))
}

// fuzzPart runs every fuzz target for the profile's FuzzTime with the go
// toolchain, from the module source. It is skipped (SKIP, not a check)
// when FuzzTime is zero or when there is no toolchain or source.
func (b *battery) fuzzPart(ctx context.Context) {
	d := b.cfg.Profile.FuzzTime
	if d <= 0 {
		fmt.Fprintf(b.cfg.Out, "SKIP hostile/fuzz: no fuzz time in this profile (go test runs the seed corpora)\n")
		return
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintf(b.cfg.Out, "SKIP hostile/fuzz: no go toolchain on PATH\n")
		return
	}
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(b.cfg.Out, "SKIP hostile/fuzz: %v\n", err)
		return
	}
	root, err := moduleRoot(wd)
	if err != nil {
		fmt.Fprintf(b.cfg.Out, "SKIP hostile/fuzz: %v\n", err)
		return
	}
	start := time.Now()
	var total int64
	failed := 0
	for _, t := range fuzzTargets {
		// Compiling an instrumented test binary can take minutes on a
		// busy machine; the fuzzing itself is bounded by -fuzztime.
		tctx, cancel := context.WithTimeout(ctx, d+5*time.Minute)
		cmd := exec.CommandContext(tctx, goBin, "test", "-run=^$", "-fuzz=^"+t.Name+"$",
			"-fuzztime="+d.String(), "-fuzzminimizetime=5s", t.Pkg)
		cmd.Dir = root
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		t0 := time.Now()
		err := cmd.Run()
		cancel()
		n := parseExecs(out.Bytes())
		total += n
		ok, detail := fuzzVerdict(out.Bytes(), err)
		if !ok {
			failed++
		}
		b.check(ok, "hostile/fuzz pkg=%s target=%s executions=%d %s %s", t.Pkg, t.Name, n, time.Since(t0).Round(time.Second), detail)
	}
	fmt.Fprintf(b.cfg.Out, "hostile fuzz targets=%d failed=%d executions=%d fuzztime=%s duration=%s\n",
		len(fuzzTargets), failed, total, d, time.Since(start).Round(time.Second))
}
