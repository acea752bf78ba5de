package memory

import (
	"sync/atomic"
	"time"

	"github.com/zeebo/xxh3"
)

// Monitoring accessors, read by the HTTP server's /metrics
// (httpapi/metrics.go). They do no I/O and name no namespace: index sizes
// are summed over buckets of namespaces, and the counters below count
// events, never what they were about.

// MetricsBuckets is the number of buckets the open namespaces' index sizes
// are summed into. A namespace's bucket is the xxh3 hash of its internal
// id modulo MetricsBuckets: stable while the process runs, and 16 buckets
// say nothing of which namespace is which.
const MetricsBuckets = 16

// IndexSizes are the index sizes of the open namespaces of one bucket.
type IndexSizes struct {
	// Namespaces is the number of open namespaces in the bucket.
	Namespaces int
	// Memories is the number of memories.
	Memories int
	// Vectors counts the vectors of the memories' and the documents'
	// vector indexes.
	Vectors int
	// TextDocs counts the entries of the memories' and the documents'
	// full-text indexes.
	TextDocs int
	// Documents is the number of namespace documents (of the namespaces
	// whose documents are loaded).
	Documents int
}

// Metrics is a snapshot of a Store for monitoring.
type Metrics struct {
	// Namespaces is the number of namespaces, open or not.
	Namespaces int
	// OpenNamespaces is the number of namespaces open in memory.
	OpenNamespaces int
	// Buckets are the index sizes of the open namespaces by bucket.
	Buckets [MetricsBuckets]IndexSizes
	// Extraction are the model-extraction counters by bucket.
	Extraction [MetricsBuckets]ExtractionCounts
}

// ExtractionCounts are the model-extraction figures (llmextract.go) of
// the namespaces of one bucket that queued a job since the Store opened,
// open or not.
type ExtractionCounts struct {
	// Queued is the number of memories waiting now.
	Queued int
	// Merged counts answers merged, Failed endpoint errors, timeouts and
	// malformed answers, Dropped jobs refused by a full queue
	// (ExtractionStatus.Processed, Failed, Dropped).
	Merged, Failed, Dropped uint64
}

// Metrics returns the namespace counts and the index sizes of the open
// namespaces. Namespaces still loading count as open with empty indexes.
func (s *Store) Metrics() Metrics {
	s.mu.Lock()
	out := Metrics{Namespaces: len(s.byID)}
	s.mu.Unlock()
	for _, e := range s.openEngines() {
		out.OpenNamespaces++
		b := &out.Buckets[e.id.bucket()]
		b.Namespaces++
		select {
		case <-e.opened:
			if e.openErr != nil {
				continue
			}
		default:
			continue
		}
		e.addSizes(b)
	}
	s.addExtractionCounts(&out.Extraction)
	return out
}

// bucket returns the namespace's metrics bucket.
func (id nsID) bucket() int { return int(xxh3.Hash(id[:]) % MetricsBuckets) }

// addSizes adds the engine's index sizes to b. No two of the engine's
// locks are held at once; the text indexes are counted with none held.
func (e *Engine) addSizes(b *IndexSizes) {
	mems, vecs := e.counts()
	b.Memories += mems
	b.Vectors += vecs
	e.mu.RLock()
	ti := e.text
	e.mu.RUnlock()
	if ti != nil {
		if n, err := ti.Count(); err == nil {
			b.TextDocs += int(n)
		}
	}
	d := &e.docs
	d.mu.RLock()
	loaded, docs, dvec, dtext := d.loaded && !d.closed, len(d.byKey), d.vec, d.text
	d.mu.RUnlock()
	if !loaded {
		return
	}
	b.Documents += docs
	if dvec != nil {
		b.Vectors += dvec.Len()
	}
	if dtext != nil {
		if n, err := dtext.Count(); err == nil {
			b.TextDocs += int(n)
		}
	}
}

// Process-wide counters. They count the work of every Store of the
// process (a server opens one); tests that open several see the sum.
var (
	sweepPasses  atomic.Uint64
	sweepRemoved atomic.Uint64
	sweepErrors  atomic.Uint64

	embedCount  atomic.Uint64
	embedNanos  atomic.Uint64
	embedCounts [len(embedBounds)]atomic.Uint64 // per bound, not cumulative
)

// embedBounds are the upper bounds, in seconds, of the embedding-time
// histogram buckets.
var embedBounds = [...]float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// SweepStats count the lifecycle sweeps (Sweep) of the process.
type SweepStats struct {
	// Passes is the number of sweeps run.
	Passes uint64
	// Removed is the number of memories the sweeps forgot: expired, or
	// below their namespace's min_importance.
	Removed uint64
	// Errors is the number of namespaces whose removals failed.
	Errors uint64
}

// EmbedStats is a histogram of the embedder calls of the process: every
// batch of texts embedded for a write, a query or a re-embedding job.
type EmbedStats struct {
	// Count is the number of calls; Sum their total duration in seconds.
	Count uint64
	Sum   float64
	// Bounds are the bucket upper bounds in seconds; Cumulative[i] counts
	// the calls that took at most Bounds[i].
	Bounds     []float64
	Cumulative []uint64
}

// ProcessStats are the process-wide counters of the memory package.
type ProcessStats struct {
	Sweep SweepStats
	Embed EmbedStats
}

// ReadProcessStats returns the process-wide counters.
func ReadProcessStats() ProcessStats {
	var out ProcessStats
	out.Sweep = SweepStats{Passes: sweepPasses.Load(), Removed: sweepRemoved.Load(), Errors: sweepErrors.Load()}
	e := EmbedStats{Bounds: embedBounds[:], Cumulative: make([]uint64, len(embedBounds))}
	var cum uint64
	for i := range embedCounts {
		cum += embedCounts[i].Load()
		e.Cumulative[i] = cum
	}
	// Count is read last, so it is never below a bucket (a call adds its
	// bucket first): a scrape sees a valid histogram.
	e.Sum = float64(embedNanos.Load()) / 1e9
	e.Count = max(embedCount.Load(), cum)
	out.Embed = e
	return out
}

// embedTimer starts timing one embedder call; calling the function it
// returns records the call.
func embedTimer() func() {
	start := time.Now()
	return func() { observeEmbed(time.Since(start)) }
}

// observeEmbed records one embedder call that took d.
func observeEmbed(d time.Duration) {
	sec := d.Seconds()
	for i, b := range embedBounds {
		if sec <= b {
			embedCounts[i].Add(1)
			break
		}
	}
	embedNanos.Add(uint64(max(d, 0)))
	embedCount.Add(1)
}
