package auth

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		cacheSize int
	}{{"hit", 0}, {"miss", 1}} {
		b.Run("cache="+tc.name, func(b *testing.B) {
			db := openDB(b, b.TempDir())
			defer db.Close()
			m, err := NewManager(db, testPepper, &Options{CacheSize: tc.cacheSize})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			org, _ := m.EnsureOrganization(ctx, "acme")
			var secrets []string
			for i := range 2 { // alternating two keys through a 1-entry cache misses every time
				s, _, err := m.Create(ctx, CreateRequest{OrganizationID: org.ID, Name: fmt.Sprint(i), Scope: ScopeRead})
				if err != nil {
					b.Fatal(err)
				}
				secrets = append(secrets, s)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := m.Verify(ctx, secrets[i%2]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkLimiterAllow(b *testing.B) {
	ctx := context.Background()
	lim := Limit{Rate: 1e9, Burst: 1 << 30}
	b.Run("impl=local", func(b *testing.B) {
		l := NewLocalLimiter(nil)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := l.Allow(ctx, fmt.Sprint("key:", i%1000), lim, 1); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("impl=redis", func(b *testing.B) {
		l := NewRedisLimiter(startRedis(b))
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := l.Allow(ctx, fmt.Sprint("key:", i%1000), lim, 1); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkParseBearer(b *testing.B) {
	h := "Bearer " + newSecret(newID("key_"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBearer(h); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecordUsage(b *testing.B) {
	db := openDB(b, b.TempDir())
	defer db.Close()
	m, err := NewManager(db, testPepper, &Options{UsageFlushInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	b.ReportAllocs()
	for b.Loop() {
		m.RecordUsage("key_a", "ns_1", UsageDelta{Requests: 1, Successful: 1, Endpoint: "recall"})
	}
}
