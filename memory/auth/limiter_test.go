package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// limiterHarness drives one Limiter implementation. wait lets time pass:
// a fake clock advance for LocalLimiter, real time for Redis.
type limiterHarness struct {
	lim  Limiter
	wait func(d time.Duration)
	now  func() time.Time
}

// runLimiterConformance is the suite every Limiter implementation passes.
func runLimiterConformance(t *testing.T, newHarness func(t *testing.T) limiterHarness) {
	ctx := context.Background()
	t.Run("case=burst-then-deny", func(t *testing.T) {
		h := newHarness(t)
		lim := Limit{Rate: 1, Burst: 5}
		for i := range 5 {
			r, err := h.lim.Allow(ctx, "b", lim, 1)
			if err != nil || !r.Allowed || r.Limit != 5 || r.Remaining != 4-i || r.RetryAfter != 0 {
				t.Fatalf("request %d: %+v, %v", i, r, err)
			}
		}
		r, err := h.lim.Allow(ctx, "b", lim, 1)
		if err != nil || r.Allowed || r.Remaining != 0 || r.RetryAfter <= 0 || r.RetryAfter > time.Second {
			t.Fatalf("6th request: %+v, %v", r, err)
		}
		if !r.ResetAt.After(h.now()) || r.ResetAt.After(h.now().Add(6*time.Second)) {
			t.Fatalf("ResetAt %v not within 5 s of now %v", r.ResetAt, h.now())
		}
		other, err := h.lim.Allow(ctx, "other", lim, 1)
		if err != nil || !other.Allowed {
			t.Fatalf("independent bucket: %+v, %v", other, err)
		}
	})
	t.Run("case=refill", func(t *testing.T) {
		h := newHarness(t)
		lim := Limit{Rate: 20, Burst: 1}
		if r, err := h.lim.Allow(ctx, "b", lim, 1); err != nil || !r.Allowed {
			t.Fatalf("first: %+v, %v", r, err)
		}
		r, err := h.lim.Allow(ctx, "b", lim, 1)
		if err != nil || r.Allowed {
			t.Fatalf("second: %+v, %v", r, err)
		}
		h.wait(r.RetryAfter + 5*time.Millisecond)
		if r, err := h.lim.Allow(ctx, "b", lim, 1); err != nil || !r.Allowed {
			t.Fatalf("after RetryAfter: %+v, %v", r, err)
		}
	})
	t.Run("case=cost", func(t *testing.T) {
		h := newHarness(t)
		lim := Limit{Rate: 1, Burst: 10}
		if r, err := h.lim.Allow(ctx, "b", lim, 7); err != nil || !r.Allowed || r.Remaining != 3 {
			t.Fatalf("cost 7: %+v, %v", r, err)
		}
		if r, err := h.lim.Allow(ctx, "b", lim, 4); err != nil || r.Allowed {
			t.Fatalf("cost 4 with 3 left: %+v, %v", r, err)
		}
	})
	t.Run("case=invalid", func(t *testing.T) {
		h := newHarness(t)
		for _, c := range []struct {
			lim  Limit
			cost int
		}{{Limit{Rate: 1, Burst: 2}, 3}, {Limit{Rate: 0, Burst: 2}, 1}, {Limit{Rate: 1, Burst: 0}, 1}, {Limit{Rate: 1, Burst: 2}, 0}} {
			if _, err := h.lim.Allow(ctx, "b", c.lim, c.cost); !errors.As(err, new(*ValidationError)) {
				t.Errorf("Allow(%+v, cost %d) = %v, want ValidationError", c.lim, c.cost, err)
			}
		}
	})
	t.Run("case=concurrent", func(t *testing.T) {
		h := newHarness(t)
		lim := Limit{Rate: 0.5, Burst: 10}
		start := h.now()
		var admitted atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 25 {
					r, err := h.lim.Allow(ctx, "shared", lim, 1)
					if err != nil {
						t.Error(err)
						return
					}
					if r.Allowed {
						admitted.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		maxAdmit := int64(10 + lim.Rate*h.now().Sub(start).Seconds() + 1)
		if got := admitted.Load(); got < 10 || got > maxAdmit {
			t.Fatalf("admitted %d of 100 concurrent requests, want 10..%d", got, maxAdmit)
		}
	})
	t.Run("case=accuracy", func(t *testing.T) {
		// Offer 3x the limit for 2 s; admitted throughput beyond the
		// initial burst must be within ±10% of the rate.
		h := newHarness(t)
		lim := Limit{Rate: 50, Burst: 5}
		offered, dur := 150.0, 2*time.Second
		interval := time.Duration(float64(time.Second) / offered)
		start := h.now()
		admitted := 0
		for i := 0; h.now().Sub(start) < dur; i++ {
			r, err := h.lim.Allow(ctx, "acc", lim, 1)
			if err != nil {
				t.Fatal(err)
			}
			if r.Allowed {
				admitted++
			}
			if d := start.Add(time.Duration(i+1) * interval).Sub(h.now()); d > 0 {
				h.wait(d)
			}
		}
		elapsed := h.now().Sub(start).Seconds()
		got := float64(admitted-lim.Burst) / elapsed
		t.Logf("admitted %d in %.3f s: %.1f/s beyond the burst (limit %.0f/s)", admitted, elapsed, got, lim.Rate)
		if got < 0.9*lim.Rate || got > 1.1*lim.Rate {
			t.Fatalf("admitted throughput %.1f/s, want %.0f/s ±10%%", got, lim.Rate)
		}
	})
}

func TestLocalLimiterConformance(t *testing.T) {
	runLimiterConformance(t, func(t *testing.T) limiterHarness {
		clk := newFakeClock()
		return limiterHarness{lim: NewLocalLimiter(&LocalOptions{Now: clk.Now}), wait: clk.Advance, now: clk.Now}
	})
}

func TestRedisLimiterConformance(t *testing.T) {
	client := startRedis(t)
	n := 0
	runLimiterConformance(t, func(t *testing.T) limiterHarness {
		n++ // a fresh key space per case: the server is shared
		lim := &prefixedLimiter{Limiter: NewRedisLimiter(client), prefix: fmt.Sprintf("case%d:", n)}
		return limiterHarness{lim: lim, wait: time.Sleep, now: time.Now}
	})
}

type prefixedLimiter struct {
	Limiter
	prefix string
}

func (p *prefixedLimiter) Allow(ctx context.Context, bucket string, l Limit, cost int) (Result, error) {
	return p.Limiter.Allow(ctx, p.prefix+bucket, l, cost)
}

func TestLocalLimiterEviction(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	l := NewLocalLimiter(&LocalOptions{MaxBuckets: 10, IdleAfter: time.Minute, Now: clk.Now})
	slow := Limit{Rate: 1e-6, Burst: 2}
	for i := range 9 {
		if _, err := l.Allow(ctx, fmt.Sprint("cold", i), slow, 1); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(2 * time.Minute)
	hot := Limit{Rate: 1e-6, Burst: 1}
	if r, _ := l.Allow(ctx, "hot", hot, 1); !r.Allowed {
		t.Fatal("first hot request denied")
	}
	for i := range 100 {
		if _, err := l.Allow(ctx, fmt.Sprint("new", i), slow, 1); err != nil {
			t.Fatal(err)
		}
		if n := l.Len(); n > 10 {
			t.Fatalf("%d buckets held, max 10", n)
		}
	}
	// The sweep drops idle and full buckets before busy ones: with nine
	// idle buckets and one exhausted busy one, only the idle ones go.
	clk2 := newFakeClock()
	l2 := NewLocalLimiter(&LocalOptions{MaxBuckets: 10, IdleAfter: time.Minute, Now: clk2.Now})
	for i := range 9 {
		l2.Allow(ctx, fmt.Sprint("cold", i), slow, 1)
	}
	clk2.Advance(2 * time.Minute)
	l2.Allow(ctx, "hot", hot, 1)
	l2.Allow(ctx, "trigger", slow, 1)
	if r, _ := l2.Allow(ctx, "hot", hot, 1); r.Allowed {
		t.Fatal("exhausted bucket was evicted before idle ones")
	}
	if n := l2.Len(); n != 2 {
		t.Fatalf("after sweep %d buckets held, want 2 (hot, trigger)", n)
	}
}

func TestLocalLimiterLimitChange(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	l := NewLocalLimiter(&LocalOptions{Now: clk.Now})
	for range 3 {
		l.Allow(ctx, "b", Limit{Rate: 1, Burst: 3}, 1)
	}
	if r, _ := l.Allow(ctx, "b", Limit{Rate: 1, Burst: 3}, 1); r.Allowed {
		t.Fatal("4th request allowed with burst 3")
	}
	fast := Limit{Rate: 100, Burst: 3}
	if r, _ := l.Allow(ctx, "b", fast, 1); r.Allowed || r.RetryAfter > 10*time.Millisecond {
		t.Fatalf("with the raised rate: %+v, want denied with RetryAfter <= 10ms", r)
	}
	clk.Advance(10 * time.Millisecond) // 0.01 token at the old rate, 1 at the new
	if r, _ := l.Allow(ctx, "b", fast, 1); !r.Allowed {
		t.Fatal("raised rate not applied at once")
	}
}

// startRedis starts a private redis-server on a unix socket and returns a
// client; the server is killed on cleanup. It skips only when the
// redis-server binary is absent.
func startRedis(tb testing.TB) *redis.Client {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip("redis-server not installed (apt-get install redis-server)")
	}
	dir, err := os.MkdirTemp("", "rds") // short: unix socket paths are limited to ~100 bytes
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
