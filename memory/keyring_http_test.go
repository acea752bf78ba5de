package memory_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/engramhq/engram/httpapi"
	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
)

// TestNoSpaceOverHTTP: with every write failing for lack of space, stores
// answer 503 with Retry-After, reads answer 200, /health/ready answers 503;
// once space is back, everything answers 200 without a restart.
func TestNoSpaceOverHTTP(t *testing.T) {
	const root = "engram_test_root_key_nospace_0123456789abcdef"
	mk, err := seal.ParseMasterKeyHex(strings.Repeat("cd", 32))
	if err != nil {
		t.Fatal(err)
	}
	var full atomic.Bool
	o := memory.Options{MasterKey: mk}
	memory.SetFailWrites(&o, func() error {
		if full.Load() {
			return storage.ErrNoSpace
		}
		return nil
	})
	store, err := memory.Open(t.TempDir(), &o)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	keys, err := auth.NewManager(store.DB(), store.Pepper(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	if _, err := keys.Bootstrap(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Options{Store: store, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	do := func(method, path, body string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+root)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	storeBody := `{"agent_id":"a","namespace":"proj","content":"the ferry leaves at noon"}`
	recallBody := `{"agent_id":"a","namespace":"proj","query":"ferry","routing":"bm25"}`
	if st, _, b := do("POST", "/v1/memory/store", storeBody); st != 200 {
		t.Fatalf("store: %d %s", st, b)
	}
	full.Store(true)
	st, h, b := do("POST", "/v1/memory/store", storeBody)
	if st != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(b, "SERVICE_UNAVAILABLE") {
		t.Fatalf("store on a full disk: %d retry-after=%q %s", st, h.Get("Retry-After"), b)
	}
	if st, _, b := do("POST", "/v1/memory/recall", recallBody); st != 200 || !strings.Contains(b, "ferry") {
		t.Fatalf("recall on a full disk: %d %s", st, b)
	}
	if st, _, b := do("GET", "/health/ready", ""); st != http.StatusServiceUnavailable {
		t.Fatalf("ready on a full disk: %d %s", st, b)
	}
	full.Store(false)
	if st, _, b := do("GET", "/health/ready", ""); st != 200 {
		t.Fatalf("ready after recovery: %d %s", st, b)
	}
	if st, _, b := do("POST", "/v1/memory/store", storeBody); st != 200 {
		t.Fatalf("store after recovery: %d %s", st, b)
	}
}
