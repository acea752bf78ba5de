package text

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

const crashEnv = "ENGRAM_TEXT_CRASH_CHILD" // "dir,hexkey,sync" in the child process

// TestCrashChild is the child of TestCrashKeepsCheckpoint: it applies
// batches of 10 new documents and prints each seq once it is durable
// (after Apply with SyncApply, after every 5th batch's Flush otherwise),
// until it is killed.
func TestCrashChild(t *testing.T) {
	arg := os.Getenv(crashEnv)
	if arg == "" {
		t.Skip("child process of TestCrashKeepsCheckpoint")
	}
	parts := strings.Split(arg, ",")
	if len(parts) != 3 {
		t.Fatalf("bad %s", crashEnv)
	}
	key, err := hex.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	sync := parts[2] == "true"
	ix, err := Open(parts[0], key, &Options{SyncApply: sync})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("durable 0")
	for seq := uint64(1); seq < 100_000; seq++ {
		ops := make([]Op, 10)
		for i := range ops {
			ops[i] = Op{ID: fmt.Sprint(seq, "-", i), Text: "crash test document number " + fmt.Sprint(i)}
		}
		if err := ix.Apply(ops, seq); err != nil {
			t.Fatal(err)
		}
		if !sync {
			if seq%5 != 0 {
				continue
			}
			if err := ix.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Printf("durable %d\n", seq)
	}
}

// TestCrashKeepsCheckpoint kills a writer with SIGKILL mid-stream and
// checks that every acknowledged batch survived and that the checkpoint
// and the documents on disk agree.
func TestCrashKeepsCheckpoint(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in child")
	}
	for _, tc := range []struct {
		sync   bool
		killAt uint64
	}{{true, 25}, {false, 25}, {false, 0}} {
		t.Run(fmt.Sprintf("sync=%v/kill_at=%d", tc.sync, tc.killAt), func(t *testing.T) {
			crashOnce(t, tc.sync, tc.killAt)
		})
	}
}

// crashOnce kills the child once it reported seq killAt durable (0: right
// after it created the index).
func crashOnce(t *testing.T, sync bool, killAt uint64) {
	dir := t.TempDir()
	key := testKey(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir+","+hex.EncodeToString(key)+","+strconv.FormatBool(sync))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked, seen := uint64(0), false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), "durable "); ok {
			acked, _ = strconv.ParseUint(s, 10, 64)
			if seen = acked >= killAt; seen {
				break
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !seen {
		t.Fatalf("child stopped before seq %d was durable", killAt)
	}
	ix := openT(t, dir, key, nil)
	cp, err := ix.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	n, err := ix.Count()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("acked=%d checkpoint=%d docs=%d", acked, cp, n)
	if cp < acked {
		t.Fatalf("checkpoint %d < acknowledged %d", cp, acked)
	}
	if n != cp*10 {
		t.Fatalf("docs = %d, checkpoint %d implies %d", n, cp, cp*10)
	}
}
