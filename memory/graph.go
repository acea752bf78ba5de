package memory

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/engramhq/engram/graph"
	"github.com/engramhq/engram/memory/storage"
)

// The knowledge graph of a namespace: entities extracted from its memories
// (nsID 'e' rows), typed temporal relations between them ('r' rows) and
// explicit memory links ('l' rows), all sealed like memories. The engine
// keeps the graph decoded in memory (guarded by e.mu) beside a resolver
// that maps new mentions to known entities.
const (
	kindEntity   = 'e'
	kindRelation = 'r'
	kindLink     = 'l'
)

// Entity is a node of a namespace's knowledge graph (API.md Entity).
type Entity struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Aliases      []string `json:"aliases"`
	MentionCount int      `json:"mention_count"`
	FirstSeen    int64    `json:"first_seen"`
	LastSeen     int64    `json:"last_seen"`
	Key          uint64   `json:"k"`
	Canonical    string   `json:"canonical"`
}

// Relation is a typed, time-bounded edge between two entities (API.md
// Relation); Source and Target are entity ids.
type Relation struct {
	ID              string   `json:"id"`
	Source          string   `json:"source"`
	Target          string   `json:"target"`
	Relation        string   `json:"relation"`
	Weight          float64  `json:"weight"`
	ValidFrom       int64    `json:"valid_from"`
	ValidTo         *int64   `json:"valid_to,omitempty"`
	SourceMemoryIDs []string `json:"source_memory_ids"`
	// Support counts the memories (or manual writes) that stated the fact;
	// SourceMemoryIDs keeps only the most recent maxRelationSources of them.
	Support   int    `json:"support"`
	CreatedAt int64  `json:"created_at"`
	Key       uint64 `json:"k"`
}

// maxRelationSources bounds the memory ids a relation row lists, so a fact
// stated by thousands of memories (two speakers co-occurring in every turn)
// keeps a small row. A fact with one supporter always lists it, so
// forgetting that memory drops the fact.
const maxRelationSources = 16

// support returns the relation's supporter count (rows written before the
// count existed have only their id list).
func (r *Relation) support() int {
	if r.Support > 0 {
		return r.Support
	}
	return len(r.SourceMemoryIDs)
}

// Link is an explicit memory-to-memory edge (linked_by and friends).
type Link struct {
	ID        string  `json:"id"`
	SourceID  string  `json:"source_id"`
	TargetID  string  `json:"target_id"`
	EdgeType  string  `json:"edge_type"`
	Weight    float64 `json:"weight"`
	CreatedAt int64   `json:"created_at"`
	Key       uint64  `json:"k"`
}

// kg is the decoded graph of one namespace; guarded by Engine.mu.
type kg struct {
	resolver *graph.Resolver
	ents     map[string]*Entity         // id → entity
	byName   map[string]string          // canonical name or alias → id
	mentions map[string]map[uint64]bool // entity id → memory keys
	rels     map[string]*Relation       // id → relation
	relsOf   map[string]map[string]bool // entity id → relation ids
	triples  map[string]string          // tripleKey → relation id
	links    map[string]*Link           // id → link
	linksOf  map[string]map[string]bool // memory id → link ids
}

func newKG() *kg {
	return &kg{
		resolver: graph.NewResolver(&graph.ResolverOptions{NewID: func(graph.Mention) string { return newPublicID("ent_") }}),
		ents:     map[string]*Entity{}, byName: map[string]string{}, mentions: map[string]map[uint64]bool{},
		rels: map[string]*Relation{}, relsOf: map[string]map[string]bool{}, triples: map[string]string{},
		links: map[string]*Link{}, linksOf: map[string]map[string]bool{},
	}
}

func (g *kg) addEntity(en *Entity) {
	g.ents[en.ID] = en
	g.byName[en.Canonical] = en.ID
	for _, a := range en.Aliases {
		if _, ok := g.byName[a]; !ok {
			g.byName[a] = en.ID
		}
	}
}

func (g *kg) addRelation(r *Relation) {
	g.rels[r.ID] = r
	g.triples[tripleKey(r.Source, r.Relation, r.Target)] = r.ID
	for _, id := range []string{r.Source, r.Target} {
		if g.relsOf[id] == nil {
			g.relsOf[id] = map[string]bool{}
		}
		g.relsOf[id][r.ID] = true
	}
}

func (g *kg) removeRelation(id string) {
	if r := g.rels[id]; r != nil {
		if k := tripleKey(r.Source, r.Relation, r.Target); g.triples[k] == id {
			delete(g.triples, k)
		}
		delete(g.relsOf[r.Source], id)
		delete(g.relsOf[r.Target], id)
		delete(g.rels, id)
	}
}

func (g *kg) addLink(l *Link) {
	g.links[l.ID] = l
	for _, id := range []string{l.SourceID, l.TargetID} {
		if g.linksOf[id] == nil {
			g.linksOf[id] = map[string]bool{}
		}
		g.linksOf[id][l.ID] = true
	}
}

func (g *kg) mention(entID string, key uint64) {
	if g.mentions[entID] == nil {
		g.mentions[entID] = map[uint64]bool{}
	}
	g.mentions[entID][key] = true
}

// loadGraph decodes the namespace's graph rows; called by load.
func (e *Engine) loadGraph(tx storage.Txn, sealOpen func(k, v []byte, into any) error, mems map[uint64]*record) (*kg, error) {
	g := newKG()
	err := tx.Scan(rowPrefix(e.id, kindEntity), nil, false, func(k, v []byte) error {
		var en Entity
		if err := sealOpen(k, v, &en); err != nil {
			return err
		}
		g.addEntity(&en)
		g.resolver.Add(graph.Entity{ID: en.ID, Name: en.Name, Canonical: en.Canonical, Type: en.Type, Aliases: en.Aliases})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = tx.Scan(rowPrefix(e.id, kindRelation), nil, false, func(k, v []byte) error {
		var r Relation
		if err := sealOpen(k, v, &r); err != nil {
			return err
		}
		g.addRelation(&r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = tx.Scan(rowPrefix(e.id, kindLink), nil, false, func(k, v []byte) error {
		var l Link
		if err := sealOpen(k, v, &l); err != nil {
			return err
		}
		g.addLink(&l)
		return nil
	})
	for key, r := range mems {
		for _, ref := range r.Entities {
			g.mention(ref.ID, key)
		}
	}
	return g, err
}

// graphDelta is what one write changes in the graph, persisted in the
// write's transaction and applied to the in-memory graph after commit.
type graphDelta struct {
	ents    map[string]*Entity
	delEnts []string
	rels    map[string]*Relation
	delRels []string
	triples map[string]string // triple key → id of rows this delta created
}

func newGraphDelta() *graphDelta {
	return &graphDelta{ents: map[string]*Entity{}, rels: map[string]*Relation{}, triples: map[string]string{}}
}

// entity returns the working copy of an entity in the delta.
func (d *graphDelta) entity(g *kg, id string) *Entity {
	if en := d.ents[id]; en != nil {
		return en
	}
	if en := g.ents[id]; en != nil {
		c := *en
		c.Aliases = append([]string(nil), en.Aliases...)
		d.ents[id] = &c
		return &c
	}
	return nil
}

func (d *graphDelta) relation(g *kg, id string) *Relation {
	if r := d.rels[id]; r != nil {
		return r
	}
	if r := g.rels[id]; r != nil {
		c := *r
		c.SourceMemoryIDs = append([]string(nil), r.SourceMemoryIDs...)
		d.rels[id] = &c
		return &c
	}
	return nil
}

// maxCoOccurring bounds the entities of one memory paired by co_occurs.
const maxCoOccurring = 6

// extractInto runs extraction on r (with writeMu held), resolves its
// mentions to entities, records relations, and sets r.Entities.
func (e *Engine) extractInto(r *record, cfg NamespaceConfig, d *graphDelta) {
	if !cfg.ExtractEntities {
		r.Entities = []EntityRef{}
		return
	}
	ext := graph.Extract(r.Content, graph.ExtractOptions{Types: cfg.EntityTypes})
	e.mu.RLock()
	g := e.kg
	e.mu.RUnlock()
	refs := []EntityRef{}
	seen := map[string]bool{}
	byCanon := map[string]string{}
	resolve := func(name, canon, typ string) string {
		m := graph.Mention{Name: name, Canonical: canon, Type: typ}
		id, _ := g.resolver.Resolve(m)
		if id == "" {
			return ""
		}
		en := d.entity(g, id)
		if en == nil {
			en = &Entity{ID: id, Name: name, Type: typ, Aliases: []string{}, Key: randomUint64(),
				Canonical: graph.Normalize(name), FirstSeen: r.CreatedAt}
			d.ents[id] = en
		}
		if c := graph.Normalize(name); c != en.Canonical && !contains(en.Aliases, c) && len(en.Aliases) < 32 {
			en.Aliases = append(en.Aliases, c)
		}
		return id
	}
	for _, m := range ext.Entities {
		id := resolve(m.Name, m.Canonical, m.Type)
		if id == "" {
			continue
		}
		byCanon[m.Canonical] = id
		if seen[id] {
			continue
		}
		seen[id] = true
		en := d.entity(g, id)
		en.MentionCount++
		en.FirstSeen = min(en.FirstSeen, r.CreatedAt)
		en.LastSeen = max(en.LastSeen, r.CreatedAt)
		refs = append(refs, EntityRef{ID: id, Name: en.Name, Type: en.Type})
	}
	r.Entities = refs
	r.RelIDs = []string{}
	coOccurs := 0
	for _, f := range ext.Relations {
		if f.Relation == graph.RelCoOccurs {
			if coOccurs++; coOccurs > maxCoOccurring*(maxCoOccurring-1)/2 {
				continue
			}
		}
		src, dst := byCanon[f.Source], byCanon[f.Target]
		if src == "" {
			src = resolve(f.Source, f.Source, graph.TypePerson)
		}
		if dst == "" {
			dst = resolve(f.Target, f.Target, "")
		}
		if src == "" || dst == "" || src == dst {
			continue
		}
		rowID := e.applyFact(g, d, graph.Relation{
			ID: newPublicID("rel_"), Source: src, Target: dst, Relation: f.Relation, Weight: 1,
			ValidFrom: time.Unix(r.CreatedAt, 0).UTC(), SourceMemoryIDs: []string{r.ID},
			CreatedAt: e.s.now().UTC().Truncate(time.Second),
		})
		if rowID != "" && !contains(r.RelIDs, rowID) {
			r.RelIDs = append(r.RelIDs, rowID)
		}
	}
}

// applyFact merges one relation fact into the delta: the same triple gains
// a source memory, a contradicting exclusive fact ends the old one. It
// returns the id of the row that now holds the fact (new or merged into).
func (e *Engine) applyFact(g *kg, d *graphDelta, fact graph.Relation) string {
	var existing []graph.Relation
	prevLen := map[string]int{}
	for _, id := range factCandidates(g, d, fact) {
		if r := d.relation(g, id); r != nil {
			existing = append(existing, toGraphRelation(r))
			prevLen[id] = len(r.SourceMemoryIDs)
		}
	}
	sort.Slice(existing, func(i, j int) bool { return existing[i].ID < existing[j].ID })
	updated, _ := graph.Apply(existing, fact)
	for _, u := range updated {
		cur := d.relation(g, u.ID)
		if cur == nil {
			cur = &Relation{ID: u.ID, Key: randomUint64()}
			d.rels[u.ID] = cur
		}
		support := cur.support() + max(0, len(u.SourceMemoryIDs)-prevLen[u.ID])
		fromGraphRelation(cur, u)
		cur.Support = support
		d.triples[tripleKey(cur.Source, cur.Relation, cur.Target)] = cur.ID
		if n := len(cur.SourceMemoryIDs); n > maxRelationSources {
			cur.SourceMemoryIDs = cur.SourceMemoryIDs[n-maxRelationSources:]
		}
	}
	if len(updated) == 0 {
		return ""
	}
	return updated[0].ID // Apply puts the fact's row first
}

// factCandidates returns the ids of the rows graph.Apply must see for
// fact, touching (and so rewriting) no other row: for an exclusive relation
// every row of that relation at the fact's source (or either end when
// symmetric), else only the row of the same triple.
func factCandidates(g *kg, d *graphDelta, fact graph.Relation) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sym := graph.IsSymmetric(fact.Relation)
	if !graph.IsExclusive(fact.Relation) {
		keys := []string{tripleKey(fact.Source, fact.Relation, fact.Target)}
		if sym {
			keys = append(keys, tripleKey(fact.Target, fact.Relation, fact.Source))
		}
		for _, k := range keys {
			if id := d.triples[k]; id != "" {
				add(id)
			} else {
				add(g.triples[k])
			}
		}
		return out
	}
	ends := []string{fact.Source}
	if sym {
		ends = append(ends, fact.Target)
	}
	current := func(id string) *Relation {
		if r := d.rels[id]; r != nil {
			return r
		}
		return g.rels[id]
	}
	for _, end := range ends {
		for id := range g.relsOf[end] {
			if r := current(id); r != nil && r.Relation == fact.Relation {
				add(id)
			}
		}
	}
	for id, r := range d.rels {
		if r.Relation == fact.Relation && (contains(ends, r.Source) || contains(ends, r.Target)) {
			add(id)
		}
	}
	sort.Strings(out)
	return out
}

func tripleKey(src, rel, dst string) string { return src + "\x00" + rel + "\x00" + dst }

func toGraphRelation(r *Relation) graph.Relation {
	gr := graph.Relation{ID: r.ID, Source: r.Source, Target: r.Target, Relation: r.Relation, Weight: r.Weight,
		ValidFrom: time.Unix(r.ValidFrom, 0).UTC(), SourceMemoryIDs: append([]string(nil), r.SourceMemoryIDs...),
		CreatedAt: time.Unix(r.CreatedAt, 0).UTC()}
	if r.ValidTo != nil {
		gr.ValidTo = time.Unix(*r.ValidTo, 0).UTC()
	}
	return gr
}

func fromGraphRelation(r *Relation, u graph.Relation) {
	r.Source, r.Target, r.Relation, r.Weight = u.Source, u.Target, u.Relation, u.Weight
	r.ValidFrom, r.CreatedAt = u.ValidFrom.Unix(), u.CreatedAt.Unix()
	r.SourceMemoryIDs = u.SourceMemoryIDs
	r.ValidTo = nil
	if !u.ValidTo.IsZero() {
		v := u.ValidTo.Unix()
		r.ValidTo = &v
	}
}

// unmention removes a memory's mentions and the relations only it
// supported from the delta (on forget, and before an update re-extracts).
func (e *Engine) unmention(old *record, d *graphDelta) {
	e.mu.RLock()
	g := e.kg
	e.mu.RUnlock()
	release := func(relID string) {
		r := d.relation(g, relID)
		if r == nil {
			return
		}
		r.Support = r.support() - 1
		r.SourceMemoryIDs = without(r.SourceMemoryIDs, old.ID)
		if r.Support <= 0 {
			r.Support = 0
			d.delRels = append(d.delRels, relID)
		}
	}
	for _, relID := range old.RelIDs {
		release(relID)
	}
	for _, ref := range old.Entities {
		en := d.entity(g, ref.ID)
		if en == nil {
			continue
		}
		en.MentionCount--
		if en.MentionCount <= 0 {
			d.delEnts = append(d.delEnts, en.ID)
		}
		if old.RelIDs != nil {
			continue
		}
		// A memory stored before RelIDs existed: its relations are those
		// listing it among their sources.
		for relID := range g.relsOf[ref.ID] {
			if r := d.relation(g, relID); r != nil && contains(r.SourceMemoryIDs, old.ID) {
				release(relID)
			}
		}
	}
}

func without(xs []string, x string) []string {
	out := xs[:0:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// persist writes the delta in tx.
func (d *graphDelta) persist(e *Engine, tx storage.Txn) error {
	dead := map[string]bool{}
	for _, id := range d.delEnts {
		if en := d.ents[id]; en != nil && en.MentionCount <= 0 {
			dead[id] = true
			if err := tx.Delete(rowKey(e.id, kindEntity, en.Key)); err != nil {
				return err
			}
		}
	}
	for id, en := range d.ents {
		if dead[id] {
			continue
		}
		k := rowKey(e.id, kindEntity, en.Key)
		b, err := sealJSON(e.sealer, k, en)
		if err != nil {
			return err
		}
		if err := tx.Set(k, b); err != nil {
			return err
		}
	}
	deadRel := map[string]bool{}
	for _, id := range d.delRels {
		if r := d.rels[id]; r != nil && r.Support <= 0 && len(r.SourceMemoryIDs) == 0 {
			deadRel[id] = true
			if err := tx.Delete(rowKey(e.id, kindRelation, r.Key)); err != nil {
				return err
			}
		}
	}
	for id, r := range d.rels {
		if deadRel[id] || dead[r.Source] || dead[r.Target] {
			if !deadRel[id] {
				deadRel[id] = true
				if err := tx.Delete(rowKey(e.id, kindRelation, r.Key)); err != nil {
					return err
				}
			}
			continue
		}
		k := rowKey(e.id, kindRelation, r.Key)
		b, err := sealJSON(e.sealer, k, r)
		if err != nil {
			return err
		}
		if err := tx.Set(k, b); err != nil {
			return err
		}
	}
	d.delEnts, d.delRels = d.delEnts[:0], d.delRels[:0]
	for id := range dead {
		d.delEnts = append(d.delEnts, id)
	}
	for id := range deadRel {
		d.delRels = append(d.delRels, id)
	}
	return nil
}

// applyGraph applies a committed delta and the mentions of recs to the
// in-memory graph; e.mu must be held for writing.
func (e *Engine) applyGraphLocked(d *graphDelta, added, removed []*record) {
	g := e.kg
	for _, r := range removed {
		for _, ref := range r.Entities {
			delete(g.mentions[ref.ID], r.Key)
		}
	}
	for _, id := range d.delEnts {
		if en := g.ents[id]; en != nil {
			if g.byName[en.Canonical] == id {
				delete(g.byName, en.Canonical)
			}
			for _, a := range en.Aliases {
				if g.byName[a] == id {
					delete(g.byName, a)
				}
			}
			delete(g.ents, id)
			delete(g.mentions, id)
		}
	}
	dead := map[string]bool{}
	for _, id := range d.delEnts {
		dead[id] = true
	}
	for id, en := range d.ents {
		if !dead[id] {
			g.addEntity(en)
		}
	}
	for _, id := range d.delRels {
		g.removeRelation(id)
	}
	deadRel := map[string]bool{}
	for _, id := range d.delRels {
		deadRel[id] = true
	}
	for id, r := range d.rels {
		if !deadRel[id] {
			g.addRelation(r)
		}
	}
	for _, r := range added {
		for _, ref := range r.Entities {
			g.mention(ref.ID, r.Key)
		}
	}
}

// graphCandidates returns memories that mention entities named in the
// query, scored by inverse mention frequency (an entity mentioned by few
// memories says more), best first.
func (e *Engine) graphCandidates(query string, keep func(uint64) bool, n int) []scoredKey {
	ext := graph.Extract(query, graph.ExtractOptions{})
	e.mu.RLock()
	g := e.kg
	total := float64(len(e.mems))
	scores := map[uint64]float64{}
	for _, m := range ext.Entities {
		id := g.byName[m.Canonical]
		if id == "" {
			continue
		}
		ms := g.mentions[id]
		if len(ms) == 0 {
			continue
		}
		idf := math.Log(1 + total/float64(len(ms)))
		for k := range ms {
			scores[k] += idf
		}
	}
	out := make([]scoredKey, 0, len(scores))
	for k, s := range scores {
		if keep(k) { // keep reads e.mems: e.mu is held
			out = append(out, scoredKey{k, s})
		}
	}
	e.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].key < out[j].key
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

type scoredKey struct {
	key   uint64
	score float64
}

// Entities lists the namespace's entities whose name or alias contains q
// (case-insensitive) and whose type is typ (either may be empty), most
// mentioned first, with the total that matched.
func (e *Engine) Entities(q, typ string, limit int) ([]Entity, int) {
	q = strings.ToLower(strings.TrimSpace(q))
	e.mu.RLock()
	var out []Entity
	for _, en := range e.kg.ents {
		if typ != "" && en.Type != typ {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(en.Name), q) && !containsSub(en.Aliases, q) {
			continue
		}
		c := *en
		c.MentionCount = len(e.kg.mentions[en.ID])
		out = append(out, c)
	}
	e.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].MentionCount != out[j].MentionCount {
			return out[i].MentionCount > out[j].MentionCount
		}
		return out[i].ID < out[j].ID
	})
	total := len(out)
	return page(out, limit, 0), total
}

func containsSub(xs []string, q string) bool {
	for _, x := range xs {
		if strings.Contains(x, q) {
			return true
		}
	}
	return false
}

// EntityDetail is an entity with its relations and the memories that
// mention it.
type EntityDetail struct {
	Entity
	Relations []Relation `json:"relations"`
	Memories  []*Memory  `json:"memories"`
}

// Entity returns one entity by id or (normalized) name.
func (e *Engine) Entity(idOrName string) (*EntityDetail, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	g := e.kg
	en := g.ents[idOrName]
	if en == nil {
		en = g.ents[g.byName[graph.Normalize(idOrName)]]
	}
	if en == nil {
		return nil, ErrNotFound
	}
	d := &EntityDetail{Entity: *en, Relations: []Relation{}, Memories: []*Memory{}}
	d.MentionCount = len(g.mentions[en.ID])
	for id := range g.relsOf[en.ID] {
		d.Relations = append(d.Relations, *g.rels[id])
	}
	sort.Slice(d.Relations, func(i, j int) bool { return d.Relations[i].ID < d.Relations[j].ID })
	for k := range g.mentions[en.ID] {
		if r := e.mems[k]; r != nil {
			m := r.Memory
			d.Memories = append(d.Memories, &m)
		}
	}
	sort.Slice(d.Memories, func(i, j int) bool { return d.Memories[i].CreatedAt > d.Memories[j].CreatedAt })
	if len(d.Memories) > 100 {
		d.Memories = d.Memories[:100]
	}
	return d, nil
}

// Relations lists relations, optionally of one entity (id or name) and one
// relation type, valid at asOf when given.
func (e *Engine) Relations(entity, relation string, asOf *time.Time) ([]Relation, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	g := e.kg
	var ids []string
	if entity != "" {
		id := entity
		if g.ents[id] == nil {
			id = g.byName[graph.Normalize(entity)]
		}
		if id == "" {
			return nil, ErrNotFound
		}
		for rid := range g.relsOf[id] {
			ids = append(ids, rid)
		}
	} else {
		for rid := range g.rels {
			ids = append(ids, rid)
		}
	}
	out := []Relation{}
	for _, id := range ids {
		r := g.rels[id]
		if relation != "" && r.Relation != relation {
			continue
		}
		if asOf != nil && !validAt(r, asOf.Unix()) {
			continue
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ValidFrom != out[j].ValidFrom {
			return out[i].ValidFrom < out[j].ValidFrom
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func validAt(r *Relation, t int64) bool {
	return r.ValidFrom <= t && (r.ValidTo == nil || t < *r.ValidTo)
}

// RelationInput writes a relation directly.
type RelationInput struct {
	Source    string   `json:"source"`
	Target    string   `json:"target"`
	Relation  string   `json:"relation"`
	ValidFrom *int64   `json:"valid_from"`
	ValidTo   *int64   `json:"valid_to"`
	Weight    *float64 `json:"weight"`
}

// AddRelation writes a relation between two entities named by id or name
// (created as concept entities when unknown), with the same temporal rules
// as extracted facts.
func (e *Engine) AddRelation(ctx context.Context, in RelationInput) (*Relation, error) {
	for field, v := range map[string]string{"source": in.Source, "target": in.Target, "relation": in.Relation} {
		if strings.TrimSpace(v) == "" || len(v) > 256 {
			return nil, invalid(field, "is required (at most 256 bytes)")
		}
	}
	rel := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(in.Relation), " ", "_"))
	if in.Weight != nil && (*in.Weight < 0 || *in.Weight > 1000) {
		return nil, invalid("weight", "must be between 0 and 1000")
	}
	if in.ValidFrom != nil && in.ValidTo != nil && *in.ValidTo < *in.ValidFrom {
		return nil, invalid("valid_to", "must not be before valid_from")
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	now := e.s.now().Unix()
	d := newGraphDelta()
	e.mu.RLock()
	g := e.kg
	e.mu.RUnlock()
	ent := func(s string) string {
		e.mu.RLock()
		known := g.ents[s] != nil
		e.mu.RUnlock()
		if known {
			return s
		}
		id, _ := g.resolver.Resolve(graph.Mention{Name: s, Canonical: graph.Normalize(s), Type: graph.TypeConcept})
		if id == "" {
			return ""
		}
		if d.entity(g, id) == nil {
			d.ents[id] = &Entity{ID: id, Name: s, Type: graph.TypeConcept, Aliases: []string{}, Key: randomUint64(),
				Canonical: graph.Normalize(s), FirstSeen: now, LastSeen: now, MentionCount: 0}
		}
		return id
	}
	src, dst := ent(in.Source), ent(in.Target)
	if src == "" || dst == "" {
		return nil, invalid("source", "names must contain letters or digits")
	}
	from := now
	if in.ValidFrom != nil {
		from = *in.ValidFrom
	}
	w := 1.0
	if in.Weight != nil {
		w = *in.Weight
	}
	fact := graph.Relation{ID: newPublicID("rel_"), Source: src, Target: dst, Relation: rel, Weight: w,
		ValidFrom: time.Unix(from, 0).UTC(), SourceMemoryIDs: []string{"manual"}, CreatedAt: time.Unix(now, 0).UTC()}
	if in.ValidTo != nil {
		fact.ValidTo = time.Unix(*in.ValidTo, 0).UTC()
	}
	rowID := e.applyFact(g, d, fact)
	err := e.s.db.Update(ctx, func(tx storage.Txn) error { return d.persist(e, tx) })
	if err != nil {
		return nil, storageErr(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.applyGraphLocked(d, nil, nil)
	r := e.kg.rels[rowID]
	if r == nil {
		return nil, fmt.Errorf("memory: relation row %q missing after write", rowID)
	}
	c := *r
	return &c, nil
}

// GraphNeighbors adapts the entity graph to graph.Traverse: nodes are
// entity ids, edges are relations (valid at asOf when given).
func (e *Engine) entityNeighbors(asOf *time.Time) graph.Neighbors {
	return graph.NeighborsFunc(func(ctx context.Context, id string) ([]graph.Edge, error) {
		e.mu.RLock()
		defer e.mu.RUnlock()
		var out []graph.Edge
		for rid := range e.kg.relsOf[id] {
			r := e.kg.rels[rid]
			if asOf != nil && !validAt(r, asOf.Unix()) {
				continue
			}
			out = append(out, toGraphRelation(r).Edge())
		}
		return out, nil
	})
}

// TraverseResult is the part of the entity graph reached by a traversal.
type TraverseResult struct {
	Entities  []Entity   `json:"entities"`
	Relations []Relation `json:"relations"`
	Memories  []*Memory  `json:"memories"`
}

// Traverse walks the entity graph from start (ids or names) up to depth
// hops over relations (of the given types, valid at asOf when set).
func (e *Engine) Traverse(ctx context.Context, start []string, depth int, relations []string, asOf *time.Time, limit int) (*TraverseResult, error) {
	if len(start) == 0 || len(start) > 100 {
		return nil, invalid("start", "1 to 100 entity ids or names")
	}
	if depth < 0 || depth > 6 {
		return nil, invalid("depth", "must be between 0 and 6")
	}
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	e.mu.RLock()
	var ids []string
	for _, s := range start {
		if e.kg.ents[s] != nil {
			ids = append(ids, s)
		} else if id := e.kg.byName[graph.Normalize(s)]; id != "" {
			ids = append(ids, id)
		}
	}
	e.mu.RUnlock()
	res := &TraverseResult{Entities: []Entity{}, Relations: []Relation{}, Memories: []*Memory{}}
	if len(ids) == 0 {
		return res, nil
	}
	allow := func(ed graph.Edge) bool { return len(relations) == 0 || contains(relations, ed.Type) }
	nodes, edges, err := graph.Traverse(ctx, e.entityNeighbors(asOf), ids, depth, limit, allow)
	if err != nil {
		return nil, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	seenMem := map[uint64]bool{}
	for id := range nodes {
		if en := e.kg.ents[id]; en != nil {
			c := *en
			c.MentionCount = len(e.kg.mentions[id])
			res.Entities = append(res.Entities, c)
			for k := range e.kg.mentions[id] {
				if !seenMem[k] && len(res.Memories) < limit {
					if r := e.mems[k]; r != nil {
						seenMem[k] = true
						m := r.Memory
						res.Memories = append(res.Memories, &m)
					}
				}
			}
		}
	}
	for _, ed := range edges {
		if r := e.kg.rels[ed.ID]; r != nil {
			res.Relations = append(res.Relations, *r)
		}
	}
	sort.Slice(res.Entities, func(i, j int) bool { return res.Entities[i].ID < res.Entities[j].ID })
	sort.Slice(res.Memories, func(i, j int) bool { return res.Memories[i].ID < res.Memories[j].ID })
	return res, nil
}

// errNoGraph is returned when the graph is asked about an unknown node.
var errNoGraph = fmt.Errorf("%w: no such graph node", ErrNotFound)

func (g *kg) removeLink(id string) {
	if l := g.links[id]; l != nil {
		delete(g.linksOf[l.SourceID], id)
		delete(g.linksOf[l.TargetID], id)
		delete(g.links, id)
	}
}

// linksOfMemories returns the explicit links touching any of recs.
func (e *Engine) linksOfMemories(recs []*record) []*Link {
	e.mu.RLock()
	defer e.mu.RUnlock()
	seen := map[string]bool{}
	var out []*Link
	for _, r := range recs {
		for id := range e.kg.linksOf[r.ID] {
			if !seen[id] {
				seen[id] = true
				out = append(out, e.kg.links[id])
			}
		}
	}
	return out
}

// Link types of the memory graph (API.md GraphEdge).
const (
	EdgeRelatedTo    = "related_to"
	EdgeSharesEntity = "shares_entity"
	EdgePrecedes     = "precedes"
	EdgeLinkedBy     = "linked_by"
)

// AddLink records an explicit edge between two memories of the namespace.
func (e *Engine) AddLink(ctx context.Context, sourceID, targetID, edgeType string) (*Link, error) {
	if edgeType == "" {
		edgeType = EdgeLinkedBy
	}
	switch edgeType {
	case EdgeRelatedTo, EdgeSharesEntity, EdgePrecedes, EdgeLinkedBy:
	default:
		return nil, invalid("edge_type", "must be related_to, shares_entity, precedes or linked_by")
	}
	if sourceID == targetID {
		return nil, invalid("target_id", "must differ from the source memory")
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	for _, id := range []string{sourceID, targetID} {
		if _, err := e.Get(ctx, id); err != nil {
			if id == targetID {
				return nil, invalid("target_id", "no such memory in this namespace")
			}
			return nil, err
		}
	}
	l := &Link{ID: newPublicID("edge_"), SourceID: sourceID, TargetID: targetID, EdgeType: edgeType,
		Weight: 1, CreatedAt: e.s.now().Unix(), Key: randomUint64()}
	k := rowKey(e.id, kindLink, l.Key)
	b, err := sealJSON(e.sealer, k, l)
	if err != nil {
		return nil, err
	}
	if err := e.s.db.Update(ctx, func(tx storage.Txn) error { return tx.Set(k, b) }); err != nil {
		return nil, storageErr(err)
	}
	e.mu.Lock()
	e.kg.addLink(l)
	e.mu.Unlock()
	return l, nil
}
