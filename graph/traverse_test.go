package graph

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// memGraph is an in-memory Neighbors for tests.
type memGraph struct {
	edges []Edge
	calls int
}

func (g *memGraph) Neighbors(ctx context.Context, id string) ([]Edge, error) {
	g.calls++
	var out []Edge
	for i := len(g.edges) - 1; i >= 0; i-- { // reverse order: results must not depend on it
		if e := g.edges[i]; e.Source == id || e.Target == id {
			out = append(out, e)
		}
	}
	return out, nil
}

func chain() *memGraph {
	// a - b - c - d - e, plus a - x - e, and y isolated.
	return &memGraph{edges: []Edge{
		{ID: "1", Source: "a", Target: "b", Type: "related_to"},
		{ID: "2", Source: "b", Target: "c", Type: "related_to"},
		{ID: "3", Source: "c", Target: "d", Type: "linked_by"},
		{ID: "4", Source: "d", Target: "e", Type: "related_to"},
		{ID: "5", Source: "a", Target: "x", Type: "precedes"},
		{ID: "6", Source: "x", Target: "e", Type: "precedes"},
	}}
}

func TestTraverse(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		depth int
		limit int
		allow func(Edge) bool
		want  map[string]int
		edges int
	}{
		{"depth=1", 1, 0, nil, map[string]int{"a": 0, "b": 1, "x": 1}, 2},
		{"depth=2", 2, 0, nil, map[string]int{"a": 0, "b": 1, "x": 1, "c": 2, "e": 2}, 4},
		{"depth=2/limit=3", 2, 3, nil, map[string]int{"a": 0, "b": 1, "x": 1}, 2},
		{"depth=9/type=related_to", 9, 0, func(e Edge) bool { return e.Type == "related_to" }, map[string]int{"a": 0, "b": 1, "c": 2}, 2},
		{"depth=0", 0, 0, nil, map[string]int{"a": 0}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nodes, edges, err := Traverse(ctx, chain(), []string{"a"}, tc.depth, tc.limit, tc.allow)
			if err != nil {
				t.Fatal(err)
			}
			if len(nodes) != len(tc.want) {
				t.Errorf("nodes = %v, want %v", nodes, tc.want)
			}
			for k, v := range tc.want {
				if d, ok := nodes[k]; !ok || d != v {
					t.Errorf("node %s at %d (present %v), want %d", k, d, ok, v)
				}
			}
			if len(edges) != tc.edges {
				t.Errorf("edges = %v, want %d", edges, tc.edges)
			}
		})
	}
}

func TestShortestPath(t *testing.T) {
	ctx := context.Background()
	path, edges, err := ShortestPath(ctx, chain(), "b", "e", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(path, ","); got != "b,a,x,e" {
		t.Errorf("path = %s, want b,a,x,e", got)
	}
	if len(edges) != 3 || edges[0].ID != "1" || edges[2].ID != "6" {
		t.Errorf("edges = %v", edges)
	}
	if _, _, err := ShortestPath(ctx, chain(), "a", "y", 0); !errors.Is(err, ErrNoPath) {
		t.Errorf("unreachable: err = %v, want ErrNoPath", err)
	}
	if _, _, err := ShortestPath(ctx, chain(), "b", "e", 2); !errors.Is(err, ErrNoPath) {
		t.Errorf("too deep: err = %v, want ErrNoPath", err)
	}
	if p, _, err := ShortestPath(ctx, chain(), "c", "c", 0); err != nil || len(p) != 1 {
		t.Errorf("self path = %v, %v", p, err)
	}
	boom := errors.New("boom")
	failing := NeighborsFunc(func(context.Context, string) ([]Edge, error) { return nil, boom })
	if _, _, err := ShortestPath(ctx, failing, "a", "b", 0); !errors.Is(err, boom) {
		t.Errorf("store error: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := Traverse(cctx, chain(), []string{"a"}, 2, 0, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestWriteGraphML(t *testing.T) {
	nodes := []Node{
		{ID: "n<1>", Label: `Tom & "Jerry" <3`, Type: TypePerson, Attrs: map[string]string{"importance": "0.5"}},
		{ID: "n2", Label: "bad \x01 char", Type: TypeLocation},
	}
	edges := []Edge{{ID: "e1", Source: "n<1>", Target: "n2", Type: RelLivesIn, Weight: 1.5, ValidFrom: day(0), ValidTo: day(3)}}
	var buf bytes.Buffer
	if err := WriteGraphML(&buf, nodes, edges); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// The document must parse back, with the text intact.
	dec := xml.NewDecoder(strings.NewReader(out))
	var texts []string
	var ids []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("output is not valid XML: %v\n%s", err, out)
		}
		switch v := tok.(type) {
		case xml.CharData:
			if s := strings.TrimSpace(string(v)); s != "" {
				texts = append(texts, s)
			}
		case xml.StartElement:
			for _, a := range v.Attr {
				if a.Name.Local == "id" || a.Name.Local == "source" {
					ids = append(ids, a.Value)
				}
			}
		}
	}
	joined := strings.Join(texts, "|")
	for _, want := range []string{`Tom & "Jerry" <3`, "0.5", "1.5", "2024-01-04T00:00:00Z", "bad \uFFFD char"} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in %q", want, joined)
		}
	}
	if !strings.Contains(strings.Join(ids, "|"), "n<1>") {
		t.Errorf("ids = %v", ids)
	}
}

func BenchmarkTraverse(b *testing.B) {
	// A ring of 10,000 nodes with chords: every node has 4 edges.
	const n = 10000
	adj := make(map[string][]Edge, n)
	for i := range n {
		for _, d := range []int{1, 97} {
			e := Edge{ID: fmt.Sprintf("e%d-%d", i, d), Source: fmt.Sprintf("n%d", i), Target: fmt.Sprintf("n%d", (i+d)%n), Type: "related_to"}
			adj[e.Source] = append(adj[e.Source], e)
			adj[e.Target] = append(adj[e.Target], e)
		}
	}
	g := NeighborsFunc(func(_ context.Context, id string) ([]Edge, error) { return adj[id], nil })
	ctx := context.Background()
	b.Run("traverse/depth=3", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := Traverse(ctx, g, []string{"n0"}, 3, 0, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("shortest_path/hops=6", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := ShortestPath(ctx, g, "n0", "n294", 8); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestEdgeFilter(t *testing.T) {
	e := Edge{Type: RelLivesIn, ValidFrom: day(1), ValidTo: day(5)}
	for _, tc := range []struct {
		name  string
		asOf  time.Time
		types []string
		want  bool
	}{
		{"asOf=zero", time.Time{}, nil, true},
		{"asOf=inside", day(2), nil, true},
		{"asOf=before", day(0), nil, false},
		{"asOf=end", day(5), nil, false},
		{"types=match", day(2), []string{RelWorksAt, RelLivesIn}, true},
		{"types=other", day(2), []string{RelWorksAt}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EdgeFilter(tc.asOf, tc.types...)(e); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
