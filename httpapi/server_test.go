package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/engramhq/engram/httpapi"
	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/audit"
	"github.com/engramhq/engram/memory/auth"
	"github.com/engramhq/engram/memory/seal"
)

const testRootKey = "engram_test_root_key_0123456789abcdefghijklmnop"

type testEnv struct {
	tb    testing.TB
	url   string
	dir   string
	store *memory.Store
	keys  *auth.Manager
	audit *audit.Log
	api   *httpapi.Server
	srv   *httptest.Server
	// header, when set, is added to every request (see doHeader).
	header http.Header
}

func testMasterKey(tb testing.TB) seal.MasterKey {
	mk, err := seal.ParseMasterKeyHex(strings.Repeat("ab", 32))
	if err != nil {
		tb.Fatal(err)
	}
	return mk
}

// newEnv starts a real server on 127.0.0.1 over a real Badger and Bleve in
// a temporary directory, with the root key testRootKey.
func newEnv(tb testing.TB, opts *httpapi.Options) *testEnv {
	tb.Helper()
	return openEnv(tb, tb.TempDir(), opts)
}

// newFastEnv is newEnv without synchronous writes, for tests of
// authorization rather than durability that send thousands of requests.
func newFastEnv(tb testing.TB, opts *httpapi.Options) *testEnv {
	tb.Helper()
	return openEnvSync(tb, tb.TempDir(), opts, false)
}

func openEnv(tb testing.TB, dir string, opts *httpapi.Options) *testEnv {
	tb.Helper()
	return openEnvSync(tb, dir, opts, true)
}

func openEnvSync(tb testing.TB, dir string, opts *httpapi.Options, sync bool) *testEnv {
	tb.Helper()
	mk := testMasterKey(tb)
	store, err := memory.Open(dir, &memory.Options{MasterKey: mk, SyncWrites: &sync})
	if err != nil {
		tb.Fatal(err)
	}
	var authOpts *auth.Options
	if opts != nil && opts.Now != nil {
		authOpts = &auth.Options{Now: opts.Now}
	}
	keys, err := auth.NewManager(store.DB(), store.Pepper(), authOpts)
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
	o := httpapi.Options{}
	if opts != nil {
		o = *opts
	}
	o.Store, o.Keys, o.Audit = store, keys, alog
	if o.DefaultRateLimit.Rate == 0 {
		o.DefaultRateLimit = auth.Limit{Rate: 10000, Burst: 10000}
	}
	if o.AuthFailureLimit.Rate == 0 { // the matrix tests send many bad keys
		o.AuthFailureLimit = auth.Limit{Rate: 10000, Burst: 10000}
	}
	s, err := httpapi.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	env := &testEnv{tb: tb, url: hs.URL, dir: dir, store: store, keys: keys, audit: alog, api: s, srv: hs}
	tb.Cleanup(env.close)
	return env
}

func (e *testEnv) close() {
	if e.srv == nil {
		return
	}
	e.srv.Close()
	e.keys.Close()
	e.store.Close()
	e.srv = nil
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		tb.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

func (r resp) code(tb testing.TB) string {
	tb.Helper()
	c, _ := r.json(tb)["code"].(string)
	return c
}

// do sends a request with key (no Authorization header when key is "").
// body may be a string (sent raw) or a value encoded as JSON.
func (e *testEnv) do(method, path, key string, body any) resp {
	e.tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.tb.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.tb.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for name, vals := range e.header {
		req.Header[name] = vals
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.tb.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.tb.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// doHead is do for streamed answers: it reads the status and headers and
// drops the connection without reading the body.
func (e *testEnv) doHead(method, path, key string, body any) resp {
	e.tb.Helper()
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			e.tb.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.tb.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.tb.Fatal(err)
	}
	defer res.Body.Close()
	r := resp{status: res.StatusCode, header: res.Header}
	if res.StatusCode >= 400 { // errors are small JSON bodies: read them
		r.body, _ = io.ReadAll(res.Body)
	}
	return r
}

func (e *testEnv) root(method, path string, body any) resp {
	e.tb.Helper()
	return e.do(method, path, testRootKey, body)
}

// mustOK fails unless r is 200 and returns its JSON object.
func mustOK(tb testing.TB, r resp) map[string]any {
	tb.Helper()
	if r.status != http.StatusOK && r.status != http.StatusCreated {
		tb.Fatalf("status %d, body %s", r.status, r.body)
	}
	return r.json(tb)
}

func wantError(tb testing.TB, r resp, status int, code string) {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	m := r.json(tb)
	if m["code"] != code {
		tb.Fatalf("code = %v, want %s; body %s", m["code"], code, r.body)
	}
	if int(m["status"].(float64)) != status || m["error"] == "" {
		tb.Fatalf("malformed error body %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("error content type %q", ct)
	}
}
