package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
	"github.com/engramhq/engram/memory/webhook"
)

// receiver is a local webhook endpoint that keeps every request it gets.
type receiver struct {
	mu  sync.Mutex
	got []received
}

type received struct {
	header http.Header
	body   []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.got = append(rc.got, received{header: r.Header.Clone(), body: body})
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// waitFor polls cond until it holds, failing tb after 15s.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func TestWebhookRoutes(t *testing.T) {
	ctx := context.Background()
	rc := &receiver{}
	// Started first so that it stops after the server's delivery workers.
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	srv := clienttest.Start(t, &clienttest.Options{Webhooks: &webhook.Options{
		BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 3}})
	c := newClient(t, srv.URL, clienttest.RootKey, &client.Options{Namespace: "hooks"})
	if _, err := c.PutNamespace(ctx, "", client.PutNamespaceRequest{}); err != nil {
		t.Fatal(err)
	}

	wh, err := c.CreateWebhook(ctx, "", client.CreateWebhookRequest{URL: hook.URL + "/in",
		Events: []string{"memory.stored"}, Description: "sdk test"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(wh.ID, "wh_") || wh.Secret == "" || !wh.Active || wh.URL != hook.URL+"/in" ||
		!slices.Equal(wh.Events, []string{"memory.stored"}) || wh.CreatedAt == 0 {
		t.Fatalf("created %+v", wh)
	}
	list, err := c.ListWebhooks(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != wh.ID || list[0].Secret != "" || list[0].Description != "sdk test" {
		t.Fatalf("list = %+v", list)
	}

	st, err := c.Store(ctx, client.StoreRequest{AgentID: "bot", Content: "the deploy window is Tuesday"})
	if err != nil {
		t.Fatal(err)
	}
	var ds []client.WebhookDelivery
	waitFor(t, "a delivered delivery", func() bool {
		ds, err = c.ListWebhookDeliveries(ctx, "", wh.ID, "delivered", 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(ds) > 0
	})
	d := ds[0]
	if len(ds) != 1 || d.Event != "memory.stored" || d.Status != "delivered" || d.Attempts != 1 ||
		d.LastStatusCode != http.StatusNoContent || d.DeliveredAt == nil || !strings.HasPrefix(d.ID, "dlv_") {
		t.Fatalf("deliveries = %+v", ds)
	}
	if failed, err := c.ListWebhookDeliveries(ctx, "", wh.ID, "failed", 0); err != nil || len(failed) != 0 {
		t.Fatalf("failed deliveries = %+v, %v", failed, err)
	}

	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	checkEvent(t, got[0], wh.Secret, d.ID, st.Memory.ID)
	if err := webhook.Verify("not-the-secret", got[0].header.Get("Engram-Signature"), got[0].body, time.Now(), 0); !errors.Is(err, webhook.ErrBadSignature) {
		t.Fatalf("verify with a wrong secret = %v, want ErrBadSignature", err)
	}

	// A delivered delivery can be sent again: the receiver sees it twice.
	rd, err := c.RetryWebhookDelivery(ctx, "", wh.ID, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rd.ID != d.ID || rd.Event != "memory.stored" {
		t.Fatalf("retried %+v", rd)
	}
	waitFor(t, "the retried delivery", func() bool { return len(rc.requests()) >= 2 })
	checkEvent(t, rc.requests()[1], wh.Secret, d.ID, st.Memory.ID)
	waitFor(t, "the retry's second attempt to be recorded", func() bool {
		ds, err = c.ListWebhookDeliveries(ctx, "", wh.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(ds) == 1 && ds[0].Status == "delivered" && ds[0].Attempts == 2
	})
	if n := len(rc.requests()); n != 2 {
		t.Fatalf("receiver got %d requests, want 2", n)
	}
	if _, err := c.RetryWebhookDelivery(ctx, "", wh.ID, "dlv_unknown"); !client.IsNotFound(err) {
		t.Fatalf("retry of an unknown delivery: %v", err)
	}

	if err := c.DeleteWebhook(ctx, "", wh.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := c.ListWebhooks(ctx, ""); err != nil || len(list) != 0 {
		t.Fatalf("list after delete = %+v, %v", list, err)
	}
	for _, id := range []string{wh.ID, "wh_unknown"} {
		if err := c.DeleteWebhook(ctx, "", id); !client.IsNotFound(err) {
			t.Fatalf("delete %s: %v, want not found", id, err)
		}
	}
	if _, err := c.ListWebhookDeliveries(ctx, "", wh.ID, "", 0); !client.IsNotFound(err) {
		t.Fatalf("deliveries of a deleted webhook: %v", err)
	}
}

// checkEvent checks one request of the receiver against docs/webhooks.md:
// the signature, the delivery and event headers, and the payload.
func checkEvent(tb testing.TB, r received, secret, deliveryID, memoryID string) {
	tb.Helper()
	if err := webhook.Verify(secret, r.header.Get("Engram-Signature"), r.body, time.Now(), 0); err != nil {
		tb.Fatalf("signature %q: %v", r.header.Get("Engram-Signature"), err)
	}
	if got := r.header.Get("Engram-Delivery"); got != deliveryID {
		tb.Fatalf("Engram-Delivery = %q, want %q", got, deliveryID)
	}
	var ev struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		Namespace string `json:"namespace"`
		Data      struct {
			MemoryIDs []string `json:"memory_ids"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &ev); err != nil {
		tb.Fatalf("payload %s: %v", r.body, err)
	}
	if !strings.HasPrefix(ev.ID, "evt_") || ev.Type != "memory.stored" || ev.Namespace != "hooks" ||
		!slices.Equal(ev.Data.MemoryIDs, []string{memoryID}) {
		tb.Fatalf("payload %s", r.body)
	}
}

func TestWebhooksDisabled(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.Start(t, nil)
	c := newClient(t, srv.URL, clienttest.RootKey, &client.Options{Namespace: "plain"})
	if _, err := c.PutNamespace(ctx, "", client.PutNamespaceRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateWebhook(ctx, "", client.CreateWebhookRequest{URL: "http://127.0.0.1:1/", Events: []string{"memory.stored"}})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable {
		t.Fatalf("create on a server without webhooks: %v, want 503", err)
	}
}
