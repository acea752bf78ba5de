package memory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/engramhq/engram/memory/seal"
)

func testKey(tb testing.TB, b byte) seal.MasterKey {
	tb.Helper()
	mk, err := seal.ParseMasterKeyHex(strings.Repeat(fmt.Sprintf("%02x", b), 32))
	if err != nil {
		tb.Fatal(err)
	}
	return mk
}

func openTest(tb testing.TB, dir string, opts *Options) *Store {
	tb.Helper()
	o := Options{MasterKey: testKey(tb, 0x11)}
	if opts != nil {
		o = *opts
		if o.MasterKey == (seal.MasterKey{}) {
			o.MasterKey = testKey(tb, 0x11)
		}
	}
	s, err := Open(dir, &o)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestRestartKeepsEverything(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	e, err := s.EnsureNamespace(ctx, "org_test", "notes", true)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "the launch code is violet", Tags: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := e.StartSession(ctx, "a", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, dir, nil)
	defer s.Close()
	e, err = s.Engine(ctx, "org_test", "notes")
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Get(ctx, m.ID)
	if err != nil || got.Content != m.Content || got.Tags[0] != "x" {
		t.Fatalf("after restart: %v %v", got, err)
	}
	if _, err := e.Session(ctx, sess.ID); err != nil {
		t.Fatalf("session after restart: %v", err)
	}
	items, _, err := e.Recall(ctx, RecallInput{Query: "violet launch code", Routing: "bm25"})
	if err != nil || len(items) != 1 {
		t.Fatalf("text index after restart: %v %v", items, err)
	}
	org, name, err := s.LocateMemory(ctx, m.ID)
	if err != nil || org != "org_test" || name != "notes" {
		t.Fatalf("locate = %q %q %v", org, name, err)
	}
}

func TestWrongMasterKeyFailsAndTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	if _, err := s.EnsureNamespace(context.Background(), "o", "n", true); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before := snapshotDir(t, dir)
	_, err := Open(dir, &Options{MasterKey: testKey(t, 0x22)})
	if !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("err = %v, want ErrWrongMasterKey", err)
	}
	if after := snapshotDir(t, dir); after != before {
		t.Fatalf("wrong key changed the data directory:\nbefore %s\nafter  %s", before, after)
	}
	s = openTest(t, dir, nil)
	s.Close()
}

// snapshotDir lists every file with its size and modification time.
func snapshotDir(tb testing.TB, dir string) string {
	tb.Helper()
	var b strings.Builder
	err := walkFiles(dir, func(path string, fi os.FileInfo) {
		fmt.Fprintf(&b, "%s:%d:%d;", strings.TrimPrefix(path, dir), fi.Size(), fi.ModTime().UnixNano())
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// TestCrashBetweenCommitAndIndex kills a child process right after a write
// transaction commits and before the text index is updated, then reopens
// the store and finds the memory in the text index (caught up from the
// change log).
func TestCrashBetweenCommitAndIndex(t *testing.T) {
	if dir := os.Getenv("ENGRAM_CRASH_CHILD"); dir != "" {
		crashChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashBetweenCommitAndIndex$")
	cmd.Env = append(os.Environ(), "ENGRAM_CRASH_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("child did not crash as planned: %v\n%s", err, out)
	}
	s := openTest(t, dir, nil)
	defer s.Close()
	e, err := s.Engine(context.Background(), "org", "crash")
	if err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"zebra", "quokka"} {
		items, _, err := e.Recall(context.Background(), RecallInput{Query: word, Routing: "bm25"})
		if err != nil || len(items) != 1 {
			t.Fatalf("%s after crash: %d items, %v", word, len(items), err)
		}
	}
}

func crashChild(dir string) {
	var crash atomic.Bool
	s, err := Open(dir, &Options{MasterKey: mustKey(0x11), afterCommit: func() {
		if crash.Load() {
			os.Exit(7)
		}
	}})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	ctx := context.Background()
	e, err := s.EnsureNamespace(ctx, "org", "crash", true)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	if _, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "a zebra crossed the road"}); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	crash.Store(true)
	e.Store(ctx, StoreInput{AgentID: "a", Content: "a quokka smiled"})
	os.Exit(1) // not reached: the hook exits with 7
}

func mustKey(b byte) seal.MasterKey {
	mk, err := seal.ParseMasterKeyHex(strings.Repeat(fmt.Sprintf("%02x", b), 32))
	if err != nil {
		panic(err)
	}
	return mk
}

// TestLargeBatchSplitsTransactions stores a batch bigger than one Badger
// transaction may carry.
func TestLargeBatchSplitsTransactions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	e, err := s.EnsureNamespace(ctx, "o", "big", true)
	if err != nil {
		t.Fatal(err)
	}
	// Extraction and embedding are not what this test is about: turn the
	// first off and pass vectors, so the test stays fast under -race.
	if _, err := s.UpdateConfig(ctx, "o", "big", []byte(`{"extract_entities":false}`)); err != nil {
		t.Fatal(err)
	}
	vec := make([]float32, e.dimension())
	vec[0] = 1
	ins := make([]StoreInput, 1000)
	body := strings.Repeat("lorem ipsum dolor sit amet ", 220) // ~6 KB: inline in the LSM, not the value log
	for i := range ins {
		ins[i] = StoreInput{AgentID: "a", Content: fmt.Sprintf("item %d %s", i, body), Embedding: vec}
	}
	out, _, err := e.StoreBatch(ctx, ins, "memories")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := e.Count(); n != 1000 || len(out) != 1000 {
		t.Fatalf("stored %d, count %d", len(out), n)
	}
}

func TestDedupOnStoreAndConsolidate(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	e, err := s.EnsureNamespace(ctx, "o", "dd", true)
	if err != nil {
		t.Fatal(err)
	}
	// Consolidation: two near-identical memories and one unrelated.
	a, _, _ := e.Store(ctx, StoreInput{AgentID: "a", Content: "The user's favourite colour is blue", Tags: []string{"x"}})
	b, _, _ := e.Store(ctx, StoreInput{AgentID: "a", Content: "The user's favourite colour is blue!", Tags: []string{"y"}, Importance: ptr(0.9)})
	c, _, _ := e.Store(ctx, StoreInput{AgentID: "a", Content: "Deploys happen every Tuesday at noon"})
	res, err := e.Consolidate(ctx, "a", 0.9, true)
	if err != nil || res.Removed != 1 {
		t.Fatalf("dry run = %+v, %v", res, err)
	}
	if n, _ := e.Count(); n != 3 {
		t.Fatalf("dry run changed the namespace: %d memories", n)
	}
	res, err = e.Consolidate(ctx, "a", 0.9, false)
	if err != nil || res.Removed != 1 || len(res.Consolidated) != 1 {
		t.Fatalf("consolidate = %+v, %v", res, err)
	}
	kept := res.Consolidated[0]
	if kept.ID != b.ID || kept.Importance != 0.9 || len(kept.Tags) != 2 || kept.CreatedAt > a.CreatedAt {
		t.Fatalf("kept = %+v", kept)
	}
	if _, err := e.Get(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("merged-away memory still there: %v", err)
	}
	if _, err := e.Get(ctx, c.ID); err != nil {
		t.Fatalf("unrelated memory removed: %v", err)
	}

	// Dedup on store: a near-duplicate reinforces the existing memory.
	if _, err := s.UpdatePolicy(ctx, "o", "dd", []byte(`{"dedup_on_store":true,"dedup_threshold":0.9}`)); err != nil {
		t.Fatal(err)
	}
	d, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "Deploys happen every Tuesday at noon.", Tags: []string{"ops"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != c.ID || d.AccessCount != 1 || !contains(d.Tags, "ops") {
		t.Fatalf("dedup stored a new memory or lost the reinforcement: %+v", d)
	}
	if n, _ := e.Count(); n != 2 {
		t.Fatalf("count after dedup = %d", n)
	}
	// Another agent's identical memory is not a duplicate.
	o, _, _ := e.Store(ctx, StoreInput{AgentID: "other", Content: "Deploys happen every Tuesday at noon"})
	if o.ID == c.ID {
		t.Fatal("dedup crossed agents")
	}
}

func ptr[T any](v T) *T { return &v }

// TestDamagedTextIndexIsRebuilt damages every file of a namespace's text
// index; reopening rebuilds it from the change log.
func TestDamagedTextIndexIsRebuilt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	e, _ := s.EnsureNamespace(ctx, "o", "t", true)
	if _, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: "the heron waits by the river"}); err != nil {
		t.Fatal(err)
	}
	textDir := s.textDir(e.id)
	s.Close()
	damaged := 0
	err := walkFiles(textDir, func(path string, fi os.FileInfo) {
		if os.WriteFile(path, []byte("garbage"), 0o600) == nil {
			damaged++
		}
	})
	if err != nil || damaged == 0 {
		t.Fatalf("damaged %d files: %v", damaged, err)
	}
	s = openTest(t, dir, nil)
	defer s.Close()
	e, err = s.Engine(ctx, "o", "t")
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := e.Recall(ctx, RecallInput{Query: "heron", Routing: "bm25"})
	if err != nil || len(items) != 1 {
		t.Fatalf("after rebuild: %v %v", items, err)
	}
}
