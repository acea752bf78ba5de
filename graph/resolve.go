package graph

import (
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Entity is a resolved entity as the Resolver knows it.
type Entity struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`      // first surface form seen
	Canonical string   `json:"canonical"` // Normalize(Name)
	Type      string   `json:"type"`
	Aliases   []string `json:"aliases,omitempty"` // other normalized names that resolved to it
}

// ResolverOptions tunes a Resolver. Nil options are valid.
type ResolverOptions struct {
	// NewID returns the id of a new entity. Nil means "e1", "e2", ... in
	// order of creation. It is called with the resolver's lock held and
	// must not call back into the resolver.
	NewID func(Mention) string
	// Threshold is the estimated Jaccard similarity of character 3-gram
	// sets at or above which two names are near-duplicates. Zero means 0.7.
	Threshold float64
	// MinNameLen is the shortest normalized name (in bytes) compared by
	// MinHash. Zero means 6.
	MinNameLen int
}

// Resolver maps mentions to entity ids: by exact normalized name, by alias
// (nicknames such as "Bob" for "Robert", a lone first name matching one
// known full name), and by MinHash near-duplicate names. It is safe for
// concurrent use and deterministic: the same sequence of calls gives the
// same ids.
type Resolver struct {
	newID     func(Mention) string
	threshold float64
	minLen    int

	mu       sync.Mutex
	n        int                 // entities created by the default NewID
	ents     map[string]*Entity  // id → entity
	order    []string            // ids in insertion order
	byKey    map[string][]string // normalized name or alias → ids
	byFirst  map[string][]string // first-name class → ids of multi-word names
	byFormal map[string][]string // name with its first word made formal → ids
	sigs     map[string][]uint64 // id → MinHash signature of its canonical name
	bands    map[uint64][]string // LSH band key → ids
}

// NewResolver returns an empty Resolver.
func NewResolver(opts *ResolverOptions) *Resolver {
	r := &Resolver{threshold: 0.7, minLen: 6, ents: map[string]*Entity{}, byKey: map[string][]string{},
		byFirst: map[string][]string{}, byFormal: map[string][]string{}, sigs: map[string][]uint64{}, bands: map[uint64][]string{}}
	if opts != nil {
		r.newID = opts.NewID
		if opts.Threshold > 0 {
			r.threshold = opts.Threshold
		}
		if opts.MinNameLen > 0 {
			r.minLen = opts.MinNameLen
		}
	}
	return r
}

// Add registers a known entity (for example one loaded from storage) with
// its aliases. An entity with an id already known is merged into it.
func (r *Resolver) Add(e Entity) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Canonical == "" {
		e.Canonical = Normalize(e.Name)
	}
	if old := r.ents[e.ID]; old != nil {
		for _, a := range append([]string{e.Canonical}, e.Aliases...) {
			r.alias(old, Normalize(a))
		}
		return
	}
	ne := &Entity{ID: e.ID, Name: e.Name, Canonical: e.Canonical, Type: e.Type}
	r.register(ne, nil)
	for _, a := range e.Aliases {
		r.alias(ne, Normalize(a))
	}
}

// Entity returns the entity with the given id.
func (r *Resolver) Entity(id string) (Entity, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.ents[id]
	if e == nil {
		return Entity{}, false
	}
	c := *e
	c.Aliases = slices.Clone(e.Aliases)
	return c, true
}

// Entities returns every known entity in the order it became known.
func (r *Resolver) Entities() []Entity {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Entity, 0, len(r.order))
	for _, id := range r.order {
		e := *r.ents[id]
		e.Aliases = slices.Clone(e.Aliases)
		out = append(out, e)
	}
	return out
}

// Len returns the number of known entities.
func (r *Resolver) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ents)
}

// Resolve returns the id of the entity m refers to, creating one (isNew)
// when no known entity matches. A mention whose name normalizes to ""
// returns ("", false).
func (r *Resolver) Resolve(m Mention) (id string, isNew bool) {
	key := Normalize(m.Name)
	if key == "" {
		key = Normalize(m.Canonical)
	}
	if key == "" {
		return "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if id := r.exact(key, m.Type); id != "" {
		return id, false
	}
	if id := r.byAlias(key, m.Type); id != "" {
		r.alias(r.ents[id], key)
		return id, false
	}
	var sig []uint64
	if len(key) >= r.minLen && nameType(m.Type) {
		sig = minhash(key)
	}
	if id := r.nearDuplicate(key, m.Type, sig); id != "" {
		r.alias(r.ents[id], key)
		return id, false
	}
	if r.newID != nil {
		id = r.newID(m)
	}
	for id == "" || r.ents[id] != nil {
		r.n++
		id = "e" + strconv.Itoa(r.n)
	}
	r.register(&Entity{ID: id, Name: m.Name, Canonical: key, Type: m.Type}, sig)
	return id, true
}

// compatible reports whether two entity types may name the same thing;
// "concept" and "" are compatible with anything.
func compatible(a, b string) bool {
	return a == b || a == "" || b == "" || a == TypeConcept || b == TypeConcept
}

func (r *Resolver) exact(key, typ string) string {
	for _, id := range r.byKey[key] {
		if compatible(r.ents[id].Type, typ) {
			return id
		}
	}
	return ""
}

// firstClass maps a given name to its formal form ("bob" → "robert").
func firstClass(w string) string {
	if f := nicknames[w]; f != "" {
		return f
	}
	return w
}

func personish(t string) bool { return t == TypePerson || t == TypeConcept || t == "" }

// byAlias matches a nickname variant of the full name, or a lone first name
// to the one known multi-word person with that first name.
func (r *Resolver) byAlias(key, typ string) string {
	if !personish(typ) {
		return ""
	}
	words := strings.Fields(key)
	first := firstClass(words[0])
	for _, id := range r.byFormal[formalKey(words)] {
		if personish(r.ents[id].Type) {
			return id
		}
	}
	if len(words) != 1 {
		return ""
	}
	var found string
	for _, id := range r.byFirst[first] {
		if !compatible(r.ents[id].Type, typ) || id == found {
			continue
		}
		if found != "" {
			return "" // ambiguous
		}
		found = id
	}
	return found
}

// nearDuplicate finds the known name most similar to key by MinHash, if
// its estimated Jaccard similarity reaches the threshold.
func (r *Resolver) nearDuplicate(key, typ string, sig []uint64) string {
	if sig == nil {
		return ""
	}
	cands := map[string]bool{}
	for b := 0; b < numBands; b++ {
		ids := r.bands[bandKey(sig, b)]
		if len(ids) > maxBucket {
			continue // a band shared by very many names tells nothing
		}
		for _, id := range ids {
			cands[id] = true
		}
	}
	ids := make([]string, 0, len(cands))
	for id := range cands {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	best, bestSim := "", 0.0
	for _, id := range ids {
		if !compatible(r.ents[id].Type, typ) || digits(r.ents[id].Canonical) != digits(key) {
			continue // "iPhone 14" is not "iPhone 15"
		}
		if s := similarity(sig, r.sigs[id]); s >= r.threshold && s > bestSim {
			best, bestSim = id, s
		}
	}
	return best
}

// maxBucket bounds the work of one near-duplicate search: LSH buckets
// holding more names than this are skipped.
const maxBucket = 256

// digits returns the digits of s in order.
func digits(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// nameType reports whether names of the type are compared by MinHash;
// dates, amounts and identifiers differing by a character are different.
func nameType(t string) bool {
	switch t {
	case TypePerson, TypeOrganization, TypeLocation, TypeProduct, TypeEvent, TypeConcept, TypeTitle, "":
		return true
	}
	return false
}

// register adds a new entity; sig is its MinHash signature if already
// computed.
func (r *Resolver) register(e *Entity, sig []uint64) {
	r.ents[e.ID] = e
	r.order = append(r.order, e.ID)
	r.byKey[e.Canonical] = append(r.byKey[e.Canonical], e.ID)
	r.indexName(e, e.Canonical)
	if len(e.Canonical) >= r.minLen && nameType(e.Type) {
		if sig == nil {
			sig = minhash(e.Canonical)
		}
		r.sigs[e.ID] = sig
		for b := 0; b < numBands; b++ {
			k := bandKey(sig, b)
			r.bands[k] = append(r.bands[k], e.ID)
		}
	}
}

// formalKey is a name with its first word replaced by its formal form:
// "bob smith" → "robert smith".
func formalKey(ws []string) string {
	return strings.Join(append([]string{firstClass(ws[0])}, ws[1:]...), " ")
}

func (r *Resolver) indexName(e *Entity, name string) {
	ws := strings.Fields(name)
	if len(ws) > 0 && personish(e.Type) {
		k := formalKey(ws)
		if !slices.Contains(r.byFormal[k], e.ID) {
			r.byFormal[k] = append(r.byFormal[k], e.ID)
		}
	}
	if len(ws) > 1 && personish(e.Type) {
		c := firstClass(ws[0])
		if !slices.Contains(r.byFirst[c], e.ID) {
			r.byFirst[c] = append(r.byFirst[c], e.ID)
		}
	}
}

func (r *Resolver) alias(e *Entity, key string) {
	if key == "" || key == e.Canonical || slices.Contains(e.Aliases, key) {
		return
	}
	e.Aliases = append(e.Aliases, key)
	r.byKey[key] = append(r.byKey[key], e.ID)
	r.indexName(e, key)
}
