package webhook_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/memory/webhook"
)

var testKey = bytes.Repeat([]byte{7}, 32)

// fastOptions make retries take milliseconds.
func fastOptions() *webhook.Options {
	return &webhook.Options{BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		AttemptTimeout: 5 * time.Second, MaxAttempts: 3}
}

// env is a Service over a real Badger (its own encryption off, so that
// the data directory shows exactly what this package writes).
type env struct {
	tb  testing.TB
	dir string
	db  *storage.Badger
	svc *webhook.Service
}

func openEnv(tb testing.TB, dir string, opts *webhook.Options) *env {
	tb.Helper()
	db, err := storage.OpenBadger(filepath.Join(dir, "db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := webhook.Open(db, testKey, opts)
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	e := &env{tb: tb, dir: dir, db: db, svc: svc}
	tb.Cleanup(e.close)
	return e
}

func (e *env) close() {
	if e.svc == nil {
		return
	}
	e.svc.Close()
	e.db.Close()
	e.svc = nil
}

func (e *env) subscribe(org, ns string, in webhook.SubscribeInput) (webhook.Subscription, string) {
	e.tb.Helper()
	sub, secret, err := e.svc.Subscribe(e.tb.Context(), org, ns, in)
	if err != nil {
		e.tb.Fatal(err)
	}
	return sub, secret
}

func (e *env) emit(ev webhook.Event) {
	e.tb.Helper()
	if err := e.svc.Emit(e.tb.Context(), ev); err != nil {
		e.tb.Fatal(err)
	}
}

func (e *env) deliveries(org, ns, id, status string) []webhook.Delivery {
	e.tb.Helper()
	ds, err := e.svc.Deliveries(e.tb.Context(), org, ns, id, status, 0)
	if err != nil {
		e.tb.Fatal(err)
	}
	return ds
}

// waitDeliveries polls until ok accepts the subscription's deliveries.
func (e *env) waitDeliveries(org, ns, id string, ok func([]webhook.Delivery) bool) []webhook.Delivery {
	e.tb.Helper()
	var ds []webhook.Delivery
	eventually(e.tb, func() bool {
		ds = e.deliveries(org, ns, id, "")
		return ok(ds)
	}, func() string { return jsonString(ds) })
	return ds
}

func eventually(tb testing.TB, cond func() bool, state func() string) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within 15s; state: %s", state())
		}
		<-tick.C
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func oneStatus(status string, attempts int) func([]webhook.Delivery) bool {
	return func(ds []webhook.Delivery) bool {
		return len(ds) == 1 && ds[0].Status == status && ds[0].Attempts == attempts
	}
}

// request is what a receiver got.
type request struct {
	header  http.Header
	body    []byte
	payload map[string]any
}

// receiver is a real HTTP endpoint on 127.0.0.1: it answers 500 to the
// first failures requests (forever when failures < 0), or holds a request
// until released when hold is set, and 204 otherwise.
type receiver struct {
	srv *httptest.Server
	got chan request // every 2xx-answered request

	mu       sync.Mutex
	failures int
	hits     int
	hold     chan struct{} // closed to release held requests
	held     chan struct{} // signalled when a request is held
}

func newReceiver(tb testing.TB) *receiver {
	tb.Helper()
	r := &receiver{got: make(chan request, 1000)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(func() {
		r.release()
		r.srv.Close()
	})
	return r
}

func (r *receiver) url(path string) string { return r.srv.URL + path }

func (r *receiver) setFailures(n int) {
	r.mu.Lock()
	r.failures = n
	r.mu.Unlock()
}

func (r *receiver) holdRequests() {
	r.mu.Lock()
	r.hold, r.held = make(chan struct{}), make(chan struct{}, 16)
	r.mu.Unlock()
}

func (r *receiver) release() {
	r.mu.Lock()
	if r.hold != nil {
		close(r.hold)
		r.hold = nil
	}
	r.mu.Unlock()
}

func (r *receiver) hitCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
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
		http.Error(w, "receiver failure", http.StatusInternalServerError)
		return
	}
	var p map[string]any
	_ = json.Unmarshal(body, &p)
	r.got <- request{header: req.Header.Clone(), body: body, payload: p}
	w.WriteHeader(http.StatusNoContent)
}

// next waits for the next successfully received request.
func (r *receiver) next(tb testing.TB) request {
	tb.Helper()
	select {
	case q := <-r.got:
		return q
	case <-time.After(15 * time.Second):
		tb.Fatal("no webhook request within 15s")
	}
	return request{}
}
