package auth

import (
	"context"
	"testing"
	"time"
)

func TestUsage(t *testing.T) {
	ctx := context.Background()
	m, clk, db := newTestManager(t, &Options{UsageFlushInterval: time.Hour})
	day1 := clk.Now()
	m.RecordUsage("key_a", "ns_1", UsageDelta{Requests: 1, Successful: 1, Stores: 1, Bytes: 100, Latency: 3 * time.Millisecond, Endpoint: "store"})
	m.RecordUsage("key_a", "ns_1", UsageDelta{Requests: 1, Failed: 1, Latency: time.Millisecond, Endpoint: "store"})
	m.RecordUsage("key_a", "ns_2", UsageDelta{Requests: 1, RateLimited: 1, Endpoint: "recall"})
	m.RecordUsage("key_b", "ns_1", UsageDelta{Requests: 2, Successful: 2, Recalls: 2, Embeddings: 2})
	clk.Advance(48 * time.Hour)
	m.RecordUsage("key_a", "ns_1", UsageDelta{Requests: 10, Successful: 10})

	ku, err := m.KeyUsage(ctx, "key_a", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ku.Total, (Usage{Requests: 13, Successful: 11, Failed: 1, RateLimited: 1, Stores: 1, Bytes: 100, LatencyMicros: 4000}); got != want {
		t.Fatalf("key total = %+v, want %+v", got, want)
	}
	if ku.Total.AvgLatency() != 4000*time.Microsecond/13 {
		t.Fatalf("avg latency = %v", ku.Total.AvgLatency())
	}
	if ku.ByNamespace["ns_1"].Requests != 12 || ku.ByNamespace["ns_2"].Requests != 1 || ku.ByEndpoint["store"].Requests != 2 {
		t.Fatalf("breakdowns = %+v / %+v", ku.ByNamespace, ku.ByEndpoint)
	}
	ku, err = m.KeyUsage(ctx, "key_a", day1, day1)
	if err != nil || ku.Total.Requests != 3 {
		t.Fatalf("key usage on day 1 = %+v, %v", ku.Total, err)
	}
	nu, err := m.NamespaceUsage(ctx, "ns_1", time.Time{}, time.Time{})
	if err != nil || nu.Total.Requests != 14 || nu.ByKey["key_b"].Recalls != 2 || nu.ByKey["key_a"].Requests != 12 {
		t.Fatalf("ns usage = %+v, %v", nu, err)
	}
	nu, err = m.NamespaceUsage(ctx, "ns_1", day1.Add(24*time.Hour), time.Time{})
	if err != nil || nu.Total.Requests != 10 {
		t.Fatalf("ns usage from day 2 = %+v, %v", nu.Total, err)
	}
	all, err := m.ListNamespaceUsage(ctx, time.Time{}, time.Time{})
	if err != nil || len(all) != 2 || all[0].Namespace != "ns_1" || all[1].Namespace != "ns_2" {
		t.Fatalf("list = %+v, %v", all, err)
	}

	// Counters survive a restart: Close flushes.
	m.RecordUsage("key_c", "", UsageDelta{Requests: 5})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2, err := NewManager(db, testPepper, &Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	ku, err = m2.KeyUsage(ctx, "key_c", time.Time{}, time.Time{})
	if err != nil || ku.Total.Requests != 5 {
		t.Fatalf("key_c after restart = %+v, %v", ku, err)
	}
}

func TestUsageBreakdownBounded(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newTestManager(t, &Options{UsageFlushInterval: time.Hour})
	for i := range maxBreakdown + 50 {
		m.RecordUsage("key_a", "ns_"+string(rune('a'+i%26))+string(rune('a'+i/26)), UsageDelta{Requests: 1})
	}
	ku, err := m.KeyUsage(ctx, "key_a", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ku.ByNamespace) > maxBreakdown+1 || ku.ByNamespace[otherBucket].Requests == 0 || ku.Total.Requests != maxBreakdown+50 {
		t.Fatalf("breakdown has %d entries, other=%+v, total=%d", len(ku.ByNamespace), ku.ByNamespace[otherBucket], ku.Total.Requests)
	}
}
