package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
)

// TestExtractionModelSDK configures an extraction model through the SDK
// (a local server answering like an OpenAI chat endpoint), checks the key
// is hidden, and follows ExtractionStatus until the stored memory's
// answer is merged.
func TestExtractionModelSDK(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sdk-model-key" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		calls.Add(1)
		content := `{"entities":[{"name":"Zorblax Industries","type":"organization"},{"name":"Maria Lopez","type":"person"}],
"relations":[{"subject":"Maria Lopez","predicate":"works_at","object":"Zorblax Industries","valid_from":null}]}`
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{
			"finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}}})
	}))
	defer model.Close()
	srv := clienttest.Start(t, nil)
	c := newClient(t, srv.URL, clienttest.RootKey, &client.Options{Namespace: "kg"})
	if _, err := c.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "kg"}); err != nil {
		t.Fatal(err)
	}
	if st, err := c.ExtractionStatus(ctx, ""); err != nil || st.Configured || st.Processed != 0 {
		t.Fatalf("status before configuring = %+v, %v", st, err)
	}
	_, err := c.UpdateNamespaceConfig(ctx, "", client.NamespaceConfig{ExtractionModel: &client.ExtractionModel{
		Provider: "openai", BaseURL: "ftp://example.com", Model: "gpt-test"}})
	if !client.IsInvalid(err) {
		t.Fatalf("ftp base_url: err = %v, want invalid", err)
	}
	cfg, err := c.UpdateNamespaceConfig(ctx, "", client.NamespaceConfig{ExtractionModel: &client.ExtractionModel{
		Provider: "openai", BaseURL: model.URL, Model: "gpt-test", APIKey: "sdk-model-key"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetNamespaceConfig(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := client.ExtractionModel{Provider: "openai", BaseURL: model.URL, Model: "gpt-test", APIKeySet: true}
	for _, cfg := range []*client.NamespaceConfig{cfg, got} {
		if cfg.ExtractionModel == nil || *cfg.ExtractionModel != want {
			t.Fatalf("extraction model shown = %+v, want %+v", cfg.ExtractionModel, want)
		}
	}
	if _, err := c.Store(ctx, client.StoreRequest{AgentID: "a", Content: "Zorblax Industries hired Maria Lopez last year."}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var st *client.ExtractionStatus
	for {
		if st, err = c.ExtractionStatus(ctx, "kg"); err != nil {
			t.Fatal(err)
		}
		if st.Processed+st.Failed > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("extraction never finished: %+v", st)
		}
		<-tick.C
	}
	if !st.Configured || st.Model != "openai:gpt-test" || st.Processed != 1 || st.Failed != 0 ||
		st.RelationsAdded != 1 || st.LastSuccessAt == nil || calls.Load() != 1 {
		t.Fatalf("status = %+v after %d calls", st, calls.Load())
	}
	if _, err := c.ExtractionStatus(ctx, "no-such-ns"); !client.IsNotFound(err) {
		t.Fatalf("unknown namespace: err = %v, want not found", err)
	}
}
