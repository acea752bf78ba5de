package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/recall"
	"github.com/engramhq/engram/recall/embed"
)

// Store holds every namespace of a server: one Badger database, the
// namespace registry, and an engine per open namespace.
type Store struct {
	dir    string
	opts   Options
	log    *slog.Logger
	db     *guardedDB
	ring   *keyring
	lock   *os.File  // the data directory's LOCK, held until Close
	rot    rotations // data-key rotations of this process (rotate.go)
	master seal.MasterKey
	sys    *seal.Sealer
	emb    recall.Embedder

	ctx    context.Context // lifecycle context, cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards the registry maps and the open engines.
	mu       sync.Mutex
	closed   bool
	byID     map[nsID]*nsRecord
	byName   map[string]nsID // org + "\x00" + name
	byPublic map[string]nsID
	engines  map[nsID]*Engine
	lastUse  map[nsID]time.Time
}

// nsRecord is the registry row of a namespace, sealed with the system key.
type nsRecord struct {
	ID          nsID            `json:"-"`
	PublicID    string          `json:"public_id"`
	Name        string          `json:"name"`
	OrgID       string          `json:"org_id"`
	CreatedAt   int64           `json:"created_at"`
	Dimension   int             `json:"dimension"`
	Distance    string          `json:"distance"`
	Description string          `json:"description,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
	Policy      Policy          `json:"policy"`
	Config      NamespaceConfig `json:"config"`
	WrappedKeys [][]byte        `json:"keys"`
}

var systemNS = []byte{0, 0, 0, 0, 0, 0, 0, 0}

// Open opens (or creates) the store in dir.
func Open(dir string, opts *Options) (*Store, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("memory: create data dir: %w", err)
	}
	lock, ring, db, err := openDir(dir, o)
	if err != nil {
		return nil, err
	}
	sysDEK, err := seal.DEKFromBytes(1, ring.system)
	if err != nil {
		db.Close()
		lock.Close()
		return nil, err
	}
	sys, err := seal.NewSealer(systemNS, []seal.DEK{sysDEK})
	if err != nil {
		db.Close()
		lock.Close()
		return nil, err
	}
	emb := o.Embedder
	if emb == nil {
		emb = embed.NewStatic()
	}
	s := &Store{
		dir: dir, opts: o, log: o.Logger, db: db, master: o.MasterKey, sys: sys, emb: emb,
		ring: ring, lock: lock,
		byID: map[nsID]*nsRecord{}, byName: map[string]nsID{}, byPublic: map[string]nsID{},
		engines: map[nsID]*Engine{}, lastUse: map[nsID]time.Time{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.finishRekey(s.ctx); err != nil {
		db.Close()
		lock.Close()
		return nil, err
	}
	if err := s.loadRegistry(); err != nil {
		db.Close()
		lock.Close()
		return nil, err
	}
	s.resumeRotations()
	s.wg.Add(1)
	go s.sweepLoop()
	return s, nil
}

// checkFingerprint refuses a master key that does not match the one the
// data directory was created with, before anything is opened or written.
func checkFingerprint(dir string, mk seal.MasterKey) error {
	path := filepath.Join(dir, "master.fingerprint")
	want := mk.Fingerprint()
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if string(b) != want {
			return ErrWrongMasterKey
		}
		return nil
	case errors.Is(err, os.ErrNotExist):
		if _, serr := os.Stat(filepath.Join(dir, "db")); serr == nil {
			return nil // older layout; Badger's own key check decides
		}
		return os.WriteFile(path, []byte(want), 0o600)
	default:
		return fmt.Errorf("memory: read fingerprint: %w", err)
	}
}

func (s *Store) loadRegistry() error {
	return s.db.View(s.ctx, func(tx storage.Txn) error {
		return tx.Scan(sysKey('N'), nil, false, func(k, v []byte) error {
			var rec nsRecord
			pt, err := s.sys.Open(k, v)
			if err != nil {
				return fmt.Errorf("memory: open namespace record: %w", err)
			}
			if err := json.Unmarshal(pt, &rec); err != nil {
				return fmt.Errorf("memory: decode namespace record: %w", err)
			}
			copy(rec.ID[:], k[2:])
			s.register(&rec)
			return nil
		})
	})
}

func (s *Store) register(rec *nsRecord) {
	s.byID[rec.ID] = rec
	s.byName[rec.OrgID+"\x00"+rec.Name] = rec.ID
	s.byPublic[rec.PublicID] = rec.ID
}

// Embedder returns the server's default embedder.
func (s *Store) Embedder() recall.Embedder { return s.emb }

// DB returns the underlying database, for the auth and audit packages that
// keep system rows in the same store.
func (s *Store) DB() *storage.Badger { return s.db.Badger }

// Ready reports whether storage answers, and ErrUnavailable while writes
// fail for lack of space (reads keep working meanwhile).
func (s *Store) Ready(ctx context.Context) error { return s.db.ready(ctx) }

// Close flushes pending access records, stops background work and closes
// every engine and the database.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	engines := make([]*Engine, 0, len(s.engines))
	for _, e := range s.engines {
		engines = append(engines, e)
	}
	s.engines = map[nsID]*Engine{}
	s.mu.Unlock()
	var errs []error
	for _, e := range engines {
		errs = append(errs, e.close(context.Background()))
	}
	errs = append(errs, s.db.Close())
	errs = append(errs, s.lock.Close())
	return errors.Join(errs...)
}

func (s *Store) now() time.Time { return s.opts.Now() }

// sweepLoop is the Store's one background goroutine: it flushes recorded
// accesses every SweepInterval and runs the lifecycle sweep (idle sessions,
// expired memories, idle engines) every 60 ticks.
func (s *Store) sweepLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.SweepInterval)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-s.ctx.Done():
			s.flushAll(context.Background())
			return
		case <-t.C:
			s.flushAll(s.ctx)
			n++
			if n%60 == 0 {
				s.Sweep(s.ctx)
			}
		}
	}
}

func (s *Store) openEngines() []*Engine {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Engine, 0, len(s.engines))
	for _, e := range s.engines {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rec.Name < out[j].rec.Name })
	return out
}

func (s *Store) flushAll(ctx context.Context) {
	for _, e := range s.openEngines() {
		if err := e.flushAccess(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("flush access records", "ns", e.rec.PublicID, "err", err)
		}
	}
}
