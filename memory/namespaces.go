package memory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
	"github.com/engramhq/engram/recall/vector"
)

var nsNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$`)

// AgentNamespacePrefix starts the name of an agent's own namespace.
const AgentNamespacePrefix = "_agent_"

var reservedPrefixes = []string{"_", "system_", "internal_", "admin_"}

// ValidateNamespaceName checks a client-chosen namespace name.
func ValidateNamespaceName(name string) error {
	if !nsNameRE.MatchString(name) {
		return invalid("namespace", "must match ^[a-zA-Z0-9][a-zA-Z0-9_-]{0,127}$")
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(name, p) {
			return invalid("namespace", "names starting with %q are reserved", p)
		}
	}
	return nil
}

var agentIDRE = regexp.MustCompile(`^[a-zA-Z0-9_.:@-]{1,256}$`)

// ValidateAgentID checks an agent id.
func ValidateAgentID(id string) error {
	if id == "" {
		return invalid("agent_id", "is required")
	}
	if !agentIDRE.MatchString(id) {
		return invalid("agent_id", "must be 1-256 characters of letters, digits and _ . : @ -")
	}
	return nil
}

var agentNSRE = regexp.MustCompile(`^_agent_[a-zA-Z0-9_-]{1,120}$`)

// AgentNamespace returns the name of an agent's own namespace:
// "_agent_<agent_id>", or "_agent_h" + a hash of the id when the id holds
// characters a namespace name cannot (. : @) or is longer than 120.
func AgentNamespace(agentID string) (string, error) {
	if err := ValidateAgentID(agentID); err != nil {
		return "", err
	}
	name := AgentNamespacePrefix + agentID
	if !agentNSRE.MatchString(name) {
		sum := sha256.Sum256([]byte(agentID))
		name = AgentNamespacePrefix + "h" + hex.EncodeToString(sum[:16])
	}
	return name, nil
}

// NamespaceSpec creates or reconfigures a namespace.
type NamespaceSpec struct {
	Name        string
	Dimension   int    // zero = the embedder's dimension
	Distance    string // "" = cosine
	Description string
	Metadata    json.RawMessage
	// AllowReserved permits reserved names (the server's own agent namespaces).
	AllowReserved bool
}

func (s *Store) validateSpec(spec *NamespaceSpec) error {
	if spec.AllowReserved && strings.HasPrefix(spec.Name, AgentNamespacePrefix) {
		if !agentNSRE.MatchString(spec.Name) {
			return invalid("namespace", "must match ^_agent_[a-zA-Z0-9_-]{1,120}$")
		}
	} else if err := ValidateNamespaceName(spec.Name); err != nil {
		return err
	}
	if spec.Dimension < 0 || spec.Dimension > 4096 {
		return invalid("dimension", "must be between 1 and 4096")
	}
	if spec.Dimension != 0 && spec.Dimension < s.emb.Dimension() {
		// Smaller than the embedder: text cannot be embedded into it, but raw
		// vectors can. Allowed; text embedding answers DIMENSION_MISMATCH.
	}
	if spec.Distance == "" {
		spec.Distance = "cosine"
	}
	m, err := vector.ParseMetric(spec.Distance)
	if err != nil {
		return invalid("distance", "must be cosine, euclidean or dot_product")
	}
	spec.Distance = metricName(m)
	if len(spec.Metadata) > 0 && !isJSONObject(spec.Metadata) {
		return invalid("metadata", "must be a JSON object")
	}
	if len(spec.Description) > 1024 {
		return invalid("description", "must be at most 1024 bytes")
	}
	return nil
}

func metricName(m vector.Metric) string {
	switch m {
	case vector.Euclidean:
		return "euclidean"
	case vector.Dot:
		return "dot_product"
	}
	return "cosine"
}

// CreateNamespace creates a namespace; ErrConflict if the name is taken.
func (s *Store) CreateNamespace(ctx context.Context, org string, spec NamespaceSpec) (*NamespaceInfo, error) {
	info, created, err := s.PutNamespace(ctx, org, spec, false)
	if err == nil && !created {
		return nil, fmt.Errorf("%w: namespace %q already exists", ErrConflict, spec.Name)
	}
	return info, err
}

// PutNamespace creates the namespace or, when update is true and it exists,
// changes its description and metadata (dimension and distance are fixed at
// creation and must match if given).
func (s *Store) PutNamespace(ctx context.Context, org string, spec NamespaceSpec, update bool) (*NamespaceInfo, bool, error) {
	if err := s.validateSpec(&spec); err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false, ErrClosed
	}
	if id, ok := s.byName[org+"\x00"+spec.Name]; ok {
		rec := s.byID[id]
		if !update {
			return s.infoLocked(rec), false, nil
		}
		if spec.Dimension != 0 && spec.Dimension != rec.Dimension {
			return nil, false, fmt.Errorf("%w: namespace dimension is %d", ErrDimensionMismatch, rec.Dimension)
		}
		next := *rec
		if spec.Description != "" {
			next.Description = spec.Description
		}
		if len(spec.Metadata) > 0 {
			next.Metadata = spec.Metadata
		}
		if err := s.saveRecordLocked(ctx, &next); err != nil {
			return nil, false, err
		}
		return s.infoLocked(s.byID[id]), false, nil
	}
	dim := spec.Dimension
	if dim == 0 {
		dim = s.emb.Dimension()
	}
	id := newNSID()
	for s.byID[id] != nil {
		id = newNSID()
	}
	dek, err := seal.NewDEK(1)
	if err != nil {
		return nil, false, err
	}
	wrapped, err := s.master.Wrap(id[:], dek)
	if err != nil {
		return nil, false, err
	}
	rec := &nsRecord{
		ID: id, PublicID: newPublicID("ns_"), Name: spec.Name, OrgID: org,
		CreatedAt: s.now().Unix(), Dimension: dim, Distance: spec.Distance,
		Description: spec.Description, Metadata: spec.Metadata,
		Policy: DefaultPolicy(), Config: NamespaceConfig{ExtractEntities: true},
		WrappedKeys: [][]byte{wrapped},
	}
	if err := s.saveRecordLocked(ctx, rec); err != nil {
		return nil, false, err
	}
	return s.infoLocked(rec), true, nil
}

// saveRecordLocked persists rec and its name index and registers it.
func (s *Store) saveRecordLocked(ctx context.Context, rec *nsRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	key := sysKey('N', rec.ID[:])
	err = s.db.Update(ctx, func(tx storage.Txn) error {
		if err := tx.Set(key, s.sys.Seal(key, b)); err != nil {
			return err
		}
		return tx.Set(s.nameKey(rec.OrgID, rec.Name), rec.ID[:])
	})
	if err != nil {
		return storageErr(err)
	}
	s.register(rec)
	if e := s.engines[rec.ID]; e != nil {
		e.setRecord(rec)
	}
	return nil
}

func (s *Store) nameKey(org, name string) []byte {
	return sysKey('n', s.sys.Hash("ns-name", []byte(org+"\x00"+name)))
}

func (s *Store) infoLocked(rec *nsRecord) *NamespaceInfo {
	info := &NamespaceInfo{
		Namespace: rec.Name, NamespaceID: rec.PublicID, OrganizationID: rec.OrgID,
		Dimension: rec.Dimension, Distance: rec.Distance, Embedder: s.emb.ID(),
		CreatedAt: rec.CreatedAt, Description: rec.Description, Metadata: rec.Metadata,
	}
	if len(info.Metadata) == 0 {
		info.Metadata = json.RawMessage("{}")
	}
	if e := s.engines[rec.ID]; e != nil {
		info.MemoryCount, info.VectorCount = e.counts()
		info.Embedder = e.EmbedderID() // the namespace's own, when it has one
	} else {
		info.MemoryCount, info.VectorCount = -1, -1
	}
	return info
}

// lookup finds a namespace by name or public id within org.
func (s *Store) lookupLocked(org, nameOrID string) (*nsRecord, error) {
	if id, ok := s.byName[org+"\x00"+nameOrID]; ok {
		return s.byID[id], nil
	}
	if id, ok := s.byPublic[nameOrID]; ok && s.byID[id].OrgID == org {
		return s.byID[id], nil
	}
	return nil, ErrNamespaceNotFound
}

// ResolveName returns the name of the namespace given by name or public id.
func (s *Store) ResolveName(org, nameOrID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.lookupLocked(org, nameOrID)
	if err != nil {
		return "", err
	}
	return rec.Name, nil
}

// Namespace returns the description of a namespace, opening it to count.
func (s *Store) Namespace(ctx context.Context, org, name string) (*NamespaceInfo, error) {
	if _, err := s.Engine(ctx, org, name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.lookupLocked(org, name)
	if err != nil {
		return nil, err
	}
	return s.infoLocked(rec), nil
}

// Namespaces lists the names of org's namespaces, sorted.
func (s *Store) Namespaces(org string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, rec := range s.byID {
		if rec.OrgID == org {
			out = append(out, rec.Name)
		}
	}
	sort.Strings(out)
	return out
}

// DeleteNamespace crypto-shreds a namespace: its record (holding the wrapped
// data keys) is deleted first, then its rows, change log and indexes.
func (s *Store) DeleteNamespace(ctx context.Context, org, name string) error {
	e, err := s.Engine(ctx, org, name)
	if err != nil {
		return err
	}
	ids := e.allPublicIDs()
	s.mu.Lock()
	rec := s.byID[e.id]
	if rec == nil {
		s.mu.Unlock()
		return ErrNamespaceNotFound
	}
	err = s.db.Update(ctx, func(tx storage.Txn) error {
		if err := tx.Delete(sysKey('N', rec.ID[:])); err != nil {
			return err
		}
		return tx.Delete(s.nameKey(rec.OrgID, rec.Name))
	})
	if err != nil {
		s.mu.Unlock()
		return storageErr(err)
	}
	delete(s.byID, rec.ID)
	delete(s.byName, rec.OrgID+"\x00"+rec.Name)
	delete(s.byPublic, rec.PublicID)
	delete(s.engines, rec.ID)
	s.mu.Unlock()

	e.shred()
	_ = e.close(ctx)
	for start := 0; start < len(ids); start += 500 {
		end := min(start+500, len(ids))
		err := s.db.Update(ctx, func(tx storage.Txn) error {
			for _, k := range ids[start:end] {
				if err := tx.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return storageErr(err)
		}
	}
	if err := s.db.DeletePrefix(ctx, rec.ID[:]); err != nil {
		return storageErr(err)
	}
	return os.RemoveAll(s.textDir(rec.ID))
}

func (s *Store) textDir(id nsID) string { return filepath.Join(s.dir, "text", id.hex()) }

// Policy returns a namespace's memory policy.
func (s *Store) Policy(org, name string) (Policy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.lookupLocked(org, name)
	if err != nil {
		return Policy{}, err
	}
	return rec.Policy, nil
}

// UpdatePolicy merges a partial JSON policy into the namespace's policy.
func (s *Store) UpdatePolicy(ctx context.Context, org, name string, patch []byte) (Policy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.lookupLocked(org, name)
	if err != nil {
		return Policy{}, err
	}
	p, err := rec.Policy.Merge(patch)
	if err != nil {
		return Policy{}, err
	}
	next := *rec
	next.Policy = p
	if err := s.saveRecordLocked(ctx, &next); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Config returns a namespace's extraction configuration.
func (s *Store) Config(org, name string) (NamespaceConfig, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.lookupLocked(org, name)
	if err != nil {
		return NamespaceConfig{}, err
	}
	return shownConfig(rec.Config), nil
}

// UpdateConfig applies a partial JSON configuration.
func (s *Store) UpdateConfig(ctx context.Context, org, name string, patch []byte) (NamespaceConfig, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.lookupLocked(org, name)
	if err != nil {
		return NamespaceConfig{}, err
	}
	cfg := rec.Config
	cfg.Embedder = cfg.Embedder.clone() // a patch merges into a copy
	cfg.ExtractionModel = cfg.ExtractionModel.clone()
	if err := json.Unmarshal(patch, &cfg); err != nil {
		return NamespaceConfig{}, invalid("body", "malformed config: %s", jsonReason(err))
	}
	if len(cfg.EntityTypes) > 64 {
		return NamespaceConfig{}, invalid("entity_types", "at most 64 types")
	}
	if err := checkExtractionModelPatch(rec.Config.ExtractionModel, cfg.ExtractionModel, patch); err != nil {
		return NamespaceConfig{}, err
	}
	next := *rec
	next.Config = cfg
	var probe struct {
		Embedder json.RawMessage `json:"embedder"`
	}
	_ = json.Unmarshal(patch, &probe)
	if len(probe.Embedder) > 0 {
		if cfg.Embedder != nil {
			cfg.Embedder.APIKeySet = false
		}
		if err := s.applyEmbedderChangeLocked(ctx, rec, &next); err != nil {
			return NamespaceConfig{}, err
		}
		return shownConfig(cfg), nil
	}
	if err := s.saveRecordLocked(ctx, &next); err != nil {
		return NamespaceConfig{}, err
	}
	return shownConfig(cfg), nil
}

// Engine returns the open engine of a namespace, opening it if needed.
func (s *Store) Engine(ctx context.Context, org, name string) (*Engine, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	rec, err := s.lookupLocked(org, name)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	return s.engineLocked(ctx, rec)
}

// engineLocked is called with s.mu held and releases it.
func (s *Store) engineLocked(ctx context.Context, rec *nsRecord) (*Engine, error) {
	if e := s.engines[rec.ID]; e != nil {
		s.lastUse[rec.ID] = s.now()
		s.mu.Unlock()
		return e, e.waitOpen(ctx)
	}
	e := newEngine(s, rec)
	s.engines[rec.ID] = e
	s.lastUse[rec.ID] = s.now()
	s.mu.Unlock()
	e.open(ctx)
	if err := e.waitOpen(ctx); err != nil {
		s.mu.Lock()
		if s.engines[rec.ID] == e {
			delete(s.engines, rec.ID)
		}
		s.mu.Unlock()
		return nil, err
	}
	return e, nil
}

// idleGrace is how long an engine stays open after its last use even when
// more than MaxOpenNamespaces are open, so a request that holds an engine
// is not cut off by an eviction.
const idleGrace = time.Minute

// closeIdle closes the least recently used engines beyond
// MaxOpenNamespaces that have been idle for at least idleGrace.
func (s *Store) closeIdle(ctx context.Context) int {
	s.mu.Lock()
	var evict []*Engine
	type use struct {
		id nsID
		at time.Time
	}
	if over := len(s.engines) - s.opts.MaxOpenNamespaces; over > 0 {
		uses := make([]use, 0, len(s.engines))
		for id := range s.engines {
			uses = append(uses, use{id, s.lastUse[id]})
		}
		sort.Slice(uses, func(i, j int) bool { return uses[i].at.Before(uses[j].at) })
		cutoff := s.now().Add(-idleGrace)
		for _, u := range uses[:over] {
			if u.at.After(cutoff) {
				break
			}
			evict = append(evict, s.engines[u.id])
			delete(s.engines, u.id)
			delete(s.lastUse, u.id)
		}
	}
	s.mu.Unlock()
	for _, e := range evict {
		if err := e.close(ctx); err != nil {
			s.log.Warn("close idle namespace", "ns", e.rec.PublicID, "err", err)
		}
	}
	return len(evict)
}

// EnsureNamespace returns the engine of org's namespace name, creating the
// namespace when create is true and it does not exist.
func (s *Store) EnsureNamespace(ctx context.Context, org, name string, create bool) (*Engine, error) {
	e, err := s.Engine(ctx, org, name)
	if !errors.Is(err, ErrNamespaceNotFound) || !create {
		return e, err
	}
	if _, _, err := s.PutNamespace(ctx, org, NamespaceSpec{Name: name, AllowReserved: true}, false); err != nil {
		return nil, err
	}
	return s.Engine(ctx, org, name)
}

func isJSONObject(b []byte) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

func storageErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNoSpace), errors.Is(err, storage.ErrClosed):
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	case errors.Is(err, storage.ErrConflict):
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}
