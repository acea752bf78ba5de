package httpapi_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/engramhq/engram/httpapi"
	"github.com/engramhq/engram/memory/auth"
)

// startRedis starts a private redis-server on a unix socket (killed on
// cleanup) and returns a client. It skips only when the binary is absent.
func startRedis(tb testing.TB) *redis.Client {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip("redis-server not installed (apt-get install redis-server)")
	}
	dir, err := os.MkdirTemp("", "rds") // unix socket paths are limited to ~100 bytes
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	client := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
	tb.Cleanup(func() { client.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			return client
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redis-server did not answer PING: %v", err)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}

// TestRedisRateLimitSharedByNodes runs two servers over one store and one
// Redis: a key's bucket and a namespace's bucket are shared by both.
func TestRedisRateLimitSharedByNodes(t *testing.T) {
	client := startRedis(t)
	lim := auth.NewRedisLimiter(client)
	env := newEnv(t, &httpapi.Options{Limiter: lim})
	s2, err := httpapi.New(httpapi.Options{Store: env.store, Keys: env.keys, Audit: env.audit, Limiter: lim,
		DefaultRateLimit: auth.Limit{Rate: 10000, Burst: 10000}})
	if err != nil {
		t.Fatal(err)
	}
	hs2 := httptest.NewServer(s2.Handler())
	t.Cleanup(hs2.Close)
	node2 := *env
	node2.url = hs2.URL

	_, slow := env.mkKey("", map[string]any{"name": "slow", "scope": "write",
		"rate_limit": map[string]any{"per_second": 0.01, "burst": 3}})
	mustOK(t, env.do("GET", "/v1/namespaces", slow, nil))
	mustOK(t, node2.do("GET", "/v1/namespaces", slow, nil))
	mustOK(t, env.do("GET", "/v1/namespaces", slow, nil))
	want429(t, node2.do("GET", "/v1/namespaces", slow, nil), 3)
	want429(t, env.do("GET", "/v1/namespaces", slow, nil), 3)

	mustOK(t, env.root("PUT", "/v1/namespaces/shared", map[string]any{}))
	mustOK(t, env.root("PUT", "/v1/namespaces/shared/memory_policy", map[string]any{"rate_limit_stores_per_minute": 1}))
	store := map[string]any{"agent_id": "a", "namespace": "shared", "content": "x"}
	mustOK(t, node2.root("POST", "/v1/memory/store", store))
	want429(t, env.root("POST", "/v1/memory/store", store), 1)
}
