package memory

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"

	"github.com/engramhq/engram/graph/llm"
)

// Model-based extraction. A namespace whose configuration names an
// extraction model (NamespaceConfig.ExtractionModel: an OpenAI-compatible
// or Ollama chat endpoint, graph/llm) has every memory written by Store,
// StoreBatch, Update or an import re-extracted by the model in the
// background, and the model's entities and relations merged into its
// knowledge graph with the memory as their source, beside the rule-based
// ones (extract_entities must be on).
//
// The write path only appends (key, change sequence) to the namespace's
// bounded in-process queue after its transaction committed and writeMu was
// released (Engine.write); it never waits for the model and never fails
// because of it. A full queue (llmQueueCap jobs) drops the job and counts
// it in ExtractionStatus.Dropped: that memory keeps its rule-based graph
// until its next update. Queued jobs are not persisted either: a restart
// forgets them (the rule-based graph is complete without them).
// Consolidation queues the merged memory it rewrites the same way
// (Consolidate): the rewrite drops the keeper's model facts with its old
// mentions.
//
// One worker goroutine per namespace serves the queue. It is started by
// the first job (under Store.mu, only while the Store is open, counted in
// Store.wg), exits when the queue is empty or the Store's lifecycle
// context is cancelled (Close waits for it), and holds no lock while the
// model answers. For each job it checks that the engine is still the
// open one and the memory still has the queued change sequence (a later
// write queued its own job; a forgotten memory is skipped), calls the
// model, then, under writeMu, merges: each entity is resolved like a
// rule-based mention (an existing "concept" entity takes the model's more
// specific type), counted once per memory and listed in the memory's
// entities; each relation goes through applyFact with the memory as
// source, so support counting, exclusive-relation validity and
// forget/update (which release exactly the memory's RelIDs and entity
// refs) work as for rule-based facts. The memory row and the graph rows
// change in one transaction; the change log is not touched (content and
// vectors are unchanged). A merge is idempotent for one memory version.
//
// Endpoint errors, timeouts and malformed answers count in
// ExtractionStatus.Failed with the last error message (status codes and
// parse positions only: never content, answers or keys) and are logged at
// warn level; the rule-based graph stays as it was. Counters are
// per-process.

// ExtractionModelSpec configures a namespace's extraction model. APIKey is
// write-only: stored in the sealed namespace record, never returned
// (APIKeySet reports it). A configuration change that moves the provider
// or base URL without giving api_key drops the stored key, so a key is
// never sent to a host it was not configured for. The field names are the
// embedder's (EmbedderSpec): base_url, api_key, api_key_set.
type ExtractionModelSpec struct {
	Provider  string `json:"provider"`
	BaseURL   string `json:"base_url"`
	Model     string `json:"model"`
	APIKey    string `json:"api_key,omitempty"`
	APIKeySet bool   `json:"api_key_set,omitempty"`
}

func (sp *ExtractionModelSpec) clone() *ExtractionModelSpec {
	if sp == nil {
		return nil
	}
	c := *sp
	return &c
}

func (sp *ExtractionModelSpec) redacted() *ExtractionModelSpec {
	if sp == nil {
		return nil
	}
	c := *sp
	c.APIKeySet = c.APIKey != ""
	c.APIKey = ""
	return &c
}

// shownConfig is a configuration as shown to clients: no API key of the
// embedder or the extraction model.
func shownConfig(c NamespaceConfig) NamespaceConfig {
	c = redactedConfig(c)
	c.ExtractionModel = c.ExtractionModel.redacted()
	return c
}

// checkExtractionModelPatch validates next, the extraction model after the
// JSON patch was merged into a copy of old, and drops the old key when the
// patch moved the endpoint without giving one.
func checkExtractionModelPatch(old, next *ExtractionModelSpec, patch []byte) error {
	var probe struct {
		Model json.RawMessage `json:"extraction_model"`
	}
	_ = json.Unmarshal(patch, &probe)
	if len(probe.Model) == 0 || next == nil {
		return nil // untouched, or removed with null
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(probe.Model, &fields)
	next.Provider = strings.ToLower(strings.TrimSpace(next.Provider))
	next.BaseURL = strings.TrimSpace(next.BaseURL)
	if _, given := fields["api_key"]; !given && old != nil && (old.BaseURL != next.BaseURL || old.Provider != next.Provider) {
		next.APIKey = ""
	}
	next.APIKeySet = false
	if next.Provider != llm.ProviderOpenAI && next.Provider != llm.ProviderOllama {
		return invalid("extraction_model.provider", "must be openai or ollama")
	}
	u, err := url.Parse(next.BaseURL)
	if next.BaseURL == "" || len(next.BaseURL) > 2048 || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return invalid("extraction_model.base_url", "must be an absolute http or https URL without credentials")
	}
	if strings.TrimSpace(next.Model) == "" || len(next.Model) > 256 {
		return invalid("extraction_model.model", "is required (at most 256 bytes)")
	}
	if len(next.APIKey) > 4096 {
		return invalid("extraction_model.api_key", "must be at most 4096 bytes")
	}
	if _, err := llm.New(llmConfig(next, nil)); err != nil {
		return invalid("extraction_model", "invalid endpoint configuration")
	}
	return nil
}

// llmConfigHook, when set (tests only), adjusts the client configuration
// of extraction models (timeouts, retries, backoff).
var llmConfigHook func(*llm.Config)

func llmConfig(sp *ExtractionModelSpec, s *Store) llm.Config {
	cfg := llm.Config{Provider: sp.Provider, BaseURL: sp.BaseURL, Model: sp.Model, APIKey: sp.APIKey}
	if s != nil {
		cfg.Logger = s.log
	}
	if llmConfigHook != nil {
		llmConfigHook(&cfg)
	}
	return cfg
}

// llmQueueCap bounds the jobs queued per namespace (a variable for tests).
var llmQueueCap = 1024

// ExtractionStatus is the state of a namespace's model-based extraction
// since the process started.
type ExtractionStatus struct {
	// Configured reports whether an extraction model is set and
	// extract_entities is on.
	Configured bool `json:"configured"`
	// Model is "<provider>:<model>" when configured.
	Model string `json:"model,omitempty"`
	// Queued is the number of memories waiting; Running whether the worker
	// is alive.
	Queued  int  `json:"queued"`
	Running bool `json:"running"`
	// Processed counts answers merged; Failed endpoint errors, timeouts and
	// malformed answers; Dropped jobs refused by a full queue; Skipped jobs
	// whose memory changed, was forgotten or whose namespace closed first.
	Processed int64 `json:"processed"`
	Failed    int64 `json:"failed"`
	Dropped   int64 `json:"dropped"`
	Skipped   int64 `json:"skipped"`
	// EntitiesAdded and RelationsAdded count entity mentions and relation
	// supports the model added beyond the rule-based ones; ItemsRejected
	// counts answer items that failed validation.
	EntitiesAdded  int64 `json:"entities_added"`
	RelationsAdded int64 `json:"relations_added"`
	ItemsRejected  int64 `json:"items_rejected"`
	// LastError describes the last failure (no content); LastErrorAt and
	// LastSuccessAt are Unix seconds.
	LastError     string `json:"last_error,omitempty"`
	LastErrorAt   *int64 `json:"last_error_at,omitempty"`
	LastSuccessAt *int64 `json:"last_success_at,omitempty"`
}

// llmJob is one memory version to re-extract.
type llmJob struct {
	e   *Engine
	key uint64
	seq uint64
}

// llmQueue is a namespace's queue and counters. mu is a leaf lock.
type llmQueue struct {
	mu      sync.Mutex
	jobs    []llmJob
	running bool
	st      ExtractionStatus // counters only
	// client is built from spec, rebuilt when the spec changes; only the
	// worker touches them.
	client *llm.Client
	spec   ExtractionModelSpec
}

// llmQueues holds the queues by store and namespace; entries of closed
// stores are removed when another store creates its map.
var llmQueues = struct {
	sync.Mutex
	m map[*Store]map[nsID]*llmQueue
}{m: map[*Store]map[nsID]*llmQueue{}}

func (s *Store) llmQueueOf(id nsID, create bool) *llmQueue {
	llmQueues.Lock()
	defer llmQueues.Unlock()
	m := llmQueues.m[s]
	if m == nil {
		if !create {
			return nil
		}
		for other := range llmQueues.m {
			if other.ctx.Err() != nil {
				delete(llmQueues.m, other)
			}
		}
		m = map[nsID]*llmQueue{}
		llmQueues.m[s] = m
	}
	q := m[id]
	if q == nil && create {
		q = &llmQueue{}
		m[id] = q
	}
	return q
}

// queueModelExtraction queues the committed records of a write for the
// extraction model, if the namespace has one. It is called by write after
// writeMu is released, never blocks on the model and never fails.
func (e *Engine) queueModelExtraction(recs []*record) {
	cfg := e.config()
	if cfg.ExtractionModel == nil || !cfg.ExtractEntities || len(recs) == 0 {
		return
	}
	q := e.s.llmQueueOf(e.id, true)
	q.mu.Lock()
	for _, r := range recs {
		if r.Seq == 0 || r.Key == 0 {
			continue // not committed
		}
		if len(q.jobs) >= llmQueueCap {
			q.st.Dropped++
			continue
		}
		q.jobs = append(q.jobs, llmJob{e: e, key: r.Key, seq: r.Seq})
	}
	start := !q.running && len(q.jobs) > 0
	if start {
		q.running = true
	}
	q.mu.Unlock()
	if start {
		e.s.startLLMWorker(q)
	}
}

// startLLMWorker starts the queue's worker unless the Store is closed.
func (s *Store) startLLMWorker(q *llmQueue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		q.mu.Lock()
		q.running, q.jobs = false, nil
		q.mu.Unlock()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runLLMQueue(q)
	}()
}

// llmOutcome is what one job did.
type llmOutcome struct {
	merged        bool
	err           error
	ents, rels    int
	itemsRejected int
}

// runLLMQueue serves q until it is empty or the Store closes.
func (s *Store) runLLMQueue(q *llmQueue) {
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 || s.ctx.Err() != nil {
			q.running = false
			q.st.Skipped += int64(len(q.jobs))
			q.jobs = nil
			q.mu.Unlock()
			return
		}
		j := q.jobs[0]
		q.jobs = q.jobs[1:]
		q.mu.Unlock()

		out := s.runLLMJob(q, j)
		now := s.now().Unix()
		q.mu.Lock()
		switch {
		case out.err != nil:
			q.st.Failed++
			q.st.LastError, q.st.LastErrorAt = out.err.Error(), &now
		case out.merged:
			q.st.Processed++
			q.st.EntitiesAdded += int64(out.ents)
			q.st.RelationsAdded += int64(out.rels)
			q.st.ItemsRejected += int64(out.itemsRejected)
			q.st.LastSuccessAt = &now
		default:
			q.st.Skipped++
		}
		q.mu.Unlock()
		if out.err != nil && s.ctx.Err() == nil {
			s.log.Warn("model extraction failed; the rule-based graph stays", "op", "llm_extract",
				"ns", j.e.publicID(), "err", out.err)
		}
	}
}

// current reports whether e is still the Store's open engine of its
// namespace, and marks it used so it is not closed as idle meanwhile.
func (s *Store) current(e *Engine) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.engines[e.id] != e {
		return false
	}
	s.lastUse[e.id] = s.now()
	return true
}

func (e *Engine) publicID() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.rec.PublicID
}

// runLLMJob re-extracts one memory version; no lock is held meanwhile.
func (s *Store) runLLMJob(q *llmQueue, j llmJob) llmOutcome {
	e := j.e
	if !s.current(e) {
		return llmOutcome{}
	}
	e.mu.RLock()
	r := e.mems[j.key]
	cfg := e.rec.Config
	shredded := e.shredded
	e.mu.RUnlock()
	if r == nil || r.Seq != j.seq || shredded || cfg.ExtractionModel == nil || !cfg.ExtractEntities {
		return llmOutcome{}
	}
	if q.client == nil || q.spec != *cfg.ExtractionModel {
		c, err := llm.New(llmConfig(cfg.ExtractionModel, s))
		if err != nil {
			return llmOutcome{err: err}
		}
		q.client, q.spec = c, *cfg.ExtractionModel
	}
	res, err := q.client.Extract(s.ctx, r.Content, llm.Options{Types: cfg.EntityTypes})
	if err != nil {
		if s.ctx.Err() != nil {
			return llmOutcome{}
		}
		return llmOutcome{err: err}
	}
	if !s.current(e) {
		return llmOutcome{}
	}
	out, err := e.mergeModelExtraction(s.ctx, j.key, j.seq, res)
	if err != nil && !errors.Is(err, context.Canceled) {
		out.err = err
	}
	out.itemsRejected = res.Dropped
	return out
}

// addExtractionCounts adds the counters of the Store's queues to their
// namespaces' buckets. The queue locks are taken one at a time, after
// llmQueues is released.
func (s *Store) addExtractionCounts(out *[MetricsBuckets]ExtractionCounts) {
	llmQueues.Lock()
	ids := make([]nsID, 0, len(llmQueues.m[s]))
	qs := make([]*llmQueue, 0, len(llmQueues.m[s]))
	for id, q := range llmQueues.m[s] {
		ids, qs = append(ids, id), append(qs, q)
	}
	llmQueues.Unlock()
	for i, q := range qs {
		b := &out[ids[i].bucket()]
		q.mu.Lock()
		b.Queued += len(q.jobs)
		b.Merged += uint64(q.st.Processed)
		b.Failed += uint64(q.st.Failed)
		b.Dropped += uint64(q.st.Dropped)
		q.mu.Unlock()
	}
}

// ExtractionStatus returns the state of the namespace's model extraction.
func (e *Engine) ExtractionStatus() ExtractionStatus {
	cfg := e.config()
	var st ExtractionStatus
	if q := e.s.llmQueueOf(e.id, false); q != nil {
		q.mu.Lock()
		st = q.st
		st.Queued, st.Running = len(q.jobs), q.running
		q.mu.Unlock()
	}
	if m := cfg.ExtractionModel; m != nil && cfg.ExtractEntities {
		st.Configured, st.Model = true, m.Provider+":"+m.Model
	}
	return st
}

// ExtractionStatus returns the state of a namespace's model extraction.
func (s *Store) ExtractionStatus(ctx context.Context, org, name string) (ExtractionStatus, error) {
	e, err := s.Engine(ctx, org, name)
	if err != nil {
		return ExtractionStatus{}, err
	}
	return e.ExtractionStatus(), nil
}
