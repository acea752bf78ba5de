package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
	"github.com/engramhq/engram/memory/auth"
)

func newClient(tb testing.TB, url, key string, o *client.Options) *client.Client {
	tb.Helper()
	opts := client.Options{}
	if o != nil {
		opts = *o
	}
	opts.BaseURL, opts.APIKey = url, key
	c, err := client.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestMemoryRoundTrip(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.Start(t, nil)
	c := newClient(t, srv.URL, clienttest.RootKey, &client.Options{Namespace: "notes"})
	if _, err := c.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "notes"}); err != nil {
		t.Fatal(err)
	}
	st, err := c.Store(ctx, client.StoreRequest{AgentID: "bot", Content: "Alice drinks green tea every morning",
		Tags: []string{"alice"}, Metadata: map[string]any{"src": "chat"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.Memory.ID, "mem_") || st.Memory.Namespace != "notes" || st.Memory.Metadata["src"] != "chat" {
		t.Fatalf("stored %+v", st.Memory)
	}
	if _, err := c.StoreBatch(ctx, client.StoreBatchRequest{AgentID: "bot", Memories: []client.StoreRequest{
		{Content: "Bob prefers coffee"}, {Content: "The office closes at six"}}}); err != nil {
		t.Fatal(err)
	}
	rec, err := c.Recall(ctx, client.RecallRequest{Query: "what does Alice drink?", TopK: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Memories) == 0 || rec.Memories[0].Memory.ID != st.Memory.ID {
		t.Fatalf("recall = %+v, want %s first", rec.Memories, st.Memory.ID)
	}
	imp := 0.9
	up, err := c.Update(ctx, st.Memory.ID, client.UpdateRequest{Importance: &imp})
	if err != nil || up.Importance != 0.9 {
		t.Fatalf("update = %+v, %v", up, err)
	}
	got, err := c.Get(ctx, st.Memory.ID)
	if err != nil || got.Content != st.Memory.Content {
		t.Fatalf("get = %+v, %v", got, err)
	}
	n, err := c.Forget(ctx, client.ForgetRequest{MemoryIDs: []string{st.Memory.ID}})
	if err != nil || n != 1 {
		t.Fatalf("forget = %d, %v", n, err)
	}
	if _, err := c.Get(ctx, st.Memory.ID); !client.IsNotFound(err) {
		t.Fatalf("get after forget: %v, want not found", err)
	}
	sess, err := c.StartSession(ctx, client.StartSessionRequest{AgentID: "bot"})
	if err != nil {
		t.Fatal(err)
	}
	end, err := c.EndSession(ctx, sess.ID, "done")
	if err != nil || end.Session.EndedAt == nil {
		t.Fatalf("end session = %+v, %v", end, err)
	}
	nss, err := c.ListNamespaces(ctx)
	if err != nil || len(nss) != 1 || nss[0] != "notes" {
		t.Fatalf("namespaces = %v, %v", nss, err)
	}
	if rl, ok := c.RateLimit(); !ok || rl.Limit != 10000 || rl.Reset.IsZero() {
		t.Fatalf("rate limit = %+v, %v", rl, ok)
	}
}

func TestTypedErrors(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.Start(t, nil)
	root := newClient(t, srv.URL, clienttest.RootKey, nil)
	if _, err := root.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	readA := newClient(t, srv.URL, srv.Key(t, "read", "a"), nil)
	cases := []struct {
		name string
		call func() error
		is   func(error) bool
		code string
	}{
		{"kind=unauthorized", func() error {
			_, err := newClient(t, srv.URL, "engram_wrong_key_000000000000000000000000", nil).WhoAmI(ctx)
			return err
		}, client.IsUnauthorized, "INVALID_API_KEY"},
		{"kind=not_found", func() error { _, err := root.Get(ctx, "mem_nope"); return err }, client.IsNotFound, "NOT_FOUND"},
		{"kind=forbidden_scope", func() error {
			_, err := readA.Store(ctx, client.StoreRequest{AgentID: "x", Namespace: "a", Content: "hi"})
			return err
		}, client.IsForbidden, "INSUFFICIENT_SCOPE"},
		{"kind=forbidden_namespace", func() error {
			_, err := readA.Recall(ctx, client.RecallRequest{Namespace: "b", Query: "hi"})
			return err
		}, client.IsForbidden, "NAMESPACE_ACCESS_DENIED"},
		{"kind=conflict", func() error {
			_, err := root.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "a"})
			return err
		}, client.IsConflict, "CONFLICT"},
		{"kind=invalid", func() error {
			_, err := root.Store(ctx, client.StoreRequest{AgentID: "x", Namespace: "a", Content: ""})
			return err
		}, client.IsInvalid, "INVALID_REQUEST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var e *client.Error
			if !errors.As(err, &e) || !tc.is(err) || e.Code != tc.code || e.Message == "" || e.RequestID == "" {
				t.Fatalf("err = %#v, want code %s", err, tc.code)
			}
		})
	}
}

// counter wraps a handler, counting answers by status, and can fail the
// first requests of a path with a given status.
type counter struct {
	mu       sync.Mutex
	byStatus map[int]int
	failPath string
	failN    int
	failCode int
}

func (c *counter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		if r.URL.Path == c.failPath && c.failN > 0 {
			c.failN--
			c.byStatus[c.failCode]++
			c.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(c.failCode)
			w.Write([]byte(`{"error":"try later","code":"SERVICE_UNAVAILABLE","status":503}`))
			return
		}
		c.mu.Unlock()
		rw := &statusWriter{ResponseWriter: w, status: 200}
		h.ServeHTTP(rw, r)
		c.mu.Lock()
		c.byStatus[rw.status]++
		c.mu.Unlock()
	})
}

func (c *counter) count(status int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byStatus[status]
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

func TestRetryOn429HonoursRetryAfter(t *testing.T) {
	ctx := context.Background()
	cnt := &counter{byStatus: map[int]int{}}
	srv := clienttest.Start(t, &clienttest.Options{RateLimit: auth.Limit{Rate: 1, Burst: 1}, Wrap: cnt.wrap})
	c := newClient(t, srv.URL, clienttest.RootKey, nil)
	for i := range 2 {
		if _, err := c.WhoAmI(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := cnt.count(http.StatusTooManyRequests); got < 1 {
		t.Fatalf("%d answers were 429, want >= 1 (the second call must have been retried)", got)
	}
	if got := cnt.count(http.StatusOK); got != 2 {
		t.Fatalf("%d answers were 200, want 2", got)
	}
	noRetry := newClient(t, srv.URL, clienttest.RootKey, &client.Options{MaxRetries: -1})
	_, err := noRetry.WhoAmI(ctx)
	if !client.IsRateLimited(err) {
		t.Fatalf("without retries: %v, want rate limited", err)
	}
	if rl, ok := noRetry.RateLimit(); !ok || rl.Limit != 1 || rl.Remaining != 0 {
		t.Fatalf("rate limit = %+v", rl)
	}
}

func TestRetryPolicy(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name      string
		call      func(*client.Client) error
		path      string
		wantCalls int
		wantOK    bool
	}{
		{"call=store_without_id", func(c *client.Client) error {
			_, err := c.Store(ctx, client.StoreRequest{AgentID: "bot", Content: "x"})
			return err
		}, "/v1/memory/store", 1, false},
		{"call=store_with_id", func(c *client.Client) error {
			_, err := c.Store(ctx, client.StoreRequest{ID: "mine-1", AgentID: "bot", Content: "x"})
			return err
		}, "/v1/memory/store", 2, true},
		{"call=recall", func(c *client.Client) error {
			_, err := c.Recall(ctx, client.RecallRequest{Namespace: "n", Query: "x"})
			return err
		}, "/v1/memory/recall", 2, true},
		{"call=get", func(c *client.Client) error { _, err := c.WhoAmI(ctx); return err }, "/v1/auth/whoami", 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cnt := &counter{byStatus: map[int]int{}, failPath: tc.path, failN: 1, failCode: http.StatusServiceUnavailable}
			srv := clienttest.Start(t, &clienttest.Options{Wrap: cnt.wrap})
			c := newClient(t, srv.URL, clienttest.RootKey, nil)
			if _, err := c.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: "n"}); err != nil {
				t.Fatal(err)
			}
			err := tc.call(c)
			if (err == nil) != tc.wantOK {
				t.Fatalf("err = %v, want ok=%v", err, tc.wantOK)
			}
			if !tc.wantOK {
				var e *client.Error
				if !errors.As(err, &e) || e.Status != 503 {
					t.Fatalf("err = %v, want a 503 *Error", err)
				}
			}
			calls := cnt.count(503) + cnt.count(200) - 1 // minus the namespace creation
			if calls != tc.wantCalls {
				t.Fatalf("%d requests, want %d", calls, tc.wantCalls)
			}
		})
	}
	t.Run("call=bad_request_not_retried", func(t *testing.T) {
		cnt := &counter{byStatus: map[int]int{}}
		srv := clienttest.Start(t, &clienttest.Options{Wrap: cnt.wrap})
		c := newClient(t, srv.URL, clienttest.RootKey, nil)
		_, err := c.Recall(ctx, client.RecallRequest{AgentID: "bot", Query: "x", TopK: 5000})
		if !client.IsInvalid(err) || cnt.count(400) != 1 {
			t.Fatalf("err %v after %d requests, want one 400", err, cnt.count(400))
		}
	})
}

func TestRetryOnDialError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var dials atomic.Int32
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}}
	c := newClient(t, "http://"+addr, "k", &client.Options{HTTPClient: hc, MaxRetries: 2})
	_, err = c.Store(context.Background(), client.StoreRequest{AgentID: "a", Content: "x"})
	var e *client.Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("err = %v, want a network error", err)
	}
	if got := dials.Load(); got != 3 {
		t.Fatalf("%d dials, want 3 (1 + 2 retries)", got)
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts client.Options
	}{
		{"base=empty", client.Options{}},
		{"base=ftp", client.Options{BaseURL: "ftp://x"}},
		{"key=newline", client.Options{BaseURL: "http://x", APIKey: "a\nb"}},
		{"timeout=negative", client.Options{BaseURL: "http://x", Timeout: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := client.New(tc.opts); !errors.Is(err, client.ErrOptions) {
				t.Fatalf("err = %v, want ErrOptions", err)
			}
		})
	}
}
