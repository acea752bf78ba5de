package httpapi

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/audit"
	"github.com/engramhq/engram/memory/auth"
	"github.com/engramhq/engram/memory/webhook"
)

// Version is the server version reported by health and capabilities.
var Version = "0.1.0"

// Options configure a Server. Store and Keys are required; every zero field
// means its documented default.
type Options struct {
	Store *memory.Store
	Keys  *auth.Manager
	// Audit receives every mutation and admin action. Nil disables auditing
	// (and the /v1/audit routes answer 503).
	Audit *audit.Log
	// Limiter enforces per-key rate limits. Nil means an in-process limiter.
	Limiter auth.Limiter
	// DefaultRateLimit applies to keys without their own. Zero means 60
	// requests/s with a burst of 120.
	DefaultRateLimit auth.Limit
	// AuthFailureLimit is the bucket of failed authentications (invalid or
	// expired keys) per client address (authfail.go). Zero means 10/s with
	// a burst of 100.
	AuthFailureLimit auth.Limit
	// MaxBodyBytes bounds a request body. Zero means 10 MiB.
	MaxBodyBytes int64
	// RequestTimeout bounds a request's handling. Zero means 30s.
	RequestTimeout time.Duration
	// CORSOrigins are the origins allowed to call from a browser; none by default.
	CORSOrigins []string
	// Logger receives the access log and errors, never content. Nil discards.
	Logger *slog.Logger
	// Now is the clock for audit event times. Nil means time.Now.
	Now func() time.Time
	// Webhooks delivers namespace events to subscriptions; the caller opens
	// and closes it. Nil disables webhooks (their routes answer 503).
	Webhooks *webhook.Service
}

// Server is Engram's HTTP API.
type Server struct {
	opts    Options
	store   *memory.Store
	keys    *auth.Manager
	audit   *audit.Log
	limiter auth.Limiter
	log     *slog.Logger
	echo    *echo.Echo
	started time.Time
	metrics *metrics
	// authGuard throttles addresses that keep failing authentication.
	authGuard *authGuard
}

// New builds the server and its routes.
func New(opts Options) (*Server, error) {
	if opts.Store == nil || opts.Keys == nil {
		return nil, errors.New("httpapi: Store and Keys are required")
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 10 << 20
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 30 * time.Second
	}
	if opts.DefaultRateLimit.Rate == 0 {
		opts.DefaultRateLimit = auth.Limit{Rate: 60, Burst: 120}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Limiter == nil {
		opts.Limiter = auth.NewLocalLimiter(nil)
	}
	s := &Server{opts: opts, store: opts.Store, keys: opts.Keys, audit: opts.Audit,
		limiter: opts.Limiter, log: opts.Logger, started: time.Now(), metrics: newMetrics(),
		authGuard: newAuthGuard(opts.AuthFailureLimit)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.Use(s.requestID, s.securityHeaders, s.recoverPanic, s.accessLog, s.bodyLimit, s.timeout)
	if len(opts.CORSOrigins) > 0 {
		e.Use(s.cors)
	}
	s.echo = e
	s.routes()
	return s, nil
}

// Route is one registered route: method and path template (":ns", ":id").
type Route struct {
	Method, Path string
}

// Routes lists every registered route, sorted by path then method.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	slices.SortFunc(out, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
	})
	return slices.Compact(out)
}

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// HTTPServer returns an *http.Server for addr with sensible timeouts.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      s.opts.RequestTimeout + 30*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// Serve runs srv until ctx is cancelled, then shuts down gracefully: it
// stops accepting, waits for in-flight requests (up to 30s) and returns.
func Serve(ctx context.Context, srv *http.Server, tlsCert, tlsKey string) error {
	errc := make(chan error, 1)
	go func() {
		var err error
		if tlsCert != "" {
			err = srv.ListenAndServeTLS(tlsCert, tlsKey)
		} else {
			err = srv.ListenAndServe()
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return <-errc
}
