package memory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// scanNeighbours is the reference: the memories just before and after r in
// its stream, found by looking at every memory.
func scanNeighbours(mems map[uint64]*record, r *record) (prev, next *record) {
	for _, o := range mems {
		if o == r || streamOf(o) != streamOf(r) {
			continue
		}
		if orderBefore(o, r) && (prev == nil || orderBefore(prev, o)) {
			prev = o
		}
		if orderBefore(r, o) && (next == nil || orderBefore(o, next)) {
			next = o
		}
	}
	return prev, next
}

func checkOrder(t *testing.T, e *Engine, step string) {
	t.Helper()
	e.mu.RLock()
	defer e.mu.RUnlock()
	n := 0
	for _, keys := range e.order {
		n += len(keys)
	}
	if n != len(e.mems) {
		t.Fatalf("%s: order holds %d memories, the engine %d", step, n, len(e.mems))
	}
	for _, r := range e.mems {
		gp, gn := e.neighboursInOrderLocked(r)
		wp, wn := scanNeighbours(e.mems, r)
		if gp != wp || gn != wn {
			t.Fatalf("%s: neighbours of %s: got (%v, %v), want (%v, %v)", step, r.ID, idOf(gp), idOf(gn), idOf(wp), idOf(wn))
		}
	}
}

func idOf(r *record) string {
	if r == nil {
		return "-"
	}
	return r.ID
}

// TestConversationOrderMatchesScan drives random stores (in and out of
// order, several agents and sessions), replacements that move a memory to
// another stream, feedback and forgets, and after each step compares the
// incremental order with a full scan; then again after a restart.
func TestConversationOrderMatchesScan(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, nil)
	e, err := s.EnsureNamespace(ctx, "org_test", "chat", true)
	if err != nil {
		t.Fatal(err)
	}
	var sessions []string
	for _, agent := range []string{"a", "b"} {
		sess, err := e.StartSession(ctx, agent, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, sess.ID)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	var ids []string
	for step := 0; step < 120; step++ {
		agent := []string{"a", "b"}[rng.IntN(2)]
		session := ""
		if rng.IntN(2) == 0 {
			session = sessions[rng.IntN(len(sessions))]
		}
		at := int64(1_700_000_000 + rng.IntN(5)*86_400) // few distinct dates: seq breaks ties
		switch op := rng.IntN(10); {
		case op < 6 || len(ids) == 0:
			m, _, err := e.Store(ctx, StoreInput{AgentID: agent, SessionID: session, Content: fmt.Sprintf("turn %d", step), CreatedAt: &at})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		case op < 8:
			id := ids[rng.IntN(len(ids))]
			if _, _, err := e.Store(ctx, StoreInput{ID: id, AgentID: agent, SessionID: session, Content: fmt.Sprintf("moved %d", step), CreatedAt: &at}); err != nil {
				t.Fatal(err)
			}
		case op < 9:
			if _, err := e.Feedback(ctx, ids[rng.IntN(len(ids))], "upvote"); err != nil {
				t.Fatal(err)
			}
		default:
			i := rng.IntN(len(ids))
			if _, err := e.Forget(ctx, Filter{IDs: []string{ids[i]}}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids[:i], ids[i+1:]...)
		}
		checkOrder(t, e, fmt.Sprintf("step %d", step))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, nil)
	defer s.Close()
	e, err = s.EnsureNamespace(ctx, "org_test", "chat", false)
	if err != nil {
		t.Fatal(err)
	}
	checkOrder(t, e, "after restart")
}

func TestAsksQuestion(t *testing.T) {
	for _, tc := range []struct {
		content string
		want    bool
	}{
		{"How long have you been married?", true},
		{"Really?! That's great.", true},
		{`She asked "why?" and left`, true},
		{"Is it done? I hope so", true},
		{"see https://example.com/?q=1 for details", false},
		{"no question here.", false},
		{"", false},
		{"?", true},
	} {
		t.Run("content="+tc.content, func(t *testing.T) {
			if got := asksQuestion(tc.content); got != tc.want {
				t.Fatalf("asksQuestion(%q) = %v, want %v", tc.content, got, tc.want)
			}
		})
	}
}

// TestRecallLiftsTheReplyToAMatchingQuestion: the answer to a question
// shares no word with a query that paraphrases the question; the context
// weight brings it up behind the question, and explains why.
func TestRecallLiftsTheReplyToAMatchingQuestion(t *testing.T) {
	ctx := context.Background()
	e, ms := conversation(t,
		"Alice: The garden looks lovely this spring, the tulips are out.",
		"Bob: I repainted the kitchen cabinets a pale green last weekend.",
		"Alice: How long have you and your wife been married?",
		"Bob: Five years already! Time flies.",
		"Alice: My cat knocked a glass off the table again, it took long to clean.",
		"Bob: My wife and I took the train to the city this morning.",
	)
	question, reply := ms[2].ID, ms[3].ID
	rankOf := func(w *float64) (int, RecallItem) {
		items, _, err := e.Recall(ctx, RecallInput{Query: "How long has Bob been married to his wife?", TopK: 6, ContextWeight: w, Explain: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 || items[0].Memory.ID != question {
			t.Fatalf("the question itself should rank first: %+v", items)
		}
		for i, it := range items {
			if it.Memory.ID == reply {
				return i + 1, it
			}
		}
		t.Fatalf("the reply is not among %d results", len(items))
		return 0, RecallItem{}
	}
	zero := 0.0
	offRank, off := rankOf(&zero)
	onRank, on := rankOf(nil)
	if onRank != 2 {
		t.Fatalf("with the default context weight the reply ranks %d, want 2 (without: %d)", onRank, offRank)
	}
	if offRank == 2 || on.Score <= off.Score {
		t.Fatalf("the context weight made no difference: rank %d -> %d, score %.3f -> %.3f", offRank, onRank, off.Score, on.Score)
	}
	if !strings.Contains(on.Explanation, "follows the matching question "+question) {
		t.Fatalf("explanation %q does not name the question", on.Explanation)
	}
	if strings.Contains(off.Explanation, "follows the matching question") {
		t.Fatalf("explanation %q with context weight 0", off.Explanation)
	}
	if _, _, err := e.Recall(ctx, RecallInput{Query: "x", ContextWeight: ptr(1.5)}); err == nil || !strings.Contains(err.Error(), "context_weight") {
		t.Fatalf("context_weight 1.5: err = %v, want a context_weight error", err)
	}
}

// TestMemoryWalkSkipsForgottenNeighbours: a memory forgotten while a walk
// of the memory graph runs gives no edges instead of failing the walk
// (the walk used to answer 404 for its live root).
func TestMemoryWalkSkipsForgottenNeighbours(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	defer s.Close()
	e, err := s.EnsureNamespace(ctx, "org_test", "chat", true)
	if err != nil {
		t.Fatal(err)
	}
	ms, _, err := e.StoreBatch(ctx, []StoreInput{{AgentID: "a", Content: "first turn"}, {AgentID: "a", Content: "second turn"}}, "memories")
	if err != nil {
		t.Fatal(err)
	}
	walk := e.memoryNeighbors(nil)
	if edges, err := walk.Neighbors(ctx, ms[0].ID); err != nil || len(edges) == 0 {
		t.Fatalf("neighbours of a live memory: %v, %v", edges, err)
	}
	if _, err := e.Forget(ctx, Filter{IDs: []string{ms[1].ID}}); err != nil {
		t.Fatal(err)
	}
	if edges, err := walk.Neighbors(ctx, ms[1].ID); err != nil || len(edges) != 0 {
		t.Fatalf("neighbours of a forgotten memory: %v, %v; want none and no error", edges, err)
	}
	nodes, _, err := e.MemoryGraph(ctx, ms[0].ID, 2, nil, 100)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("graph of the remaining memory: %v, %v", nodes, err)
	}
}

// TestRecallLendsToNeighbours: a line is often understood only with the one
// before it. The line that names the opening night lends part of its
// relevance to the candidate beside it, which then passes a line that
// matches more words but sits elsewhere; a memory that is not a candidate
// is not brought in.
func TestRecallLendsToNeighbours(t *testing.T) {
	ctx := context.Background()
	e, ms := conversation(t,
		"Jon: The official opening night of my dance studio is tomorrow.",
		"Jon: I feel so excited, it has been a wild ride.",
		"Gina: Break a leg, Jon!",
		"Gina: Sleep well Jon, see you at the gym after work tomorrow.",
		"Gina: I feel sleepy every night after my long shifts at the busy hospital downtown.",
	)
	opening, feeling, other := ms[0].ID, ms[1].ID, ms[4].ID
	ranks := func(w *float64) (map[string]int, map[string]RecallItem) {
		items, _, err := e.Recall(ctx, RecallInput{Query: "How did Jon feel about the opening night?", TopK: 5, Routing: "bm25",
			ContextWeight: w, SpeakerWeight: ptr(0.0), Explain: true})
		if err != nil {
			t.Fatal(err)
		}
		rank, byID := map[string]int{}, map[string]RecallItem{}
		for i, it := range items {
			rank[it.Memory.ID], byID[it.Memory.ID] = i+1, it
		}
		return rank, byID
	}
	offRank, _ := ranks(ptr(0.0))
	onRank, on := ranks(nil)
	if offRank[opening] != 1 || offRank[other] == 0 || offRank[feeling] <= offRank[other] {
		t.Fatalf("without the context weight the other line should lead the feeling: %v", offRank)
	}
	if onRank[opening] != 1 || onRank[feeling] != 2 {
		t.Fatalf("with the default context weight the feeling should follow the opening night: %v", onRank)
	}
	if want := "beside the matching memory " + opening; !strings.Contains(on[feeling].Explanation, want) {
		t.Fatalf("explanation %q, want %q", on[feeling].Explanation, want)
	}
	if len(onRank) != len(offRank) {
		t.Fatalf("lending brought in memories that were not candidates: %v, without %v", onRank, offRank)
	}
}

// conversation opens a store with a namespace "chat" holding lines, stored
// in order by the agent "chat" in one batch. The store closes with the test.
func conversation(t *testing.T, lines ...string) (*Engine, []*Memory) {
	t.Helper()
	s := openTest(t, t.TempDir(), nil)
	t.Cleanup(func() { s.Close() })
	e, err := s.EnsureNamespace(context.Background(), "org_test", "chat", true)
	if err != nil {
		t.Fatal(err)
	}
	in := make([]StoreInput, len(lines))
	for i, c := range lines {
		in[i] = StoreInput{AgentID: "chat", Content: c}
	}
	ms, _, err := e.StoreBatch(context.Background(), in, "memories")
	if err != nil {
		t.Fatal(err)
	}
	return e, ms
}
