package memory

import (
	"context"
	"time"

	"github.com/engramhq/engram/graph"
	"github.com/engramhq/engram/graph/llm"
	"github.com/engramhq/engram/memory/storage"
)

// mergeModelExtraction merges the model's answer for memory key, if it
// still has change sequence seq, into the graph with the memory as source
// (llmextract.go). It takes writeMu.
func (e *Engine) mergeModelExtraction(ctx context.Context, key, seq uint64, res *llm.Result) (llmOutcome, error) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	e.mu.RLock()
	cur := e.mems[key]
	sealer, shredded, closed := e.sealer, e.shredded, e.text == nil
	e.mu.RUnlock()
	if cur == nil || cur.Seq != seq || shredded || closed {
		return llmOutcome{}, nil
	}
	r := *cur
	r.Entities = append([]EntityRef{}, cur.Entities...)
	r.RelIDs = e.relIDsOf(cur)
	d := newGraphDelta()
	ents, rels := e.mergeModelInto(&r, res, d)
	if len(d.ents) == 0 && len(d.rels) == 0 {
		return llmOutcome{merged: true}, nil // nothing new
	}
	err := e.s.db.Update(ctx, func(tx storage.Txn) error {
		if err := d.persist(e, tx); err != nil {
			return err
		}
		mk := rowKey(e.id, kindMemory, r.Key)
		b, err := sealJSON(sealer, mk, &r)
		if err != nil {
			return err
		}
		return tx.Set(mk, b)
	})
	if err != nil {
		return llmOutcome{}, storageErr(err)
	}
	e.mu.Lock()
	e.applyGraphLocked(d, []*record{&r}, nil)
	// recordAccess may have replaced the record since (access fields only).
	if now := e.mems[key]; now != nil && now.Seq == seq {
		c := *now
		c.Entities, c.RelIDs = r.Entities, r.RelIDs
		e.mems[key] = &c
	}
	e.mu.Unlock()
	return llmOutcome{merged: true, ents: ents, rels: rels}, nil
}

// relIDsOf returns a copy of the memory's relation ids; a memory stored
// before RelIDs existed gets those listing it among their sources, so a
// later forget still releases the rule-based ones too.
func (e *Engine) relIDsOf(r *record) []string {
	if r.RelIDs != nil {
		return append([]string{}, r.RelIDs...)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := []string{}
	for _, ref := range r.Entities {
		for relID := range e.kg.relsOf[ref.ID] {
			if rel := e.kg.rels[relID]; rel != nil && contains(rel.SourceMemoryIDs, r.ID) && !contains(out, relID) {
				out = append(out, relID)
			}
		}
	}
	return out
}

// mergeModelInto resolves the model's entities and relations like
// extractInto does for rule-based ones, adding to r's entity refs and
// relation ids. It returns the entity mentions and relation supports
// added. writeMu is held.
func (e *Engine) mergeModelInto(r *record, res *llm.Result, d *graphDelta) (ents, rels int) {
	e.mu.RLock()
	g := e.kg
	e.mu.RUnlock()
	seen := map[string]int{} // entity id → index in r.Entities
	for i, ref := range r.Entities {
		seen[ref.ID] = i
	}
	resolve := func(name, canon, typ string) string {
		id, _ := g.resolver.Resolve(graph.Mention{Name: name, Canonical: canon, Type: typ})
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
	byCanon := map[string]string{}
	for _, m := range res.Entities {
		id := resolve(m.Name, m.Canonical, m.Type)
		if id == "" {
			continue
		}
		byCanon[m.Canonical] = id
		en := d.entity(g, id)
		if en.Type == graph.TypeConcept && m.Type != "" && m.Type != graph.TypeConcept {
			en.Type = m.Type // the model knows better than the default type
		}
		if i, ok := seen[id]; ok {
			r.Entities[i].Type = en.Type
			continue
		}
		seen[id] = len(r.Entities)
		en.MentionCount++
		en.FirstSeen = min(en.FirstSeen, r.CreatedAt)
		en.LastSeen = max(en.LastSeen, r.CreatedAt)
		r.Entities = append(r.Entities, EntityRef{ID: id, Name: en.Name, Type: en.Type})
		ents++
	}
	for _, f := range res.Relations {
		src, dst := byCanon[f.Source], byCanon[f.Target]
		if src == "" {
			src = resolve(f.Source, f.Source, graph.TypePerson) // the speaker
		}
		if dst == "" {
			dst = resolve(f.Target, f.Target, graph.TypePerson)
		}
		if src == "" || dst == "" || src == dst {
			continue
		}
		if e.mergeModelFact(g, d, r, src, dst, f) {
			rels++
		}
	}
	return ents, rels
}

// mergeModelFact applies one model relation between entity ids src and dst
// with r as source, and reports whether it added r's support (then listed
// in r.RelIDs, so forgetting r releases exactly that). writeMu is held.
func (e *Engine) mergeModelFact(g *kg, d *graphDelta, r *record, src, dst string, f llm.Relation) bool {
	if id := tripleRow(g, d, src, f.Relation, dst); id != "" && contains(r.RelIDs, id) {
		return false // the rules found it in this memory already
	}
	from := time.Unix(r.CreatedAt, 0).UTC()
	if !f.ValidFrom.IsZero() {
		from = f.ValidFrom
	}
	prev := make(map[string]int, len(d.rels))
	for id, rel := range d.rels {
		prev[id] = rel.support()
	}
	rowID := e.applyFact(g, d, graph.Relation{
		ID: newPublicID("rel_"), Source: src, Target: dst, Relation: f.Relation, Weight: 1,
		ValidFrom: from, SourceMemoryIDs: []string{r.ID}, CreatedAt: e.s.now().UTC().Truncate(time.Second),
	})
	cur := d.rels[rowID]
	if rowID == "" || cur == nil || contains(r.RelIDs, rowID) {
		return false
	}
	before, ok := prev[rowID]
	if !ok && g.rels[rowID] != nil {
		before = g.rels[rowID].support()
	}
	if cur.support() <= before {
		return false
	}
	r.RelIDs = append(r.RelIDs, rowID)
	return true
}

// tripleRow is the id of the row holding (src, rel, dst), either direction
// for a symmetric relation, as the delta or the graph has it.
func tripleRow(g *kg, d *graphDelta, src, rel, dst string) string {
	keys := []string{tripleKey(src, rel, dst)}
	if graph.IsSymmetric(rel) {
		keys = append(keys, tripleKey(dst, rel, src))
	}
	for _, k := range keys {
		if id := d.triples[k]; id != "" {
			return id
		}
		if id := g.triples[k]; id != "" {
			return id
		}
	}
	return ""
}
