package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/webhook"
)

// metrics is the Prometheus exposition of one Server, in its own registry
// (servers in one process, as in tests, do not share counters). Labels
// are route templates (c.Path()), methods, status codes, namespace
// buckets and delivery results: never a raw URL, a namespace name, an
// id, a key or content. The metric names are listed in
// docs/operations.md.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	rateLimited prometheus.Counter
	stored      prometheus.Counter
	recalls     prometheus.Counter

	// once registers the collectors that need the Server (first scrape).
	once    sync.Once
	handler http.Handler

	// routesOnce fills routes, the registered route templates.
	routesOnce sync.Once
	routes     map[string]bool
}

var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "engram_http_requests_total", Help: "HTTP requests by method, route template and status.",
	}, []string{"method", "route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "engram_http_request_duration_seconds", Help: "HTTP request latency by method, route template and status.",
		Buckets: latencyBuckets,
	}, []string{"method", "route", "status"})
	m.rateLimited = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "engram_rate_limited_total", Help: "Requests answered 429 by a per-key or per-namespace rate limit.",
	})
	m.stored = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "engram_memories_stored_total", Help: "Memories and namespace documents stored by successful requests.",
	})
	m.recalls = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "engram_recalls_total", Help: "Recalls and queries served by successful requests.",
	})
	m.reg.MustRegister(m.requests, m.latency, m.rateLimited, m.stored, m.recalls,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records one finished request; the access log calls it once the
// status is known. Stores and recalls come from the handler's usage note.
func (m *metrics) observe(c echo.Context, route string, status int, d time.Duration) {
	route = m.template(c, route)
	method := c.Request().Method
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // the method is client-chosen: keep the label set small
	}
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, code).Inc()
	m.latency.WithLabelValues(method, route, code).Observe(d.Seconds())
	if status < 400 {
		if u, ok := c.Get(ctxUsage).(usageDelta); ok {
			m.stored.Add(float64(u.stores))
			m.recalls.Add(float64(u.recalls))
		}
	}
}

// template returns route if it is a registered route template and
// "unmatched" otherwise (echo's not-found route "/*" included), so no
// client-chosen path becomes a label.
func (m *metrics) template(c echo.Context, route string) string {
	m.routesOnce.Do(func() {
		m.routes = map[string]bool{}
		for _, r := range c.Echo().Routes() {
			if r.Method != echo.RouteNotFound {
				m.routes[r.Path] = true
			}
		}
	})
	if !m.routes[route] {
		return "unmatched"
	}
	return route
}

func (s *Server) metricsHandler(c echo.Context) error {
	m := s.metrics
	m.once.Do(func() {
		col := &storeCollector{store: s.store, webhooks: s.opts.Webhooks}
		uptime := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "engram_uptime_seconds", Help: "Seconds since the server started.",
		}, func() float64 { return float64(s.uptime()) })
		for _, cl := range []prometheus.Collector{col, uptime} {
			if err := m.reg.Register(cl); err != nil {
				s.log.Error("metrics: register collector", "err", err)
			}
		}
		m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
			ErrorHandling: promhttp.ContinueOnError,
			ErrorLog:      slogPromLogger{s},
		})
	})
	m.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

// slogPromLogger passes promhttp's gathering errors to the server's logger.
type slogPromLogger struct{ s *Server }

func (l slogPromLogger) Println(v ...any) {
	l.s.log.Warn("metrics: gather", "err", fmt.Sprint(v...))
}

// storeCollector reads the store's and the webhook service's figures at
// scrape time.
type storeCollector struct {
	store    *memory.Store
	webhooks *webhook.Service
}

var (
	descNamespaces = prometheus.NewDesc("engram_namespaces",
		"Namespaces, open or not.", nil, nil)
	descOpen = prometheus.NewDesc("engram_namespaces_open",
		"Namespaces open in memory.", nil, nil)
	descBucketNS = prometheus.NewDesc("engram_index_namespaces",
		"Open namespaces by bucket (xxh3 of the internal namespace id mod 16).", []string{"bucket"}, nil)
	descMemories = prometheus.NewDesc("engram_index_memories",
		"Memories of the open namespaces by bucket.", []string{"bucket"}, nil)
	descVectors = prometheus.NewDesc("engram_index_vectors",
		"Vectors (memories and documents) of the open namespaces by bucket.", []string{"bucket"}, nil)
	descTextDocs = prometheus.NewDesc("engram_index_text_docs",
		"Full-text index entries (memories and documents) of the open namespaces by bucket.", []string{"bucket"}, nil)
	descDocuments = prometheus.NewDesc("engram_index_documents",
		"Namespace documents of the open namespaces by bucket (namespaces whose documents are loaded).", []string{"bucket"}, nil)
	descExtractQueued = prometheus.NewDesc("engram_extraction_queued",
		"Memories waiting for the extraction model by namespace bucket.", []string{"bucket"}, nil)
	descExtractMerged = prometheus.NewDesc("engram_extraction_merged_total",
		"Extraction-model answers merged into the graph by namespace bucket.", []string{"bucket"}, nil)
	descExtractFailed = prometheus.NewDesc("engram_extraction_failed_total",
		"Extraction-model calls failed (endpoint errors, timeouts, malformed answers) by namespace bucket.", []string{"bucket"}, nil)
	descExtractDropped = prometheus.NewDesc("engram_extraction_dropped_total",
		"Memories not queued for the extraction model because the queue was full, by namespace bucket.", []string{"bucket"}, nil)
	descSweeps = prometheus.NewDesc("engram_sweep_passes_total",
		"Lifecycle sweeps run (process-wide).", nil, nil)
	descSweepRemoved = prometheus.NewDesc("engram_sweep_memories_removed_total",
		"Memories forgotten by lifecycle sweeps: expired or below min_importance (process-wide).", nil, nil)
	descSweepErrors = prometheus.NewDesc("engram_sweep_errors_total",
		"Namespaces whose sweep removals failed (process-wide).", nil, nil)
	descEmbed = prometheus.NewDesc("engram_embedding_duration_seconds",
		"Duration of embedder calls, one per batch of texts (process-wide).", nil, nil)
	descWebhook = prometheus.NewDesc("engram_webhook_delivery_attempts_total",
		"Webhook delivery attempts by result: delivered, retried (will be attempted again) or failed (last attempt).",
		[]string{"result"}, nil)
)

func (sc *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descNamespaces, descOpen, descBucketNS, descMemories, descVectors,
		descTextDocs, descDocuments, descExtractQueued, descExtractMerged, descExtractFailed, descExtractDropped,
		descSweeps, descSweepRemoved, descSweepErrors, descEmbed} {
		ch <- d
	}
	if sc.webhooks != nil {
		ch <- descWebhook
	}
}

func (sc *storeCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v int, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	m := sc.store.Metrics()
	gauge(descNamespaces, m.Namespaces)
	gauge(descOpen, m.OpenNamespaces)
	for i, b := range m.Buckets {
		l := strconv.Itoa(i)
		gauge(descBucketNS, b.Namespaces, l)
		gauge(descMemories, b.Memories, l)
		gauge(descVectors, b.Vectors, l)
		gauge(descTextDocs, b.TextDocs, l)
		gauge(descDocuments, b.Documents, l)
		x := m.Extraction[i]
		gauge(descExtractQueued, x.Queued, l)
		counter(descExtractMerged, x.Merged, l)
		counter(descExtractFailed, x.Failed, l)
		counter(descExtractDropped, x.Dropped, l)
	}
	p := memory.ReadProcessStats()
	counter(descSweeps, p.Sweep.Passes)
	counter(descSweepRemoved, p.Sweep.Removed)
	counter(descSweepErrors, p.Sweep.Errors)
	buckets := make(map[float64]uint64, len(p.Embed.Bounds))
	for i, b := range p.Embed.Bounds {
		buckets[b] = p.Embed.Cumulative[i]
	}
	ch <- prometheus.MustNewConstHistogram(descEmbed, p.Embed.Count, p.Embed.Sum, buckets)
	if sc.webhooks != nil {
		st := sc.webhooks.Stats()
		counter(descWebhook, st.Delivered, "delivered")
		counter(descWebhook, st.Retried, "retried")
		counter(descWebhook, st.Failed, "failed")
	}
}
