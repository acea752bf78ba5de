package httpapi_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads /metrics with the root key and parses the exposition.
func scrape(tb testing.TB, env *testEnv) (map[string]*dto.MetricFamily, string) {
	tb.Helper()
	r := env.root("GET", "/metrics", nil)
	if r.status != 200 {
		tb.Fatalf("/metrics: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		tb.Fatalf("/metrics Content-Type = %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		tb.Fatalf("parse /metrics: %v\n%s", err, r.body)
	}
	return fams, string(r.body)
}

// metricValue sums the samples of family name whose labels include want
// (a counter's or gauge's value, a histogram's count). ok is false when
// no sample matches.
func metricValue(fams map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, ok bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, w := range want {
			if labels[k] != w {
				match = false
			}
		}
		if !match {
			continue
		}
		ok = true
		switch {
		case m.Counter != nil:
			v += m.GetCounter().GetValue()
		case m.Gauge != nil:
			v += m.GetGauge().GetValue()
		case m.Histogram != nil:
			v += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return v, ok
}

func TestMetricsExposition(t *testing.T) {
	h := openHookEnv(t, t.TempDir(), fastHookOptions())
	env := h.testEnv
	rcv := newHookReceiver(t)
	rcv.set(1, false) // the first attempt fails: one retry, then delivered
	const ns, canary = "zq-private-ns", "canary-content-7f3e"
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": ns}))
	mustOK(t, env.root("PUT", "/v1/namespaces/"+ns+"/memory_policy", map[string]any{"rate_limit_recalls_per_minute": 1}))
	hookID, _ := h.subscribe(ns, map[string]any{"url": rcv.srv.URL, "events": []string{"memory.stored"}})

	before, _ := scrape(t, env)
	sweepsBefore, _ := metricValue(before, "engram_sweep_passes_total", nil)
	removedBefore, _ := metricValue(before, "engram_sweep_memories_removed_total", nil)
	embedsBefore, _ := metricValue(before, "engram_embedding_duration_seconds", nil)

	m := mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{"agent_id": "a", "namespace": ns, "content": canary + " one"}))
	id := m["memory"].(map[string]any)["id"].(string)
	mustOK(t, env.root("POST", "/v1/memories/store/batch", map[string]any{"agent_id": "a", "namespace": ns,
		"memories": []map[string]any{{"content": canary + " two"}, {"content": canary + " three"},
			{"content": canary + " expired", "expires_at": 1}}}))
	recall := map[string]any{"agent_id": "a", "namespace": ns, "query": canary}
	mustOK(t, env.root("POST", "/v1/memory/recall", recall))
	want429(t, env.root("POST", "/v1/memory/recall", recall), 1)
	mustOK(t, env.root("GET", "/v1/memories/"+id, nil))
	wantError(t, env.root("GET", "/v1/no-such-route/"+canary, nil), 404, "ROUTE_NOT_FOUND")
	if n := env.store.Sweep(context.Background()); n != 1 {
		t.Fatalf("sweep removed %d memories, want the expired one", n)
	}
	h.waitDeliveries(ns, hookID, "", func(ds []map[string]any) bool {
		return len(ds) == 2 && ds[0]["status"] == "delivered" && ds[1]["status"] == "delivered"
	})

	// The attempt counters move just after the delivery rows: poll.
	var fams map[string]*dto.MetricFamily
	var text string
	deadline := time.Now().Add(10 * time.Second)
	for {
		fams, text = scrape(t, env)
		d, _ := metricValue(fams, "engram_webhook_delivery_attempts_total", map[string]string{"result": "delivered"})
		r, _ := metricValue(fams, "engram_webhook_delivery_attempts_total", map[string]string{"result": "retried"})
		if d == 2 && r == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook attempts: delivered %v (want 2), retried %v (want 1)", d, r)
		}
	}

	for _, tc := range []struct {
		name    string
		labels  map[string]string
		want    float64
		atLeast bool
	}{
		{"engram_memories_stored_total", nil, 4, false},
		{"engram_recalls_total", nil, 1, false},
		{"engram_rate_limited_total", nil, 1, false},
		{"engram_http_requests_total", map[string]string{"method": "POST", "route": "/v1/memory/store", "status": "200"}, 1, false},
		{"engram_http_requests_total", map[string]string{"method": "POST", "route": "/v1/memory/recall", "status": "429"}, 1, false},
		{"engram_http_requests_total", map[string]string{"method": "GET", "route": "/v1/memories/:id", "status": "200"}, 1, false},
		{"engram_http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "status": "404"}, 1, false},
		{"engram_http_request_duration_seconds", map[string]string{"method": "POST", "route": "/v1/memories/store/batch", "status": "200"}, 1, false},
		{"engram_namespaces", nil, 1, false},
		{"engram_namespaces_open", nil, 1, false},
		{"engram_index_namespaces", nil, 1, false},
		{"engram_index_memories", nil, 3, false},
		{"engram_index_vectors", nil, 3, false},
		{"engram_index_text_docs", nil, 3, false},
		{"engram_webhook_delivery_attempts_total", map[string]string{"result": "failed"}, 0, false},
		{"engram_extraction_queued", nil, 0, false}, // no extraction model configured
		{"engram_extraction_merged_total", nil, 0, false},
		{"engram_extraction_failed_total", nil, 0, false},
		{"engram_extraction_dropped_total", nil, 0, false},
		{"engram_sweep_passes_total", nil, sweepsBefore + 1, true},
		{"engram_sweep_memories_removed_total", nil, removedBefore + 1, true},
		{"engram_embedding_duration_seconds", nil, embedsBefore + 3, true}, // two stores, one recall
		{"go_goroutines", nil, 1, true},
		{"process_open_fds", nil, 1, true},
	} {
		got, ok := metricValue(fams, tc.name, tc.labels)
		if !ok || got < tc.want || (!tc.atLeast && got != tc.want) {
			t.Errorf("%s%v = %v (found %v), want %v (at least: %v)", tc.name, tc.labels, got, ok, tc.want, tc.atLeast)
		}
	}
	for _, name := range []string{"engram_index_memories", "engram_extraction_merged_total"} {
		if n := len(fams[name].GetMetric()); n != 16 {
			t.Errorf("%s has %d buckets, want 16", name, n)
		}
	}
	for _, secret := range []string{ns, canary, id, "no-such-route"} {
		if strings.Contains(text, secret) {
			t.Errorf("/metrics holds %q", secret)
		}
	}
}

func TestMetricsPerServer(t *testing.T) {
	// Two servers in one process keep their own request counters.
	a, b := newFastEnv(t, nil), newFastEnv(t, nil)
	mustOK(t, a.root("GET", "/v1/namespaces", nil))
	for _, tc := range []struct {
		name string
		env  *testEnv
		want float64
	}{{"server=a", a, 1}, {"server=b", b, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			fams, _ := scrape(t, tc.env)
			got, _ := metricValue(fams, "engram_http_requests_total", map[string]string{"route": "/v1/namespaces", "method": "GET"})
			if got != tc.want {
				t.Fatalf("GET /v1/namespaces requests = %v, want %v", got, tc.want)
			}
		})
	}
}
