package text

import (
	"context"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
)

const (
	// bleveDir is the Bleve index inside the folder given to Open.
	bleveDir = "bleve"
	// keyCheckFile holds keyCheck(key): 32 bytes, reveals nothing.
	keyCheckFile = "key.check"
	// textField is the only indexed field. It is not stored.
	textField = "t"
	// MaxK bounds Search's k.
	MaxK = 10_000
)

// checkpointKey is the Bleve internal key of the applied sequence number.
// Its value goes through the file hooks (root.bolt internal bucket).
var checkpointKey = []byte("engram.seq")

// Index is the full-text index of one namespace. Search, Count and
// Checkpoint may run concurrently with Apply; Close waits for them.
type Index struct {
	dir  string // absolute folder given to Open
	bdir string // dir/bleve, the registered key directory
	log  *slog.Logger
	sync bool // Options.SyncApply

	// writeMu serializes Apply, Flush and Close's final flush, so a flush
	// never re-records an older checkpoint. Taken before mu.
	writeMu sync.Mutex
	dirty   bool // batches applied since the last flush; guarded by writeMu

	// mu guards idx against Close: operations hold it shared.
	mu  sync.RWMutex
	idx bleve.Index // nil once closed
}

// Op is one change to the index: index (or replace) Text under ID, or
// delete ID.
type Op struct {
	ID     string
	Text   string
	Delete bool
}

// Hit is one search result, best first.
type Hit struct {
	ID    string
	Score float64
}

type doc struct {
	T string `json:"t"`
}

// Open creates or opens the index in dir with the 32-byte namespace key.
// A key other than the creation key fails with ErrWrongKey.
func Open(dir string, key []byte, opts *Options) (*Index, error) {
	o, err := opts.withDefaults()
	if len(key) != keySize {
		err = errors.Join(err, fmt.Errorf("%w: key is %d bytes, want %d", ErrInvalid, len(key), keySize))
	}
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("text: open %q: %w", dir, err)
	}
	ix := &Index{dir: abs, bdir: filepath.Join(abs, bleveDir), log: o.Logger, sync: o.SyncApply}
	// Register first: it also keeps a second Open of dir in this process
	// away while this one creates or checks the folder.
	if err := register(ix.bdir, key); err != nil {
		return nil, err
	}
	if err := checkKey(abs, key); err != nil {
		unregister(ix.bdir)
		return nil, err
	}
	start := time.Now()
	idx, created, err := openBleve(ix.bdir, o.Analyzer, !o.SyncApply)
	if err != nil {
		if sawWrongKey(ix.bdir) {
			err = ErrWrongKey
		}
		unregister(ix.bdir)
		return nil, err
	}
	ix.idx = idx
	if created {
		// bleve.New stores the mapping as an internal value: persist it
		// now, or a crash (or Close, which does not persist in async mode)
		// would leave an index that cannot be opened.
		ix.dirty = true
		if err := ix.flushLocked(context.Background()); err != nil {
			_ = idx.Close()
			unregister(ix.bdir)
			return nil, err
		}
	}
	ix.log.Debug("text index open", "op", "open", "dur", time.Since(start))
	return ix, nil
}

// checkKey creates dir and its key check on first use, and compares the
// key check afterwards.
func checkKey(dir string, key []byte) error {
	want := keyCheck(key)
	path := filepath.Join(dir, keyCheckFile)
	got, err := os.ReadFile(path)
	switch {
	case err == nil:
		if !hmac.Equal(got, want) {
			return ErrWrongKey
		}
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("text: read key check: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, bleveDir)); err == nil {
		return fmt.Errorf("%w: key check missing", ErrCorrupt)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("text: create %q: %w", dir, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, want, 0o600); err != nil {
		return fmt.Errorf("text: write key check: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("text: write key check: %w", err)
	}
	return nil
}

// openBleve opens the Bleve index in bdir, or creates it (created true).
func openBleve(bdir, analyzer string, async bool) (idx bleve.Index, created bool, err error) {
	// bolt_timeout: a folder locked by another process fails instead of
	// blocking Open forever.
	cfg := map[string]any{"unsafe_batch": async, "bolt_timeout": "2s"}
	if _, err := os.Stat(bdir); err == nil {
		idx, err := bleve.OpenUsing(bdir, cfg)
		if err != nil {
			return nil, false, fmt.Errorf("text: open bleve index: %w", translate(err))
		}
		if stored := storedAnalyzer(idx); analyzer != "" && stored != analyzer {
			_ = idx.Close()
			return nil, false, fmt.Errorf("%w: index uses analyzer %q, not %q", ErrInvalid, stored, analyzer)
		}
		return idx, false, nil
	}
	if analyzer == "" {
		analyzer = DefaultAnalyzer
	}
	m, err := newMapping(analyzer)
	if err != nil {
		return nil, false, err
	}
	idx, err = bleve.NewUsing(bdir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
	if err != nil {
		return nil, false, fmt.Errorf("text: create bleve index: %w", translate(err))
	}
	return idx, true, nil
}

func newMapping(analyzer string) (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	if err := m.AddCustomAnalyzer(AnalyzerSnowball, map[string]any{
		"type":      custom.Name,
		"tokenizer": unicode.Name,
		"token_filters": []any{
			en.PossessiveName, lowercase.Name, en.StopName, en.SnowballStemmerName,
		},
	}); err != nil {
		return nil, fmt.Errorf("text: analyzer: %w", err)
	}
	m.ScoringModel = bindex.BM25Scoring
	m.DefaultAnalyzer = analyzer
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false

	f := bleve.NewTextFieldMapping()
	f.Analyzer = analyzer
	f.Store = false
	f.IncludeTermVectors = false
	f.IncludeInAll = false
	f.DocValues = false

	d := bleve.NewDocumentStaticMapping()
	d.AddFieldMappingsAt(textField, f)
	m.DefaultMapping = d
	return m, nil
}

func storedAnalyzer(idx bleve.Index) string {
	if m, ok := idx.Mapping().(*mapping.IndexMappingImpl); ok {
		return m.DefaultAnalyzer
	}
	return ""
}

func translate(err error) error {
	if errors.Is(err, bleve.ErrorIndexClosed) {
		return ErrClosed
	}
	return err
}

// Apply applies ops as one Bleve batch and records seq as the checkpoint
// in the same batch: after a crash, Checkpoint reports the seq of the last
// batch that is on disk, with its documents. The batch is searchable when
// Apply returns, and on disk too with Options.SyncApply. Later ops on the
// same ID win.
func (ix *Index) Apply(ops []Op, seq uint64) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return ErrClosed
	}
	b := ix.idx.NewBatch()
	for i, op := range ops {
		if op.ID == "" {
			return fmt.Errorf("%w: op %d has an empty id", ErrInvalid, i)
		}
		if op.Delete {
			b.Delete(op.ID)
			continue
		}
		if err := b.Index(op.ID, doc{T: op.Text}); err != nil {
			return fmt.Errorf("text: index op %d: %w", i, err)
		}
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	b.SetInternal(checkpointKey, v[:])
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("text: apply batch: %w", translate(err))
	}
	ix.dirty = !ix.sync
	return nil
}

// Flush returns once every batch applied before it is on disk. It records
// the current checkpoint again in an empty batch and waits for Bleve's
// persister to report that batch persisted.
func (ix *Index) Flush(ctx context.Context) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return ErrClosed
	}
	return ix.flushLocked(ctx)
}

func (ix *Index) flushLocked(ctx context.Context) error {
	if !ix.dirty {
		return nil
	}
	v, err := ix.idx.GetInternal(checkpointKey)
	if err != nil {
		return fmt.Errorf("text: flush: %w", translate(err))
	}
	if v == nil {
		v = make([]byte, 8) // checkpoint 0; the batch must not be empty
	}
	done := make(chan error, 1)
	b := ix.idx.NewBatch()
	b.SetInternal(checkpointKey, v)
	b.SetPersistedCallback(func(err error) { done <- err })
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("text: flush: %w", translate(err))
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("text: flush: %w", err)
		}
		ix.dirty = false
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Checkpoint returns the seq of the last applied batch, 0 if none. After
// Open it is the seq of the last batch on disk.
func (ix *Index) Checkpoint() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, ErrClosed
	}
	return ix.checkpointLocked()
}

func (ix *Index) checkpointLocked() (uint64, error) {
	v, err := ix.idx.GetInternal(checkpointKey)
	if err != nil {
		return 0, fmt.Errorf("text: read checkpoint: %w", translate(err))
	}
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: checkpoint is %d bytes", ErrCorrupt, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// Search returns up to k documents for a natural-language query, best
// BM25 score first. The query is analyzed like the documents and its terms
// are OR-ed; it is never parsed as query syntax. A query with no terms
// left after analysis (empty, only stop words) has no hits. k ≤ 0 gives
// no hits; k is capped at MaxK.
func (ix *Index) Search(ctx context.Context, q string, k int) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	k = min(k, MaxK)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return nil, ErrClosed
	}
	mq := query.NewMatchQuery(q)
	mq.SetField(textField)
	mq.SetOperator(query.MatchQueryOperatorOr)
	req := bleve.NewSearchRequestOptions(mq, k, 0, false)
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("text: search: %w", translate(err))
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		hits = append(hits, Hit{ID: h.ID, Score: h.Score})
	}
	return hits, nil
}

// Count returns the number of indexed documents.
func (ix *Index) Count() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, ErrClosed
	}
	n, err := ix.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("text: count: %w", translate(err))
	}
	return n, nil
}

// Dir returns the absolute folder of the index.
func (ix *Index) Dir() string { return ix.dir }

// Close waits for running operations, persists every applied batch,
// closes the Bleve index and forgets the key. Close is idempotent.
func (ix *Index) Close() error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx == nil {
		return nil
	}
	ferr := ix.flushLocked(context.Background())
	err := ix.idx.Close()
	ix.idx = nil
	unregister(ix.bdir)
	if err = errors.Join(ferr, err); err != nil {
		return fmt.Errorf("text: close: %w", err)
	}
	return nil
}

// Destroy removes the index folder dir. It fails with ErrBusy while an
// Index on dir is open in this process.
func Destroy(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("text: destroy %q: %w", dir, err)
	}
	if registered(filepath.Join(abs, bleveDir)) {
		return ErrBusy
	}
	if err := os.RemoveAll(abs); err != nil {
		return fmt.Errorf("text: destroy: %w", err)
	}
	return nil
}
