package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
)

// TestRecallWeightsReachTheServer: the reply to a matching question is
// explained as such by default and not with ContextWeight 0, and each
// weight out of range is refused by the server under its own field name.
func TestRecallWeightsReachTheServer(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.Start(t, nil)
	c := newClient(t, srv.URL, clienttest.RootKey, &client.Options{Namespace: "chat"})
	if _, err := c.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "chat"}); err != nil {
		t.Fatal(err)
	}
	res, err := c.StoreBatch(ctx, client.StoreBatchRequest{AgentID: "bot", Memories: []client.StoreRequest{
		{Content: "Alice: How long have you and your wife been married?"},
		{Content: "Bob: Five years already! Time flies."},
		{Content: "Alice: The tulips are out in the garden."},
	}})
	if err != nil {
		t.Fatal(err)
	}
	reply := res.Stored[1].ID
	explained := func(w *float64) string {
		rec, err := c.Recall(ctx, client.RecallRequest{Query: "How long has Bob been married?", TopK: 3, Explain: true, ContextWeight: w})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range rec.Memories {
			if it.Memory.ID == reply {
				return it.Explanation
			}
		}
		t.Fatalf("the reply is not among %d results", len(rec.Memories))
		return ""
	}
	if e := explained(nil); !strings.Contains(e, "follows the matching question") {
		t.Fatalf("default explanation %q", e)
	}
	zero := 0.0
	if e := explained(&zero); strings.Contains(e, "follows the matching question") {
		t.Fatalf("explanation with context_weight 0: %q", e)
	}
	bad := 2.0
	for _, tc := range []struct {
		field string
		req   client.RecallRequest
	}{
		{"graph_weight", client.RecallRequest{Query: "x", GraphWeight: &bad}},
		{"context_weight", client.RecallRequest{Query: "x", ContextWeight: &bad}},
		{"speaker_weight", client.RecallRequest{Query: "x", SpeakerWeight: &bad}},
	} {
		_, err := c.Recall(ctx, tc.req)
		if !client.IsInvalid(err) || !strings.Contains(err.Error(), tc.field) {
			t.Fatalf("%s out of range: err = %v, want a 400 naming the field", tc.field, err)
		}
	}
}
