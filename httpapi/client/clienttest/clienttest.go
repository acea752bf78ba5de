// Package clienttest starts a real Engram server (Badger and Bleve in a
// temporary directory, HTTP on 127.0.0.1) for tests of code built on the
// client SDK: the SDK's own tests, the CLI, the MCP server and examples.
//
// It imports the server; the client package does not import it.
package clienttest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/engramhq/engram/httpapi"
	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/audit"
	"github.com/engramhq/engram/memory/auth"
	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/webhook"
)

// RootKey is the super_admin key of every test server.
const RootKey = "engram_test_root_key_0123456789abcdefghijklmnop"

// Server is a running test server.
type Server struct {
	// URL is the server's base URL.
	URL   string
	Store *memory.Store
	Keys  *auth.Manager
	// Webhooks is the server's webhook service; nil unless
	// Options.Webhooks was set.
	Webhooks *webhook.Service
	// OrgID is the default organization of the root key.
	OrgID string

	hs *httptest.Server
}

// Options tune Start.
type Options struct {
	// RateLimit is the default per-key limit. Zero means 10,000/s.
	RateLimit auth.Limit
	// Wrap, when set, wraps the server's handler (to inject failures).
	Wrap func(http.Handler) http.Handler
	// Webhooks, when set, enables the webhook routes with a service opened
	// with these options (&webhook.Options{} means its defaults). Nil
	// means a server without webhooks: their routes answer 503.
	Webhooks *webhook.Options
}

// Start starts a server that tb's cleanup stops.
func Start(tb testing.TB, opts *Options) *Server {
	tb.Helper()
	s, err := New(tb.TempDir(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New starts a server over a store in dir; Close stops it. Tests use
// Start; New serves TestMain and examples.
func New(dir string, opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	mk, err := seal.ParseMasterKeyHex(strings.Repeat("cd", 32))
	if err != nil {
		return nil, err
	}
	store, err := memory.Open(dir, &memory.Options{MasterKey: mk})
	if err != nil {
		return nil, err
	}
	fail := func(err error, closers ...func() error) (*Server, error) {
		for _, c := range closers {
			c()
		}
		return nil, err
	}
	keys, err := auth.NewManager(store.DB(), store.Pepper(), nil)
	if err != nil {
		return fail(err, store.Close)
	}
	alog, err := audit.Open(store.DB(), nil)
	if err != nil {
		return fail(err, keys.Close, store.Close)
	}
	ctx := context.Background()
	if _, err := keys.Bootstrap(ctx, RootKey); err != nil {
		return fail(err, keys.Close, store.Close)
	}
	root, err := keys.Verify(ctx, RootKey)
	if err != nil {
		return fail(err, keys.Close, store.Close)
	}
	if o.RateLimit.Rate == 0 {
		o.RateLimit = auth.Limit{Rate: 10000, Burst: 10000}
	}
	closers := []func() error{keys.Close, store.Close}
	var hooks *webhook.Service
	if o.Webhooks != nil {
		// Over the store's database and its "webhooks" subkey, as serve does.
		if hooks, err = webhook.Open(store.DB(), store.SubKey("webhooks"), o.Webhooks); err != nil {
			return fail(err, closers...)
		}
		closers = append([]func() error{hooks.Close}, closers...)
	}
	srv, err := httpapi.New(httpapi.Options{Store: store, Keys: keys, Audit: alog, Webhooks: hooks,
		DefaultRateLimit: o.RateLimit})
	if err != nil {
		return fail(err, closers...)
	}
	var h http.Handler = srv.Handler()
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	hs := httptest.NewServer(h)
	return &Server{URL: hs.URL, Store: store, Keys: keys, Webhooks: hooks, OrgID: root.OrganizationID, hs: hs}, nil
}

// Close stops the server and closes its store.
func (s *Server) Close() {
	s.hs.Close()
	if s.Webhooks != nil {
		s.Webhooks.Close()
	}
	s.Keys.Close()
	s.Store.Close()
}

// Key creates a key of the root key's organization with scope ("read",
// "write", "admin") and namespace grants (nil: every namespace) and
// returns its secret.
func (s *Server) Key(tb testing.TB, scope string, namespaces ...string) string {
	tb.Helper()
	sc, err := auth.ParseScope(scope)
	if err != nil {
		tb.Fatal(err)
	}
	secret, _, err := s.Keys.Create(context.Background(), auth.CreateRequest{OrganizationID: s.OrgID,
		Name: "test-" + scope, Scope: sc, Namespaces: namespaces})
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}
