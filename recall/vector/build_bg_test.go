package vector

import (
	"testing"
)

// parkedBuild makes the next background build of ix wait in its goroutine
// until release is called; started is closed once the builder is parked.
func parkedBuild(ix *Index) (started <-chan struct{}, release func()) {
	s, r := make(chan struct{}), make(chan struct{})
	ix.mu.Lock()
	ix.bg.hook = func() { close(s); <-r }
	ix.mu.Unlock()
	return s, func() { close(r) }
}

// TestBackgroundBuildServesAndKeepsWrites: crossing the threshold starts a
// build in the background; while it is parked the index answers exactly
// (from its exact scan) and takes upserts, replacements and deletes; once
// installed the index searches a graph whose contents are exactly the
// vectors stored, writes made during the build included.
func TestBackgroundBuildServesAndKeepsWrites(t *testing.T) {
	rng, _ := newTestRand(t)
	const dim, n = 16, 600
	ix, err := New(Options{Dim: dim, Metric: Cosine, HNSWThreshold: 500, BackgroundBuild: true})
	if err != nil {
		t.Fatal(err)
	}
	started, release := parkedBuild(ix)
	want := map[uint64][]float32{}
	vs := randVecs(rng, n, dim)
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i + 1)
		want[ids[i]] = vs[i]
	}
	if err := ix.UpsertBatch(ids, vs); err != nil {
		t.Fatal(err)
	}
	<-started
	if ix.g != nil {
		t.Fatal("the graph was built inside the write")
	}
	// Writes while the build is parked: new ids, replacements, deletes.
	// More than catchUpLocked writes: part of the replay runs unlocked.
	extra := randVecs(rng, 300, dim)
	for i, v := range extra {
		id := uint64(n + 1 + i)
		if err := ix.Upsert(id, v); err != nil {
			t.Fatal(err)
		}
		want[id] = v
	}
	for id := uint64(1); id <= 20; id++ {
		v := randVecs(rng, 1, dim)[0]
		if err := ix.Upsert(id, v); err != nil {
			t.Fatal(err)
		}
		want[id] = v
	}
	for id := uint64(21); id <= 60; id++ {
		if !ix.Delete(id) {
			t.Fatalf("delete %d: not found", id)
		}
		delete(want, id)
	}
	queries := randVecs(rng, 20, dim)
	check := func(stage string) {
		t.Helper()
		for _, q := range queries {
			hits, err := ix.SearchExact(q, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstBrute(t, Cosine, want, q, hits, bruteTopK(Cosine, want, q, 10, nil))
		}
		if ix.Len() != len(want) {
			t.Fatalf("%s: Len %d, want %d", stage, ix.Len(), len(want))
		}
		for id, v := range want {
			got, ok := ix.Get(id)
			if !ok || bruteScore(Cosine, got, v) < 0.9999 {
				t.Fatalf("%s: id %d: stored vector differs (found %v)", stage, id, ok)
			}
		}
	}
	check("during the build")
	// Searches while the build is parked answer from the exact scan.
	for _, q := range queries {
		hits, err := ix.Search(q, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstBrute(t, Cosine, want, q, hits, bruteTopK(Cosine, want, q, 10, nil))
	}
	release()
	if !ix.WaitBuild() {
		t.Fatal("no graph after the build")
	}
	check("after the build")
	// The installed arena holds the 600 copied vectors, the 300 new ones and
	// the 20 replacements; its tombstones are the 20 replaced and 40
	// deleted vectors, nothing of the batch that started the build.
	ix.mu.RLock()
	slots, ndead := len(ix.ids), ix.ndead
	ix.mu.RUnlock()
	if slots != n+300+20 || ndead != 60 {
		t.Fatalf("after the build: %d slots, %d tombstones; want %d, 60", slots, ndead, n+320)
	}
	if r := recallAt(t, ix, queries, 10, nil); r < 0.9 {
		t.Fatalf("graph recall@10 = %.3f after the build", r)
	}
	for id := uint64(21); id <= 60; id++ {
		if _, ok := ix.Get(id); ok {
			t.Fatalf("id %d deleted during the build is back", id)
		}
	}
}

// TestBackgroundRebuildCompacts: deletes past the rebuild share start a
// background rebuild; the old graph serves until the compacted one is
// installed, with the deletes made meanwhile as its only tombstones.
func TestBackgroundRebuildCompacts(t *testing.T) {
	rng, _ := newTestRand(t)
	const dim, n = 16, 800
	ix, err := New(Options{Dim: dim, Metric: Cosine, HNSWThreshold: 100, BackgroundBuild: true})
	if err != nil {
		t.Fatal(err)
	}
	vs := randVecs(rng, n, dim)
	ids := make([]uint64, n)
	want := map[uint64][]float32{}
	for i := range ids {
		ids[i] = uint64(i + 1)
		want[ids[i]] = vs[i]
	}
	if err := ix.UpsertBatch(ids, vs); err != nil {
		t.Fatal(err)
	}
	if !ix.WaitBuild() {
		t.Fatal("no graph after the first build")
	}
	started, release := parkedBuild(ix)
	// The 200th delete (a quarter of the slots) starts the rebuild over the
	// 600 live vectors; 5 more are logged and replayed as tombstones.
	for id := uint64(1); id <= n/4+5; id++ {
		ix.Delete(id)
		delete(want, id)
	}
	<-started
	ix.mu.RLock()
	oldGraph, tomb := ix.g != nil, ix.ndead
	ix.mu.RUnlock()
	if !oldGraph || tomb == 0 {
		t.Fatalf("during the rebuild: graph %v, %d tombstones; want the old graph serving", oldGraph, tomb)
	}
	release()
	if !ix.WaitBuild() {
		t.Fatal("no graph after the rebuild")
	}
	ix.mu.RLock()
	slots, ndead := len(ix.ids), ix.ndead
	ix.mu.RUnlock()
	if slots != n-n/4 || ndead != 5 || ix.Len() != len(want) {
		t.Fatalf("after the rebuild: %d slots, %d tombstones, %d live; want %d, 5, %d", slots, ndead, ix.Len(), n-n/4, len(want))
	}
	q := randVecs(rng, 1, dim)[0]
	hits, err := ix.SearchExact(q, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstBrute(t, Cosine, want, q, hits, bruteTopK(Cosine, want, q, 10, nil))
}

// TestCloseStopsABackgroundBuild: a build under way when the index is
// closed gives up and installs nothing (the index keeps answering from its
// exact scan), and no new build starts after Close.
func TestCloseStopsABackgroundBuild(t *testing.T) {
	rng, _ := newTestRand(t)
	const dim, n = 16, 3000
	ix, err := New(Options{Dim: dim, Metric: Cosine, HNSWThreshold: 500, BackgroundBuild: true})
	if err != nil {
		t.Fatal(err)
	}
	started, release := parkedBuild(ix)
	vs := randVecs(rng, n, dim)
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	if err := ix.UpsertBatch(ids, vs); err != nil {
		t.Fatal(err)
	}
	<-started
	ix.Close()
	release()
	if ix.WaitBuild() {
		t.Fatal("a build of a closed index was installed")
	}
	hits, err := ix.Search(vs[7], 1, nil)
	if err != nil || len(hits) != 1 || hits[0].ID != 8 {
		t.Fatalf("search after Close: %v, %v", hits, err)
	}
	if err := ix.Upsert(uint64(n+1), randVecs(rng, 1, dim)[0]); err != nil {
		t.Fatal(err)
	}
	ix.mu.RLock()
	running := ix.bg.running
	ix.mu.RUnlock()
	if running || ix.WaitBuild() {
		t.Fatal("a build started after Close")
	}
}
