package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

func TestRotateNamespaceKeyRoute(t *testing.T) {
	env := newEnv(t, nil)
	defer env.close()
	mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": "proj", "content": "the vault code is marmoset"}))
	_, writer := env.mkKey("", map[string]any{"name": "w", "scope": "write", "namespaces": []string{"proj"}})
	wantError(t, env.do("POST", "/v1/namespaces/proj/rotate-key", writer, nil), http.StatusForbidden, "INSUFFICIENT_SCOPE")
	wantError(t, env.root("POST", "/v1/namespaces/nope/rotate-key", nil), http.StatusNotFound, "NAMESPACE_NOT_FOUND")

	r := env.root("POST", "/v1/namespaces/proj/rotate-key", nil)
	if r.status != http.StatusAccepted {
		t.Fatalf("rotate: status %d body %s", r.status, r.body)
	}
	m := r.json(t)
	if m["namespace"] != "proj" || m["key_version"] != float64(2) || m["status"] == nil {
		t.Fatalf("rotate answer %s", r.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	org, err := env.keys.OrganizationByName(ctx, auth.DefaultOrganization)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := env.store.WaitRotation(ctx, org.ID, "proj"); err != nil || st.Status != "done" || st.KeyVersion != 2 {
		t.Fatalf("rotation = %+v, %v", st, err)
	}
	rec := mustOK(t, env.root("POST", "/v1/memory/recall", map[string]any{"agent_id": "a", "namespace": "proj", "query": "marmoset", "routing": "bm25"}))
	if mems, _ := rec["memories"].([]any); len(mems) != 1 {
		t.Fatalf("recall after rotation: %v", rec)
	}
}

func TestBackupRoute(t *testing.T) {
	env := newEnv(t, nil)
	defer env.close()
	mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": "proj", "content": "the vault code is marmoset"}))
	_, admin := env.mkKey("", map[string]any{"name": "a", "scope": "admin"})
	wantError(t, env.do("GET", "/v1/admin/backup", admin, nil), http.StatusForbidden, "INSUFFICIENT_SCOPE")
	r := env.root("GET", "/v1/admin/backup", nil)
	if r.status != http.StatusOK || !bytes.HasPrefix(r.body, []byte("ENGRAMBK")) {
		t.Fatalf("backup: status %d, %d bytes", r.status, len(r.body))
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if err := memory.Restore(context.Background(), bytes.NewReader(r.body), dir, testMasterKey(t)); err != nil {
		t.Fatal(err)
	}
	s, err := memory.Open(dir, &memory.Options{MasterKey: testMasterKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org, err := env.keys.OrganizationByName(context.Background(), auth.DefaultOrganization)
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Engine(context.Background(), org.ID, "proj")
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := e.Recall(context.Background(), memory.RecallInput{Query: "marmoset", Routing: "bm25"})
	if err != nil || len(items) != 1 {
		t.Fatalf("recall in the restored store: %d items, %v", len(items), err)
	}
}
