package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/engramhq/engram/httpapi"
	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/audit"
	"github.com/engramhq/engram/memory/auth"
	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/webhook"
)

func version() string { return httpapi.Version }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

type serveFlags struct {
	data, addr, masterKeyFile string
	tlsCert, tlsKey           string
	cors                      string
	maxBody                   int64
	logLevel                  string
	redisURL                  string
	webhookHosts              string
	webhookDenyPrivate        bool
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f serveFlags
	fs.StringVar(&f.data, "data", envOr("ENGRAM_DATA", "./engram-data"), "data directory (env ENGRAM_DATA)")
	fs.StringVar(&f.addr, "addr", envOr("ENGRAM_ADDR", "127.0.0.1:3000"), "listen address (env ENGRAM_ADDR)")
	fs.StringVar(&f.masterKeyFile, "master-key-file", envOr("ENGRAM_MASTER_KEY_FILE", ""), "file holding the 64-hex-char master key (default <data>/master.key; env ENGRAM_MASTER_KEY takes precedence)")
	fs.StringVar(&f.tlsCert, "tls-cert", envOr("ENGRAM_TLS_CERT", ""), "TLS certificate file (enables HTTPS)")
	fs.StringVar(&f.tlsKey, "tls-key", envOr("ENGRAM_TLS_KEY", ""), "TLS private key file")
	fs.StringVar(&f.cors, "cors-origins", envOr("ENGRAM_CORS_ORIGINS", ""), "comma-separated origins allowed by CORS (none by default)")
	fs.Int64Var(&f.maxBody, "max-body-bytes", 10<<20, "largest accepted request body")
	fs.StringVar(&f.redisURL, "redis-url", envOr("ENGRAM_REDIS_URL", ""), "Redis URL for rate-limit buckets shared by every node, e.g. redis://host:6379/0 (env ENGRAM_REDIS_URL; default in-process)")
	fs.StringVar(&f.webhookHosts, "webhook-allowed-hosts", envOr("ENGRAM_WEBHOOK_ALLOWED_HOSTS", ""), "comma-separated hosts webhooks may target, exact or *.suffix (env ENGRAM_WEBHOOK_ALLOWED_HOSTS; default any)")
	fs.BoolVar(&f.webhookDenyPrivate, "webhook-deny-private", envOr("ENGRAM_WEBHOOK_DENY_PRIVATE", "") == "true", "refuse webhook targets on loopback, private and link-local addresses; recommended in production (env ENGRAM_WEBHOOK_DENY_PRIVATE=true)")
	fs.StringVar(&f.logLevel, "log-level", envOr("ENGRAM_LOG_LEVEL", "info"), "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	log := newLogger(stderr, f.logLevel)
	app, err := openApp(ctx, f.data, f.masterKeyFile, log, stdout)
	if err != nil {
		return err
	}
	defer app.Close()
	var origins []string
	for _, o := range strings.Split(f.cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	limiter, closeLimiter, err := newLimiter(ctx, f.redisURL)
	if err != nil {
		return err
	}
	defer closeLimiter()
	hooks, err := openWebhooks(app, f, log)
	if err != nil {
		return err
	}
	defer hooks.Close()
	srv, err := httpapi.New(httpapi.Options{Store: app.store, Keys: app.keys, Audit: app.audit,
		Limiter: limiter, MaxBodyBytes: f.maxBody, CORSOrigins: origins, Logger: log, Webhooks: hooks})
	if err != nil {
		return err
	}
	hs := srv.HTTPServer(f.addr)
	scheme := "http"
	if f.tlsCert != "" {
		scheme = "https"
	}
	log.Info("engram listening", "addr", scheme+"://"+f.addr, "data", f.data, "version", version())
	err = httpapi.Serve(ctx, hs, f.tlsCert, f.tlsKey)
	log.Info("engram stopped")
	return err
}

// openWebhooks starts webhook delivery over the app's database, its rows
// sealed under the store's "webhooks" subkey; pending deliveries resume.
func openWebhooks(a *app, f serveFlags, log *slog.Logger) (*webhook.Service, error) {
	var hosts []string
	for _, h := range strings.Split(f.webhookHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	return webhook.Open(a.store.DB(), a.store.SubKey("webhooks"),
		&webhook.Options{Logger: log, AllowedHosts: hosts, DenyPrivate: f.webhookDenyPrivate})
}

// newLimiter returns the Redis limiter when url is set (buckets shared by
// every node), else nil: the server's in-process limiter.
func newLimiter(ctx context.Context, url string) (auth.Limiter, func(), error) {
	if url == "" {
		return nil, func() {}, nil
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, fmt.Errorf("--redis-url: %w", err)
	}
	client := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("redis %s: %w", opt.Addr, err)
	}
	return auth.NewRedisLimiter(client), func() { client.Close() }, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// app is an opened data directory: the memory store, the key manager and
// the audit log, sharing one database.
type app struct {
	store *memory.Store
	keys  *auth.Manager
	audit *audit.Log
}

func (a *app) Close() error {
	return errors.Join(a.keys.Close(), a.store.Close())
}

// loadMasterKey reads ENGRAM_MASTER_KEY, else the key file, else creates
// <data>/master.key on first start.
func loadMasterKey(data, file string, log *slog.Logger) (seal.MasterKey, error) {
	if v := os.Getenv("ENGRAM_MASTER_KEY"); v != "" {
		mk, err := seal.ParseMasterKeyHex(v)
		if err != nil {
			return mk, fmt.Errorf("ENGRAM_MASTER_KEY: %w", err)
		}
		return mk, nil
	}
	if file == "" {
		if err := os.MkdirAll(data, 0o700); err != nil {
			return seal.MasterKey{}, err
		}
		file = filepath.Join(data, "master.key")
	}
	mk, created, err := seal.LoadOrCreateMasterKey(file)
	if err != nil {
		return mk, fmt.Errorf("master key %s: %w", file, err)
	}
	if created {
		log.Warn("created a new master key; back it up, without it the data cannot be read", "path", file)
	}
	return mk, nil
}

func openApp(ctx context.Context, data, keyFile string, log *slog.Logger, stdout io.Writer) (*app, error) {
	mk, err := loadMasterKey(data, keyFile, log)
	if err != nil {
		return nil, err
	}
	emb, err := embedderFromEnv(log)
	if err != nil {
		return nil, err
	}
	store, err := memory.Open(data, &memory.Options{MasterKey: mk, Logger: log, Embedder: emb})
	if err != nil {
		if errors.Is(err, memory.ErrWrongMasterKey) {
			return nil, fmt.Errorf("the master key does not match the data in %s (nothing was changed)", data)
		}
		return nil, err
	}
	keys, err := auth.NewManager(store.DB(), store.Pepper(), &auth.Options{Logger: log})
	if err != nil {
		store.Close()
		return nil, err
	}
	secret, err := keys.Bootstrap(ctx, os.Getenv("ENGRAM_ROOT_KEY"))
	if err != nil {
		keys.Close()
		store.Close()
		return nil, err
	}
	alog, err := audit.Open(store.DB(), &audit.Options{Logger: log})
	if err != nil {
		keys.Close()
		store.Close()
		return nil, err
	}
	if secret != "" {
		fmt.Fprintf(stdout, "\nRoot API key (shown once, store it now):\n\n    %s\n\n", secret)
	}
	return &app{store: store, keys: keys, audit: alog}, nil
}
