package memory

import (
	"context"
	"testing"
)

func TestStoreMetrics(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), nil)
	t.Cleanup(func() { s.Close() })
	if m := s.Metrics(); m.Namespaces != 0 || m.OpenNamespaces != 0 || m.Buckets != ([MetricsBuckets]IndexSizes{}) {
		t.Fatalf("empty store metrics = %+v", m)
	}
	e, err := s.EnsureNamespace(ctx, "org_test", "metrics", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"first memory", "second memory"} {
		if _, _, err := e.Store(ctx, StoreInput{AgentID: "a", Content: c}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.UpsertTexts(ctx, []DocInput{{ID: "d1", Text: "green apples"}, {ID: "d2", Text: "pears"}}, "documents"); err != nil {
		t.Fatal(err)
	}
	m := s.Metrics()
	want := IndexSizes{Namespaces: 1, Memories: 2, Vectors: 4, TextDocs: 4, Documents: 2}
	if m.Namespaces != 1 || m.OpenNamespaces != 1 || m.Buckets[e.id.bucket()] != want {
		t.Fatalf("metrics = %+v, want bucket %d = %+v", m, e.id.bucket(), want)
	}
	var sum IndexSizes
	for _, b := range m.Buckets {
		sum.Namespaces += b.Namespaces
		sum.Memories += b.Memories
	}
	if sum.Namespaces != 1 || sum.Memories != 2 {
		t.Fatalf("other buckets hold %+v", sum)
	}
}
