package httpapi

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// metrics is a small Prometheus text exposition of request counts and
// latency histograms by route and status.
type metrics struct {
	mu          sync.Mutex
	requests    map[string]*routeStats
	rateLimited atomic.Int64
}

var buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

type routeStats struct {
	count  int64
	sum    float64
	counts []int64
}

func newMetrics() *metrics { return &metrics{requests: map[string]*routeStats{}} }

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	k := fmt.Sprintf("method=%q,route=%q,status=\"%d\"", method, route, status)
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.requests[k]
	if st == nil {
		st = &routeStats{counts: make([]int64, len(buckets))}
		m.requests[k] = st
	}
	st.count++
	sec := d.Seconds()
	st.sum += sec
	for i, b := range buckets {
		if sec <= b {
			st.counts[i]++
		}
	}
}

func (s *Server) metricsHandler(c echo.Context) error {
	var b strings.Builder
	m := s.metrics
	m.mu.Lock()
	keys := make([]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString("# HELP engram_http_requests_total HTTP requests by route and status.\n# TYPE engram_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "engram_http_requests_total{%s} %d\n", k, m.requests[k].count)
	}
	b.WriteString("# HELP engram_http_request_duration_seconds Request latency.\n# TYPE engram_http_request_duration_seconds histogram\n")
	for _, k := range keys {
		st := m.requests[k]
		for i, bound := range buckets {
			fmt.Fprintf(&b, "engram_http_request_duration_seconds_bucket{%s,le=\"%g\"} %d\n", k, bound, st.counts[i])
		}
		fmt.Fprintf(&b, "engram_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", k, st.count)
		fmt.Fprintf(&b, "engram_http_request_duration_seconds_sum{%s} %g\n", k, st.sum)
		fmt.Fprintf(&b, "engram_http_request_duration_seconds_count{%s} %d\n", k, st.count)
	}
	m.mu.Unlock()
	fmt.Fprintf(&b, "# HELP engram_rate_limited_total Requests answered 429.\n# TYPE engram_rate_limited_total counter\nengram_rate_limited_total %d\n", m.rateLimited.Load())
	fmt.Fprintf(&b, "# HELP engram_uptime_seconds Seconds since start.\n# TYPE engram_uptime_seconds gauge\nengram_uptime_seconds %d\n", s.uptime())
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}
