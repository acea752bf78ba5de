package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
)

// benchClient starts a server with namespace "b" holding n memories.
func benchClient(b *testing.B, n int) *client.Client {
	b.Helper()
	srv := clienttest.Start(b, nil)
	c := newClient(b, srv.URL, clienttest.RootKey, &client.Options{Namespace: "b"})
	ctx := context.Background()
	if _, err := c.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "b"}); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < n; start += 500 {
		var items []client.StoreRequest
		for i := start; i < min(n, start+500); i++ {
			items = append(items, client.StoreRequest{Content: fmt.Sprintf("note %d: the team discussed topic %d and decided item %d", i, i%97, i%13)})
		}
		if _, err := c.StoreBatch(ctx, client.StoreBatchRequest{AgentID: "bench", Memories: items}); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// BenchmarkClient measures SDK round trips to a real server over loopback
// HTTP (SDK + server + engine), one request at a time.
func BenchmarkClient(b *testing.B) {
	ctx := context.Background()
	c := benchClient(b, 1000)
	b.Run("op=store", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, err := c.Store(ctx, client.StoreRequest{AgentID: "bench", Content: fmt.Sprintf("benchmark memory %d about topic %d", i, i%31)}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	b.Run("op=recall/n=1000/k=5", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Recall(ctx, client.RecallRequest{AgentID: "bench", Query: "what was decided about topic 42?"}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}

// BenchmarkExportImport measures a namespace export and an import of it
// into a fresh server, in memories per second.
func BenchmarkExportImport(b *testing.B) {
	const n = 2000
	ctx := context.Background()
	src := benchClient(b, n)
	var data []byte
	b.Run(fmt.Sprintf("op=export/n=%d", n), func(b *testing.B) {
		for b.Loop() {
			rc, err := src.Export(ctx, "", client.ExportOptions{})
			if err != nil {
				b.Fatal(err)
			}
			data, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "memories/s")
	})
	b.Run(fmt.Sprintf("op=import/n=%d", n), func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			dst := newClient(b, clienttest.Start(b, nil).URL, clienttest.RootKey, nil)
			b.StartTimer()
			res, err := dst.Import(ctx, "copy", bytes.NewReader(data))
			if err != nil || res.Imported != n {
				b.Fatalf("import = %+v, %v", res, err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "memories/s")
	})
}
