package client_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
)

func TestKeysRoutes(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.Start(t, nil)
	c := newClient(t, srv.URL, clienttest.RootKey, nil)
	k, err := c.CreateKey(ctx, client.CreateKeyRequest{Name: "alice", Scope: "write", Namespaces: []string{"user-alice"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k.KeyID, "key_") || k.Key == "" || len(k.Namespaces) != 1 {
		t.Fatalf("created %+v", k)
	}
	l, err := c.ListKeys(ctx)
	if err != nil || l.Total < 2 {
		t.Fatalf("list = %+v, %v", l, err)
	}
	name := "alice-2"
	info, err := c.UpdateKey(ctx, k.KeyID, client.UpdateKeyRequest{Name: &name})
	if err != nil || info.Name != name {
		t.Fatalf("update = %+v, %v", info, err)
	}
	alice := newClient(t, srv.URL, k.Key, nil)
	if who, err := alice.WhoAmI(ctx); err != nil || who.KeyID != k.KeyID || who.Scope != "write" {
		t.Fatalf("whoami = %+v, %v", who, err)
	}
	rot, err := c.RotateKey(ctx, k.KeyID, time.Hour)
	if err != nil || rot.NewKey == "" || rot.NewKey == k.Key {
		t.Fatalf("rotate = %+v, %v", rot, err)
	}
	if _, err := c.GetKeyUsage(ctx, rot.KeyID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteKey(ctx, rot.KeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetKey(ctx, rot.KeyID); !client.IsNotFound(err) {
		t.Fatalf("get after delete: %v", err)
	}
	if _, err := newClient(t, srv.URL, rot.NewKey, nil).WhoAmI(ctx); !client.IsUnauthorized(err) {
		t.Fatalf("revoked key still works: %v", err)
	}
	page, err := c.AuditEvents(ctx, client.AuditQuery{Limit: 50})
	if err != nil || len(page.Events) == 0 {
		t.Fatalf("audit = %+v, %v", page, err)
	}
	if v, err := c.VerifyAudit(ctx); err != nil || !v.OK {
		t.Fatalf("audit verify = %+v, %v", v, err)
	}
}

func TestDocumentRoutes(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.Start(t, nil)
	c := newClient(t, srv.URL, clienttest.RootKey, &client.Options{Namespace: "docs"})
	if _, err := c.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "docs"}); err != nil {
		t.Fatal(err)
	}
	up, err := c.UpsertText(ctx, "", []client.Document{{ID: "d1", Text: "the quarterly report is due friday"},
		{ID: "d2", Text: "lunch options near the office"}})
	if err != nil || up.UpsertedCount != 2 {
		t.Fatalf("upsert-text = %+v, %v", up, err)
	}
	q, err := c.QueryText(ctx, "", client.QueryTextRequest{Text: "when is the report due?", TopK: 1, IncludeText: true})
	if err != nil || len(q.Results) != 1 || q.Results[0].ID != "d1" {
		t.Fatalf("query-text = %+v, %v", q, err)
	}
	if n, err := c.FulltextIndex(ctx, "", []client.Document{{ID: "f1", Text: "kubernetes upgrade checklist"}}); err != nil || n != 1 {
		t.Fatalf("fulltext index = %d, %v", n, err)
	}
	hits, err := c.FulltextSearch(ctx, "", "kubernetes", 5, nil)
	if err != nil || len(hits) == 0 || hits[0].ID != "f1" {
		t.Fatalf("fulltext search = %+v, %v", hits, err)
	}
	if n, err := c.DeleteVectors(ctx, "", client.DeleteVectorsRequest{IDs: []string{"d2"}}); err != nil || n != 1 {
		t.Fatalf("delete vectors = %d, %v", n, err)
	}
}

func TestExportImportSDK(t *testing.T) {
	ctx := context.Background()
	src := newClient(t, clienttest.Start(t, nil).URL, clienttest.RootKey, nil)
	if _, err := src.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Store(ctx, client.StoreRequest{Namespace: "n", AgentID: "a", Content: "exported fact"}); err != nil {
		t.Fatal(err)
	}
	rc, err := src.Export(ctx, "n", client.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !strings.Contains(string(data), "exported fact") {
		t.Fatalf("export = %q, %v", data, err)
	}
	dst := newClient(t, clienttest.Start(t, nil).URL, clienttest.RootKey, nil)
	for i, want := range []client.ImportResult{{Imported: 1}, {Skipped: 1}} {
		got, err := dst.Import(ctx, "n", strings.NewReader(string(data)))
		if err != nil || got.Imported != want.Imported || got.Skipped != want.Skipped || got.Errors != 0 {
			t.Fatalf("import %d = %+v, %v; want %+v", i, got, err, want)
		}
	}
}
