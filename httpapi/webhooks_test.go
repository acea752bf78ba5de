package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/httpapi"
	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/audit"
	"github.com/engramhq/engram/memory/auth"
	"github.com/engramhq/engram/memory/webhook"
)

// hookEnv is a testEnv whose server has a webhook service.
type hookEnv struct {
	*testEnv
	hooks *webhook.Service
}

func fastHookOptions() *webhook.Options {
	return &webhook.Options{BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		AttemptTimeout: 5 * time.Second, MaxAttempts: 3}
}

// openHookEnv is openEnv with webhooks: the service is opened over the
// store's database with the store's "webhooks" subkey, as serve does.
func openHookEnv(tb testing.TB, dir string, wopts *webhook.Options) *hookEnv {
	tb.Helper()
	mk := testMasterKey(tb)
	store, err := memory.Open(dir, &memory.Options{MasterKey: mk})
	if err != nil {
		tb.Fatal(err)
	}
	keys, err := auth.NewManager(store.DB(), mk.Derive("api-key-pepper"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	alog, err := audit.Open(store.DB(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := keys.Bootstrap(context.Background(), testRootKey); err != nil {
		tb.Fatal(err)
	}
	hooks, err := webhook.Open(store.DB(), store.SubKey("webhooks"), wopts)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := httpapi.New(httpapi.Options{Store: store, Keys: keys, Audit: alog, Webhooks: hooks,
		DefaultRateLimit: auth.Limit{Rate: 10000, Burst: 10000}})
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	h := &hookEnv{testEnv: &testEnv{tb: tb, url: hs.URL, dir: dir, store: store, keys: keys, audit: alog, api: s, srv: hs}, hooks: hooks}
	tb.Cleanup(h.close)
	return h
}

func (h *hookEnv) close() {
	if h.hooks == nil {
		return
	}
	h.srv.Close()
	h.hooks.Close()
	h.hooks = nil
	h.testEnv.close()
}

// subscribe creates a webhook on ns and returns its id and secret.
func (h *hookEnv) subscribe(ns string, body map[string]any) (string, string) {
	h.tb.Helper()
	r := h.root("POST", "/v1/namespaces/"+ns+"/webhooks", body)
	if r.status != http.StatusCreated {
		h.tb.Fatalf("create webhook: %d %s", r.status, r.body)
	}
	m := r.json(h.tb)
	return m["id"].(string), m["secret"].(string)
}

func (h *hookEnv) deliveries(ns, id, query string) []map[string]any {
	h.tb.Helper()
	m := mustOK(h.tb, h.root("GET", "/v1/namespaces/"+ns+"/webhooks/"+id+"/deliveries"+query, nil))
	var out []map[string]any
	for _, d := range m["deliveries"].([]any) {
		out = append(out, d.(map[string]any))
	}
	return out
}

// waitDeliveries polls the deliveries route until ok accepts the answer.
func (h *hookEnv) waitDeliveries(ns, id, query string, ok func([]map[string]any) bool) []map[string]any {
	h.tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		ds := h.deliveries(ns, id, query)
		if ok(ds) {
			return ds
		}
		if time.Now().After(deadline) {
			h.tb.Fatalf("deliveries never satisfied the condition: %v", ds)
		}
		<-tick.C
	}
}

func oneDelivery(status string, attempts int) func([]map[string]any) bool {
	return func(ds []map[string]any) bool {
		return len(ds) == 1 && ds[0]["status"] == status && ds[0]["attempts"] == float64(attempts)
	}
}

// hookRequest is one request a hookReceiver answered with 2xx.
type hookRequest struct {
	header http.Header
	body   []byte
	event  map[string]any
}

func (q hookRequest) data() map[string]any { d, _ := q.event["data"].(map[string]any); return d }

// hookReceiver is a webhook endpoint on 127.0.0.1: 500 for the first
// failures requests (always when < 0), requests held while hold is set,
// 200 otherwise.
type hookReceiver struct {
	srv *httptest.Server
	got chan hookRequest

	mu       sync.Mutex
	failures int
	hits     int
	hold     chan struct{}
	held     chan struct{}
}

func newHookReceiver(tb testing.TB) *hookReceiver {
	tb.Helper()
	r := &hookReceiver{got: make(chan hookRequest, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(func() {
		r.release()
		r.srv.Close()
	})
	return r
}

func (r *hookReceiver) set(failures int, hold bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = failures
	if hold {
		r.hold, r.held = make(chan struct{}), make(chan struct{}, 16)
	}
}

func (r *hookReceiver) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hold != nil {
		close(r.hold)
		r.hold = nil
	}
}

func (r *hookReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.hits++
	fail := r.failures != 0
	if r.failures > 0 {
		r.failures--
	}
	hold, held := r.hold, r.held
	r.mu.Unlock()
	if hold != nil {
		held <- struct{}{}
		select {
		case <-hold:
		case <-req.Context().Done():
			return
		}
	}
	if fail {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	var ev map[string]any
	_ = json.Unmarshal(body, &ev)
	r.got <- hookRequest{header: req.Header.Clone(), body: body, event: ev}
}

func (r *hookReceiver) next(tb testing.TB) hookRequest {
	tb.Helper()
	select {
	case q := <-r.got:
		return q
	case <-time.After(15 * time.Second):
		tb.Fatal("no webhook request within 15s")
	}
	return hookRequest{}
}

func TestWebhookEvents(t *testing.T) {
	h := openHookEnv(t, t.TempDir(), fastHookOptions())
	rcv := newHookReceiver(t)
	mustOK(t, h.root("POST", "/v1/namespaces", map[string]any{"name": "hooks"}))
	r := h.root("POST", "/v1/namespaces/hooks/webhooks", map[string]any{"url": rcv.srv.URL + "/in",
		"events": webhook.EventTypes, "description": "all events"})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	created := r.json(t)
	id, secret := created["id"].(string), created["secret"].(string)
	if !strings.HasPrefix(id, "wh_") || !strings.HasPrefix(secret, "whsec_") || created["active"] != true ||
		created["url"] != rcv.srv.URL+"/in" || created["created_at"] == nil || len(created["events"].([]any)) != 5 {
		t.Fatalf("create answer %s", r.body)
	}
	list := mustOK(t, h.root("GET", "/v1/namespaces/hooks/webhooks", nil))
	if ws := list["webhooks"].([]any); len(ws) != 1 || ws[0].(map[string]any)["id"] != id || bytes.Contains(h.root("GET", "/v1/namespaces/hooks/webhooks", nil).body, []byte(secret)) {
		t.Fatalf("list %v", list)
	}
	// expect waits for the event of the action just taken and checks it.
	expect := func(typ string) hookRequest {
		t.Helper()
		q := rcv.next(t)
		if err := webhook.Verify(secret, q.header.Get("Engram-Signature"), q.body, time.Now(), 0); err != nil {
			t.Fatalf("%s: signature: %v", typ, err)
		}
		if q.event["type"] != typ || q.header.Get("Engram-Event") != typ || q.event["namespace"] != "hooks" ||
			!strings.HasPrefix(q.header.Get("Engram-Delivery"), "dlv_") {
			t.Fatalf("want %s, got %s (headers %v)", typ, q.body, q.header)
		}
		return q
	}
	store := mustOK(t, h.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a1", "namespace": "hooks", "content": "the content"}))
	memID := store["memory"].(map[string]any)["id"].(string)
	q := expect(webhook.MemoryStored)
	if fmt.Sprint(q.data()["memory_ids"]) != "["+memID+"]" || bytes.Contains(q.body, []byte("the content")) {
		t.Fatalf("memory.stored %s", q.body)
	}
	batch := mustOK(t, h.root("POST", "/v1/memories/store/batch", map[string]any{"agent_id": "a1", "namespace": "hooks",
		"memories": []any{map[string]any{"content": "one"}, map[string]any{"content": "two"}, map[string]any{"content": "three"}}}))
	var batchIDs []string
	for _, m := range batch["stored"].([]any) {
		batchIDs = append(batchIDs, m.(map[string]any)["id"].(string))
	}
	q = expect(webhook.MemoryStored)
	if fmt.Sprint(q.data()["memory_ids"]) != fmt.Sprint(batchIDs) || q.data()["count"] != 3.0 {
		t.Fatalf("batch memory.stored %s, ids %v", q.body, batchIDs)
	}
	mustOK(t, h.root("PUT", "/v1/memory/update/"+memID, map[string]any{"importance": 0.9}))
	if q = expect(webhook.MemoryUpdated); fmt.Sprint(q.data()["memory_ids"]) != "["+memID+"]" {
		t.Fatalf("memory.updated %s", q.body)
	}
	mustOK(t, h.root("POST", "/v1/memory/forget", map[string]any{"agent_id": "a1", "namespace": "hooks", "memory_ids": []string{memID}}))
	if q = expect(webhook.MemoryForgotten); q.data()["count"] != 1.0 {
		t.Fatalf("memory.forgotten %s", q.body)
	}
	mustOK(t, h.root("DELETE", "/v1/memories/forget/batch", map[string]any{"agent_id": "a1", "namespace": "hooks",
		"filter": map[string]any{"memory_type": "episodic"}}))
	if q = expect(webhook.MemoryForgotten); q.data()["count"] != 3.0 {
		t.Fatalf("batch memory.forgotten %s", q.body)
	}
	mustOK(t, h.root("POST", "/v1/namespaces/hooks/import", `{"agent_id":"a1","content":"imported one"}`+"\n"+`{"agent_id":"a1","content":"imported two"}`+"\n"))
	if q = expect(webhook.ImportCompleted); q.data()["count"] != 2.0 {
		t.Fatalf("import.completed %s", q.body)
	}
	mustOK(t, h.root("DELETE", "/v1/namespaces/hooks", nil))
	expect(webhook.NamespaceDeleted)
	// A failed request emits nothing: the 404 store below leaves no row.
	before := len(h.deliveries("hooks", id, ""))
	if r := h.root("PUT", "/v1/memory/update/mem_doesnotexist", map[string]any{"importance": 0.1}); r.status != 404 {
		t.Fatalf("update of unknown memory: %d", r.status)
	}
	ds := h.waitDeliveries("hooks", id, "?status=delivered", func(ds []map[string]any) bool { return len(ds) == 7 })
	if after := len(h.deliveries("hooks", id, "")); after != before || after != 7 {
		t.Fatalf("deliveries %d then %d, want 7", before, after)
	}
	d := ds[0] // newest first: namespace.deleted
	if d["event"] != webhook.NamespaceDeleted || d["attempts"] != 1.0 || d["last_status_code"] != 200.0 ||
		d["delivered_at"] == nil || d["next_attempt_at"] != nil || d["created_at"] == nil {
		t.Fatalf("delivery %v", d)
	}
	list = mustOK(t, h.root("GET", "/v1/namespaces/hooks/webhooks", nil))
	if w := list["webhooks"].([]any)[0].(map[string]any); w["active"] != false {
		t.Fatalf("webhook still active after namespace.deleted: %v", w)
	}
}

func TestWebhookIncludeContent(t *testing.T) {
	h := openHookEnv(t, t.TempDir(), fastHookOptions())
	rcv := newHookReceiver(t)
	mustOK(t, h.root("POST", "/v1/namespaces", map[string]any{"name": "hooks"}))
	h.subscribe("hooks", map[string]any{"url": rcv.srv.URL, "events": []string{"memory.stored"}, "include_content": true})
	mustOK(t, h.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a1", "namespace": "hooks", "content": "shared with the receiver"}))
	q := rcv.next(t)
	ms, _ := q.data()["memories"].([]any)
	if len(ms) != 1 || ms[0].(map[string]any)["content"] != "shared with the receiver" {
		t.Fatalf("payload %s", q.body)
	}
}

func TestWebhookRetries(t *testing.T) {
	h := openHookEnv(t, t.TempDir(), fastHookOptions())
	mustOK(t, h.root("POST", "/v1/namespaces", map[string]any{"name": "hooks"}))
	t.Run("case=recovers_after_2_failures", func(t *testing.T) {
		rcv := newHookReceiver(t)
		rcv.set(2, false)
		id, _ := h.subscribe("hooks", map[string]any{"url": rcv.srv.URL, "events": []string{"memory.stored"}})
		t.Cleanup(func() { h.root("DELETE", "/v1/namespaces/hooks/webhooks/"+id, nil) })
		mustOK(t, h.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a1", "namespace": "hooks", "content": "x"}))
		rcv.next(t)
		h.waitDeliveries("hooks", id, "", oneDelivery("delivered", 3))
	})
	t.Run("case=failed_then_retried", func(t *testing.T) {
		rcv := newHookReceiver(t)
		rcv.set(-1, false)
		id, _ := h.subscribe("hooks", map[string]any{"url": rcv.srv.URL, "events": []string{"memory.stored"}})
		mustOK(t, h.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a1", "namespace": "hooks", "content": "y"}))
		ds := h.waitDeliveries("hooks", id, "?status=failed", oneDelivery("failed", 3))
		if ds[0]["last_status_code"] != 500.0 || !strings.Contains(ds[0]["last_error"].(string), "500") || ds[0]["delivered_at"] != nil {
			t.Fatalf("failed delivery %v", ds[0])
		}
		if n := len(h.deliveries("hooks", id, "?status=delivered")); n != 0 {
			t.Fatalf("%d delivered", n)
		}
		rcv.set(0, false)
		r := mustOK(t, h.root("POST", "/v1/namespaces/hooks/webhooks/"+id+"/deliveries/"+ds[0]["id"].(string)+"/retry", nil))
		if r["delivery"].(map[string]any)["status"] != "pending" {
			t.Fatalf("retry answer %v", r)
		}
		rcv.next(t)
		h.waitDeliveries("hooks", id, "?status=delivered", oneDelivery("delivered", 4))
	})
}

func TestWebhookRestartResumes(t *testing.T) {
	dir := t.TempDir()
	h := openHookEnv(t, dir, fastHookOptions())
	rcv := newHookReceiver(t)
	rcv.set(0, true)
	mustOK(t, h.root("POST", "/v1/namespaces", map[string]any{"name": "hooks"}))
	id, secret := h.subscribe("hooks", map[string]any{"url": rcv.srv.URL, "events": []string{"memory.stored"}})
	mustOK(t, h.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a1", "namespace": "hooks", "content": "x"}))
	<-rcv.held // the first attempt is in flight when the server stops
	h.close()
	rcv.release()
	h2 := openHookEnv(t, dir, fastHookOptions())
	q := rcv.next(t)
	if err := webhook.Verify(secret, q.header.Get("Engram-Signature"), q.body, time.Now(), 0); err != nil || q.event["type"] != "memory.stored" {
		t.Fatalf("after restart: %v %s", err, q.body)
	}
	h2.waitDeliveries("hooks", id, "", oneDelivery("delivered", 1))
}

// TestWebhookSecretsNotOnDisk plants canaries in a webhook's URL path and
// secret, delivers, closes, and scans every file of the data directory.
func TestWebhookSecretsNotOnDisk(t *testing.T) {
	const canary = "qjxhookcanary"
	dir := t.TempDir()
	h := openHookEnv(t, dir, fastHookOptions())
	rcv := newHookReceiver(t)
	mustOK(t, h.root("POST", "/v1/namespaces", map[string]any{"name": "hooks"}))
	id, _ := h.subscribe("hooks", map[string]any{"url": rcv.srv.URL + "/" + canary + "path?token=" + canary,
		"events": []string{"memory.stored"}, "secret": "whsec_" + canary + "secret", "description": canary})
	mustOK(t, h.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a1", "namespace": "hooks", "content": "x"}))
	rcv.next(t)
	h.waitDeliveries("hooks", id, "", oneDelivery("delivered", 1))
	h.close()
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(bytes.ToLower(b), []byte(canary)) {
			t.Errorf("%s holds the webhook canary in plaintext", p)
		}
		return nil
	})
	if err != nil || files < 3 {
		t.Fatalf("scan: %v, %d files", err, files)
	}
}

func TestWebhookRequestErrors(t *testing.T) {
	h := openHookEnv(t, t.TempDir(), fastHookOptions())
	for _, ns := range []string{"hooks", "other"} {
		mustOK(t, h.root("POST", "/v1/namespaces", map[string]any{"name": ns}))
	}
	id, _ := h.subscribe("hooks", map[string]any{"url": "http://127.0.0.1:9/x", "events": []string{"memory.stored"}})
	_, writer := h.mkKey("", map[string]any{"name": "w", "scope": "write", "namespaces": []string{"hooks"}})
	_, outside := h.mkKey("", map[string]any{"name": "a", "scope": "admin", "namespaces": []string{"other"}})
	disabled := newEnv(t, nil)
	mustOK(t, disabled.root("POST", "/v1/namespaces", map[string]any{"name": "hooks"}))
	base := "/v1/namespaces/hooks/webhooks"
	good := map[string]any{"url": "http://127.0.0.1:9/x", "events": []string{"memory.stored"}}
	with := func(k string, v any) map[string]any {
		m := map[string]any{"url": good["url"], "events": good["events"]}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		name, method, path, key string
		env                     *testEnv
		body                    any
		status                  int
		code, field             string
	}{
		{"case=ftp_url", "POST", base, "", nil, with("url", "ftp://127.0.0.1/x"), 400, "INVALID_REQUEST", "url"},
		{"case=url_credentials", "POST", base, "", nil, with("url", "http://u:p@127.0.0.1/x"), 400, "INVALID_REQUEST", "url"},
		{"case=missing_url", "POST", base, "", nil, map[string]any{"events": []string{"memory.stored"}}, 400, "INVALID_REQUEST", "url"},
		{"case=unknown_event", "POST", base, "", nil, with("events", []string{"memory.stored", "memory.exploded"}), 400, "INVALID_REQUEST", "events"},
		{"case=no_events", "POST", base, "", nil, with("events", []string{}), 400, "INVALID_REQUEST", "events"},
		{"case=events_not_array", "POST", base, "", nil, with("events", "memory.stored"), 400, "INVALID_REQUEST", "events"},
		{"case=short_secret", "POST", base, "", nil, with("secret", "abc"), 400, "INVALID_REQUEST", "secret"},
		{"case=bad_status", "GET", base + "/" + id + "/deliveries?status=lost", "", nil, nil, 400, "INVALID_REQUEST", "status"},
		{"case=bad_limit", "GET", base + "/" + id + "/deliveries?limit=0", "", nil, nil, 400, "INVALID_REQUEST", "limit"},
		{"case=unknown_namespace", "POST", "/v1/namespaces/nowhere/webhooks", "", nil, good, 404, "NAMESPACE_NOT_FOUND", ""},
		{"case=unknown_webhook", "DELETE", base + "/wh_000000000000000000000000", "", nil, nil, 404, "NOT_FOUND", ""},
		{"case=webhook_of_other_namespace", "GET", "/v1/namespaces/other/webhooks/" + id + "/deliveries", "", nil, nil, 404, "NOT_FOUND", ""},
		{"case=unknown_delivery", "POST", base + "/" + id + "/deliveries/dlv_000000000000000000000000/retry", "", nil, nil, 404, "NOT_FOUND", ""},
		{"case=write_key_create", "POST", base, writer, nil, good, 403, "INSUFFICIENT_SCOPE", ""},
		{"case=write_key_list", "GET", base, writer, nil, nil, 403, "INSUFFICIENT_SCOPE", ""},
		{"case=admin_out_of_grant", "GET", base, outside, nil, nil, 403, "NAMESPACE_ACCESS_DENIED", ""},
		{"case=no_key", "GET", base, "-", nil, nil, 401, "AUTHENTICATION_REQUIRED", ""},
		{"case=disabled", "GET", base, "", disabled, nil, 503, "SERVICE_UNAVAILABLE", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := h.testEnv
			if tc.env != nil {
				env = tc.env
			}
			key := tc.key
			switch key {
			case "":
				key = testRootKey
			case "-":
				key = ""
			}
			r := env.do(tc.method, tc.path, key, tc.body)
			wantError(t, r, tc.status, tc.code)
			if tc.field != "" && r.json(t)["details"] != "field: "+tc.field {
				t.Fatalf("details %v, want field: %s", r.json(t)["details"], tc.field)
			}
		})
	}
	if ws := mustOK(t, h.root("GET", base, nil))["webhooks"].([]any); len(ws) != 1 {
		t.Fatalf("refused requests created webhooks: %v", ws)
	}
	if !slices.ContainsFunc(h.api.Routes(), func(r httpapi.Route) bool { return r.Path == base[:len("/v1/namespaces/")]+":ns/webhooks" }) {
		t.Fatal("webhook route not registered")
	}
}
