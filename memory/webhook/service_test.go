package webhook_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/memory/webhook"
)

const (
	org = "org_test"
	ns  = "team-a"
)

func TestSubscribeValidation(t *testing.T) {
	e := openEnv(t, t.TempDir(), fastOptions())
	deny := openEnv(t, t.TempDir(), &webhook.Options{DenyPrivate: true, AllowedHosts: []string{"*.example.com", "127.0.0.1"}})
	ok := webhook.SubscribeInput{URL: "http://127.0.0.1:9/hook", Events: []string{webhook.MemoryStored}}
	with := func(f func(*webhook.SubscribeInput)) webhook.SubscribeInput {
		in := ok
		f(&in)
		return in
	}
	for _, tc := range []struct {
		name  string
		e     *env
		in    webhook.SubscribeInput
		field string
	}{
		{"case=ftp", e, with(func(in *webhook.SubscribeInput) { in.URL = "ftp://127.0.0.1/x" }), "url"},
		{"case=credentials", e, with(func(in *webhook.SubscribeInput) { in.URL = "https://user:pw@hooks.example.com/x" }), "url"},
		{"case=no_host", e, with(func(in *webhook.SubscribeInput) { in.URL = "http:///x" }), "url"},
		{"case=relative", e, with(func(in *webhook.SubscribeInput) { in.URL = "/x" }), "url"},
		{"case=fragment", e, with(func(in *webhook.SubscribeInput) { in.URL = "http://127.0.0.1/x#frag" }), "url"},
		{"case=empty_url", e, with(func(in *webhook.SubscribeInput) { in.URL = "" }), "url"},
		{"case=unknown_event", e, with(func(in *webhook.SubscribeInput) { in.Events = []string{"memory.exploded"} }), "events"},
		{"case=no_events", e, with(func(in *webhook.SubscribeInput) { in.Events = nil }), "events"},
		{"case=short_secret", e, with(func(in *webhook.SubscribeInput) { in.Secret = "short" }), "secret"},
		{"case=deny_private_literal", deny, ok, "url"},
		{"case=host_not_allowed", deny, with(func(in *webhook.SubscribeInput) { in.URL = "https://evil.test/x" }), "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.e.svc.Subscribe(t.Context(), org, ns, tc.in)
			var ve *webhook.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("err = %v, want a ValidationError on %q", err, tc.field)
			}
		})
	}
	t.Run("case=allowed_suffix", func(t *testing.T) {
		in := with(func(in *webhook.SubscribeInput) { in.URL = "https://hooks.example.com/x" })
		if _, _, err := deny.svc.Subscribe(t.Context(), org, ns, in); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("case=generated_secret", func(t *testing.T) {
		sub, secret := e.subscribe(org, ns, with(func(in *webhook.SubscribeInput) {
			in.Events = []string{webhook.MemoryStored, webhook.MemoryStored}
		}))
		if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
			t.Fatalf("secret %q", secret)
		}
		if !strings.HasPrefix(sub.ID, "wh_") || !sub.Active || len(sub.Events) != 1 {
			t.Fatalf("subscription %+v", sub)
		}
	})
	t.Run("case=limit_per_namespace", func(t *testing.T) {
		lim := openEnv(t, t.TempDir(), &webhook.Options{MaxPerNamespace: 1})
		lim.subscribe(org, ns, ok)
		if _, _, err := lim.svc.Subscribe(t.Context(), org, ns, ok); !errors.Is(err, webhook.ErrConflict) {
			t.Fatalf("second subscription: %v, want ErrConflict", err)
		}
		lim.subscribe(org, "team-b", ok) // another namespace has its own budget
	})
}

func TestDeliverySigned(t *testing.T) {
	e := openEnv(t, t.TempDir(), fastOptions())
	r := newReceiver(t)
	sub, secret := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/hook?x=1"),
		Events: []string{webhook.MemoryStored, webhook.MemoryForgotten}})
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns,
		MemoryIDs: []string{"mem_1"}, Contents: map[string]string{"mem_1": "secret content"}})
	q := r.next(t)
	if err := webhook.Verify(secret, q.header.Get(webhook.HeaderSignature), q.body, time.Now(), 0); err != nil {
		t.Fatalf("signature: %v (header %q)", err, q.header.Get(webhook.HeaderSignature))
	}
	if err := webhook.Verify("whsec_not_the_secret", q.header.Get(webhook.HeaderSignature), q.body, time.Now(), 0); !errors.Is(err, webhook.ErrBadSignature) {
		t.Fatalf("verify with another secret: %v", err)
	}
	if got := q.header.Get(webhook.HeaderEvent); got != webhook.MemoryStored {
		t.Fatalf("Engram-Event %q", got)
	}
	p := q.payload
	data, _ := p["data"].(map[string]any)
	if p["type"] != webhook.MemoryStored || p["namespace"] != ns || !strings.HasPrefix(fmt.Sprint(p["id"]), "evt_") ||
		fmt.Sprint(data["memory_ids"]) != "[mem_1]" || data["count"] != 1.0 {
		t.Fatalf("payload %s", q.body)
	}
	if bytes.Contains(q.body, []byte("secret content")) {
		t.Fatalf("content sent to a subscription without include_content: %s", q.body)
	}
	ds := e.waitDeliveries(org, ns, sub.ID, oneStatus(webhook.StatusDelivered, 1))
	if d := ds[0]; d.ID != q.header.Get(webhook.HeaderDelivery) || d.LastStatusCode != 204 || d.DeliveredAt == nil ||
		d.NextAttemptAt != nil || d.EventID != p["id"] {
		t.Fatalf("delivery %+v, header %q", d, q.header.Get(webhook.HeaderDelivery))
	}
	// An event type the subscription did not ask for makes no delivery;
	// Emit stores rows before it returns, so this needs no waiting.
	e.emit(webhook.Event{Type: webhook.MemoryUpdated, Organization: org, Namespace: ns, MemoryIDs: []string{"mem_1"}})
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: "team-b", MemoryIDs: []string{"mem_2"}})
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: "org_other", Namespace: ns, MemoryIDs: []string{"mem_3"}})
	if ds := e.deliveries(org, ns, sub.ID, ""); len(ds) != 1 {
		t.Fatalf("deliveries after unrelated events: %s", jsonString(ds))
	}
	if _, err := e.svc.Deliveries(t.Context(), org, "team-b", sub.ID, "", 0); !errors.Is(err, webhook.ErrNotFound) {
		t.Fatalf("subscription seen from another namespace: %v", err)
	}
}

func TestRetriesUntilReceiverRecovers(t *testing.T) {
	for _, failures := range []int{1, 2} {
		t.Run(fmt.Sprintf("failures=%d", failures), func(t *testing.T) {
			e := openEnv(t, t.TempDir(), fastOptions())
			r := newReceiver(t)
			r.setFailures(failures)
			sub, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.MemoryUpdated}})
			e.emit(webhook.Event{Type: webhook.MemoryUpdated, Organization: org, Namespace: ns, MemoryIDs: []string{"mem_1"}})
			r.next(t)
			e.waitDeliveries(org, ns, sub.ID, oneStatus(webhook.StatusDelivered, failures+1))
			if got := r.hitCount(); got != failures+1 {
				t.Fatalf("receiver hits = %d, want %d", got, failures+1)
			}
		})
	}
}

func TestFailedDeliveryRetried(t *testing.T) {
	e := openEnv(t, t.TempDir(), fastOptions())
	r := newReceiver(t)
	r.setFailures(-1)
	sub, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.MemoryForgotten}})
	e.emit(webhook.Event{Type: webhook.MemoryForgotten, Organization: org, Namespace: ns, Count: 3})
	ds := e.waitDeliveries(org, ns, sub.ID, oneStatus(webhook.StatusFailed, 3))
	if d := ds[0]; d.LastStatusCode != 500 || !strings.Contains(d.LastError, "500") || d.DeliveredAt != nil {
		t.Fatalf("failed delivery %+v", d)
	}
	if got := e.deliveries(org, ns, sub.ID, webhook.StatusFailed); len(got) != 1 {
		t.Fatalf("failed filter: %s", jsonString(got))
	}
	if got := e.deliveries(org, ns, sub.ID, webhook.StatusDelivered); len(got) != 0 {
		t.Fatalf("delivered filter: %s", jsonString(got))
	}
	r.setFailures(0)
	if _, err := e.svc.Retry(t.Context(), org, ns, sub.ID, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	q := r.next(t)
	if q.payload["data"].(map[string]any)["count"] != 3.0 {
		t.Fatalf("payload %s", q.body)
	}
	e.waitDeliveries(org, ns, sub.ID, oneStatus(webhook.StatusDelivered, 4))
	for _, tc := range []struct {
		name, sub, dlv string
		want           error
	}{
		{"case=unknown_delivery", sub.ID, "dlv_000000000000000000000000", webhook.ErrNotFound},
		{"case=malformed_delivery", sub.ID, "nope", webhook.ErrNotFound},
		{"case=unknown_subscription", "wh_000000000000000000000000", ds[0].ID, webhook.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.svc.Retry(t.Context(), org, ns, tc.sub, tc.dlv); !errors.Is(err, tc.want) {
				t.Fatalf("Retry = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRetryPendingConflicts(t *testing.T) {
	e := openEnv(t, t.TempDir(), fastOptions())
	r := newReceiver(t)
	r.holdRequests()
	sub, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.MemoryStored}})
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns, MemoryIDs: []string{"m"}})
	<-r.held
	d := e.deliveries(org, ns, sub.ID, webhook.StatusPending)
	if len(d) != 1 || d[0].NextAttemptAt == nil {
		t.Fatalf("pending: %s", jsonString(d))
	}
	if _, err := e.svc.Retry(t.Context(), org, ns, sub.ID, d[0].ID); !errors.Is(err, webhook.ErrConflict) {
		t.Fatalf("Retry of a pending delivery: %v", err)
	}
	r.release()
	e.waitDeliveries(org, ns, sub.ID, oneStatus(webhook.StatusDelivered, 1))
}

func TestRestartResumesPending(t *testing.T) {
	dir := t.TempDir()
	e := openEnv(t, dir, fastOptions())
	r := newReceiver(t)
	r.holdRequests()
	sub, secret := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.ImportCompleted}})
	e.emit(webhook.Event{Type: webhook.ImportCompleted, Organization: org, Namespace: ns, Count: 42})
	<-r.held // the attempt is in flight: Close abandons it uncounted
	e.close()
	r.release()
	e2 := openEnv(t, dir, fastOptions())
	q := r.next(t)
	if err := webhook.Verify(secret, q.header.Get(webhook.HeaderSignature), q.body, time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	if q.payload["type"] != webhook.ImportCompleted || q.payload["data"].(map[string]any)["count"] != 42.0 {
		t.Fatalf("payload %s", q.body)
	}
	e2.waitDeliveries(org, ns, sub.ID, oneStatus(webhook.StatusDelivered, 1))
}

func TestChunksAndContent(t *testing.T) {
	opts := fastOptions()
	opts.MaxIDsPerEvent = 2
	e := openEnv(t, t.TempDir(), opts)
	withContent, plain := newReceiver(t), newReceiver(t)
	e.subscribe(org, ns, webhook.SubscribeInput{URL: withContent.url("/"), Events: []string{webhook.MemoryStored}, IncludeContent: true})
	e.subscribe(org, ns, webhook.SubscribeInput{URL: plain.url("/"), Events: []string{webhook.MemoryStored}})
	ids := []string{"m1", "m2", "m3", "m4", "m5"}
	contents := map[string]string{}
	for _, id := range ids {
		contents[id] = "content of " + id
	}
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns, MemoryIDs: ids, Contents: contents})
	for _, tc := range []struct {
		name    string
		r       *receiver
		content bool
	}{{"include_content=true", withContent, true}, {"include_content=false", plain, false}} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			chunks := map[float64]bool{}
			for range 3 {
				q := tc.r.next(t)
				data := q.payload["data"].(map[string]any)
				if data["chunks"] != 3.0 {
					t.Fatalf("payload %s", q.body)
				}
				chunks[data["chunk"].(float64)] = true
				for _, id := range data["memory_ids"].([]any) {
					got = append(got, id.(string))
				}
				if has := bytes.Contains(q.body, []byte("content of")); has != tc.content {
					t.Fatalf("content present = %v, want %v: %s", has, tc.content, q.body)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, ids) || len(chunks) != 3 {
				t.Fatalf("ids %v chunks %v", got, chunks)
			}
		})
	}
}

func TestNamespaceDeletedDeactivates(t *testing.T) {
	e := openEnv(t, t.TempDir(), fastOptions())
	r := newReceiver(t)
	sub, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.NamespaceDeleted, webhook.MemoryStored}})
	quiet, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/quiet"), Events: []string{webhook.MemoryStored}})
	e.emit(webhook.Event{Type: webhook.NamespaceDeleted, Organization: org, Namespace: ns})
	if q := r.next(t); q.payload["type"] != webhook.NamespaceDeleted {
		t.Fatalf("payload %s", q.body)
	}
	list, err := e.svc.List(t.Context(), org, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Active || list[1].Active {
		t.Fatalf("after namespace.deleted: %s", jsonString(list))
	}
	if e.svc.Enabled() {
		t.Fatal("Enabled with only inactive subscriptions")
	}
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns, MemoryIDs: []string{"m"}})
	if ds := e.deliveries(org, ns, sub.ID, ""); len(ds) != 1 {
		t.Fatalf("inactive subscription got a delivery: %s", jsonString(ds))
	}
	if ds := e.deliveries(org, ns, quiet.ID, ""); len(ds) != 0 {
		t.Fatalf("quiet subscription got a delivery: %s", jsonString(ds))
	}
}

func TestDenyPrivateAtDial(t *testing.T) {
	opts := fastOptions()
	opts.DenyPrivate, opts.MaxAttempts = true, 1
	e := openEnv(t, t.TempDir(), opts)
	r := newReceiver(t)
	u, _ := url.Parse(r.url("/"))
	// A name passes the subscribe check; the dialer refuses its address.
	sub, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: "http://localhost:" + u.Port() + "/", Events: []string{webhook.MemoryStored}})
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns, MemoryIDs: []string{"m"}})
	ds := e.waitDeliveries(org, ns, sub.ID, oneStatus(webhook.StatusFailed, 1))
	if ds[0].LastError != "target address not allowed" || ds[0].LastStatusCode != 0 {
		t.Fatalf("delivery %+v", ds[0])
	}
	if n := r.hitCount(); n != 0 {
		t.Fatalf("receiver reached %d times", n)
	}
}

func TestQueueOverflowReloads(t *testing.T) {
	opts := fastOptions()
	opts.QueueSize, opts.Workers = 2, 1
	e := openEnv(t, t.TempDir(), opts)
	r := newReceiver(t)
	sub, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.MemoryStored}})
	const n = 30
	for i := range n {
		e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns, MemoryIDs: []string{fmt.Sprint("m", i)}})
	}
	seen := map[string]bool{}
	for range n {
		q := r.next(t)
		seen[fmt.Sprint(q.payload["data"].(map[string]any)["memory_ids"])] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct events, want %d", len(seen), n)
	}
	e.waitDeliveries(org, ns, sub.ID, func(ds []webhook.Delivery) bool {
		return len(ds) == n && !slices.ContainsFunc(ds, func(d webhook.Delivery) bool { return d.Status != webhook.StatusDelivered })
	})
	if got := r.hitCount(); got != n {
		t.Fatalf("receiver hits %d, want %d (a delivery was sent twice)", got, n)
	}
}

func TestDeleteSubscription(t *testing.T) {
	e := openEnv(t, t.TempDir(), fastOptions())
	r := newReceiver(t)
	sub, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.MemoryStored}})
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns, MemoryIDs: []string{"m"}})
	r.next(t)
	if err := e.svc.Delete(t.Context(), org, "team-b", sub.ID); !errors.Is(err, webhook.ErrNotFound) {
		t.Fatalf("delete from another namespace: %v", err)
	}
	if err := e.svc.Delete(t.Context(), org, ns, sub.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Deliveries(t.Context(), org, ns, sub.ID, "", 0); !errors.Is(err, webhook.ErrNotFound) {
		t.Fatalf("deliveries of a deleted subscription: %v", err)
	}
	if list, _ := e.svc.List(t.Context(), org, ns); len(list) != 0 {
		t.Fatalf("list after delete: %s", jsonString(list))
	}
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns, MemoryIDs: []string{"m"}})
}

func TestRetentionPrunes(t *testing.T) {
	dir := t.TempDir()
	opts := fastOptions()
	opts.Retention = time.Hour
	e := openEnv(t, dir, opts)
	r := newReceiver(t)
	sub, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.MemoryStored}})
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns, MemoryIDs: []string{"m"}})
	e.waitDeliveries(org, ns, sub.ID, oneStatus(webhook.StatusDelivered, 1))
	e.close()
	later := *opts
	later.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	e2 := openEnv(t, dir, &later) // the janitor runs once on open
	e2.waitDeliveries(org, ns, sub.ID, func(ds []webhook.Delivery) bool { return len(ds) == 0 })
}

// TestNoPlaintextOnDisk plants canaries in the URL path, the secret and
// memory content, then scans every file of the data directory (Badger's
// own encryption is off here, so only this package's sealing hides them).
func TestNoPlaintextOnDisk(t *testing.T) {
	dir := t.TempDir()
	e := openEnv(t, dir, fastOptions())
	r := newReceiver(t)
	const urlCanary, secretCanary, contentCanary = "zebracanarypath", "whsec_zebracanarysecret", "zebracanarycontent"
	sub, _ := e.subscribe(org, "zebracanaryns", webhook.SubscribeInput{URL: r.url("/" + urlCanary), Events: []string{webhook.MemoryStored},
		Secret: secretCanary, Description: "zebracanarydesc", IncludeContent: true})
	e.emit(webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: "zebracanaryns", MemoryIDs: []string{"m"},
		Contents: map[string]string{"m": contentCanary}})
	if q := r.next(t); !bytes.Contains(q.body, []byte(contentCanary)) {
		t.Fatalf("payload lacks content: %s", q.body)
	}
	e.waitDeliveries(org, "zebracanaryns", sub.ID, oneStatus(webhook.StatusDelivered, 1))
	e.close()
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte("zebracanary")) {
			t.Errorf("%s holds a canary in plaintext", p)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("scan: %v, %d files", err, files)
	}
}
