package httpapi

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/graph"
	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

// Knowledge-graph routes (API.md "Knowledge graph"), part 1: extraction
// and the memory graph of one memory (graph, path, links). The wire shapes
// of entities, relations and edges are defined here: timestamps are Unix
// seconds and internal row keys never leave the server. Part 2 is
// graph_knowledge.go.

// maxExtractContent bounds the text of POST /v1/memories/extract (the
// memory content limit).
const maxExtractContent = 100_000

// graphEdge is API.md's GraphEdge.
type graphEdge struct {
	ID        string  `json:"id"`
	SourceID  string  `json:"source_id"`
	TargetID  string  `json:"target_id"`
	EdgeType  string  `json:"edge_type"`
	Weight    float64 `json:"weight"`
	CreatedAt int64   `json:"created_at"`
	ValidFrom *int64  `json:"valid_from,omitempty"`
	ValidTo   *int64  `json:"valid_to,omitempty"`
}

func edgeUnix(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	u := t.Unix()
	return &u
}

// wireEdges converts graph edges; derived edges (shares_entity, precedes,
// related_to), which have no stored id, get a stable one from their ends.
func wireEdges(es []graph.Edge) []graphEdge {
	out := make([]graphEdge, 0, len(es))
	for _, e := range es {
		out = append(out, wireEdge(e))
	}
	return out
}

func wireEdge(e graph.Edge) graphEdge {
	id := e.ID
	if id == "" {
		h := fnv.New64a()
		h.Write([]byte(e.Source + "\x00" + e.Type + "\x00" + e.Target))
		id = "edge_" + strconv.FormatUint(h.Sum64(), 16)
	}
	var created int64
	if !e.CreatedAt.IsZero() {
		created = e.CreatedAt.Unix()
	}
	return graphEdge{ID: id, SourceID: e.Source, TargetID: e.Target, EdgeType: e.Type, Weight: e.Weight,
		CreatedAt: created, ValidFrom: edgeUnix(e.ValidFrom), ValidTo: edgeUnix(e.ValidTo)}
}

func linkEdge(l *memory.Link) graphEdge {
	return graphEdge{ID: l.ID, SourceID: l.SourceID, TargetID: l.TargetID, EdgeType: l.EdgeType, Weight: l.Weight, CreatedAt: l.CreatedAt}
}

// entityJSON is API.md's Entity.
type entityJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Aliases      []string `json:"aliases"`
	MentionCount int      `json:"mention_count"`
	FirstSeen    int64    `json:"first_seen"`
	LastSeen     int64    `json:"last_seen"`
}

func wireEntity(e memory.Entity) entityJSON {
	al := e.Aliases
	if al == nil {
		al = []string{}
	}
	return entityJSON{ID: e.ID, Name: e.Name, Type: e.Type, Aliases: al, MentionCount: e.MentionCount, FirstSeen: e.FirstSeen, LastSeen: e.LastSeen}
}

func wireEntities(es []memory.Entity) []entityJSON {
	out := make([]entityJSON, 0, len(es))
	for _, e := range es {
		out = append(out, wireEntity(e))
	}
	return out
}

// relationJSON is API.md's Relation.
type relationJSON struct {
	ID              string   `json:"id"`
	Source          string   `json:"source"`
	Target          string   `json:"target"`
	Relation        string   `json:"relation"`
	Weight          float64  `json:"weight"`
	ValidFrom       int64    `json:"valid_from"`
	ValidTo         *int64   `json:"valid_to,omitempty"`
	SourceMemoryIDs []string `json:"source_memory_ids"`
	CreatedAt       int64    `json:"created_at"`
}

func wireRelation(r memory.Relation) relationJSON {
	ids := r.SourceMemoryIDs
	if ids == nil {
		ids = []string{}
	}
	return relationJSON{ID: r.ID, Source: r.Source, Target: r.Target, Relation: r.Relation, Weight: r.Weight,
		ValidFrom: r.ValidFrom, ValidTo: r.ValidTo, SourceMemoryIDs: ids, CreatedAt: r.CreatedAt}
}

func wireRelations(rs []memory.Relation) []relationJSON {
	out := make([]relationJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, wireRelation(r))
	}
	return out
}

// entityValue is one entity of the extract and memory-entities answers.
type entityValue struct {
	ID         string  `json:"id,omitempty"`
	EntityType string  `json:"entity_type"`
	Value      string  `json:"value"`
	Score      float64 `json:"score"`
}

type extractRequest struct {
	Content     *string  `json:"content"`
	EntityTypes []string `json:"entity_types"`
	Speaker     string   `json:"speaker"`
}

// checkEntityTypes answers 400 naming field for a type Extract never makes.
func checkEntityTypes(field string, types []string) error {
	for _, t := range types {
		if !slices.Contains(graph.Types, t) {
			return badRequest(field, "unknown entity type (one of "+strings.Join(graph.Types, ", ")+")")
		}
	}
	return nil
}

// extract handles POST /v1/memories/extract: entities and relations of a
// text, nothing stored.
func (s *Server) extract(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	var req extractRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Content == nil || strings.TrimSpace(*req.Content) == "" {
		return badRequest("content", "is required")
	}
	if len(*req.Content) > maxExtractContent {
		return badRequest("content", "must be at most 100000 bytes")
	}
	if err := checkEntityTypes("entity_types", req.EntityTypes); err != nil {
		return err
	}
	x := graph.Extract(*req.Content, graph.ExtractOptions{Types: req.EntityTypes, Speaker: req.Speaker})
	ents := []entityValue{}
	at := map[string]int{}
	for _, m := range x.Entities {
		k := m.Type + "\x00" + m.Canonical
		if i, ok := at[k]; ok {
			ents[i].Score = max(ents[i].Score, m.Score)
			continue
		}
		at[k] = len(ents)
		ents = append(ents, entityValue{EntityType: m.Type, Value: m.Name, Score: m.Score})
	}
	rels := x.Relations
	if rels == nil {
		rels = []graph.Fact{}
	}
	return c.JSON(http.StatusOK, map[string]any{"entities": ents, "relations": rels})
}

// memoryEntities handles GET /v1/memory/entities/{id}: the entities the
// memory was found to mention when stored.
func (s *Server) memoryEntities(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	id := c.Param("id")
	e, err := s.engineOfMemory(c, id)
	if err != nil {
		return err
	}
	m, err := e.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := make([]entityValue, 0, len(m.Entities))
	for _, r := range m.Entities {
		out = append(out, entityValue{ID: r.ID, EntityType: r.Type, Value: r.Name, Score: 1})
	}
	return c.JSON(http.StatusOK, map[string]any{"memory_id": id, "entities": out})
}

// memoryEdgeTypes are the edge types of the memory graph.
var memoryEdgeTypes = []string{memory.EdgeRelatedTo, memory.EdgeSharesEntity, memory.EdgePrecedes, memory.EdgeLinkedBy}

// edgeTypes reads a comma-separated list of memory edge types.
func edgeTypes(field, v string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if !slices.Contains(memoryEdgeTypes, t) {
			return nil, badRequest(field, "must be related_to, shares_entity, precedes or linked_by")
		}
		out = append(out, t)
	}
	return out, nil
}

// memoryGraph handles GET /v1/memories/{id}/graph?depth=&types=&limit=.
func (s *Server) memoryGraph(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	depth, err := queryInt(c, "depth", 1, 0, 5)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	types, err := edgeTypes("types", c.QueryParam("types"))
	if err != nil {
		return err
	}
	id := c.Param("id")
	e, err := s.engineOfMemory(c, id)
	if err != nil {
		return err
	}
	nodes, edges, err := e.MemoryGraph(c.Request().Context(), id, depth, types, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"root_id": id, "depth": depth, "nodes": nodes, "edges": wireEdges(edges)})
}

// memoryPath handles GET /v1/memories/{id}/path?target= (or to=).
func (s *Server) memoryPath(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	target := c.QueryParam("target")
	if target == "" {
		target = c.QueryParam("to")
	}
	if target == "" {
		return badRequest("target", "is required (the memory id to reach)")
	}
	maxDepth, err := queryInt(c, "max_depth", graph.DefaultMaxDepth, 1, 10)
	if err != nil {
		return err
	}
	id := c.Param("id")
	e, err := s.engineOfMemory(c, id)
	if err != nil {
		return err
	}
	path, edges, err := e.MemoryPath(c.Request().Context(), id, target, maxDepth)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"source_id": id, "target_id": target, "path": path,
		"hops": len(path) - 1, "edges": wireEdges(edges)})
}

type linkRequest struct {
	TargetID string `json:"target_id"`
	EdgeType string `json:"edge_type"`
	AgentID  string `json:"agent_id"`
}

// addLink handles POST /v1/memories/{id}/links: an explicit edge to another
// memory of the same namespace.
func (s *Server) addLink(c echo.Context) error {
	if err := need(c, auth.PermWrite); err != nil {
		return err
	}
	var req linkRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.TargetID == "" {
		return badRequest("target_id", "is required")
	}
	id := c.Param("id")
	e, err := s.engineOfMemory(c, id)
	if err != nil {
		return err
	}
	l, err := e.AddLink(c.Request().Context(), id, req.TargetID, req.EdgeType)
	if err != nil {
		return err
	}
	s.record(c, "memory.link", id, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"edge": linkEdge(l)})
}

// associatedItem is a recall answer's associated memory.
type associatedItem struct {
	memory.RecallItem
	Depth int `json:"depth"`
}

// associated returns the graph neighbours of the recalled items (API.md
// include_associated), skipping other agents' memories when the recall was
// filtered to one agent.
func associated(c echo.Context, e *memory.Engine, req *recallRequest, items []memory.RecallItem) ([]associatedItem, error) {
	if err := req.checkAssociated(); err != nil {
		return nil, err
	}
	capN, depth := req.AssociatedCap, req.AssociatedDepth
	if capN == 0 {
		capN = 5
	}
	if depth == 0 {
		depth = 1
	}
	out := []associatedItem{}
	if len(items) == 0 {
		return out, nil
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Memory.ID
	}
	got, depths, err := e.Associated(c.Request().Context(), ids, 1000, depth)
	if err != nil {
		return nil, err
	}
	for i, it := range got {
		if len(out) >= capN {
			break
		}
		if req.FilterAgentID != "" && it.Memory.AgentID != req.FilterAgentID {
			continue
		}
		out = append(out, associatedItem{RecallItem: it, Depth: depths[i]})
	}
	return out, nil
}

// checkAssociated validates the include_associated options (zero means
// the default: cap 5, depth 1).
func (req *recallRequest) checkAssociated() error {
	if req.AssociatedCap < 0 || req.AssociatedCap > 100 {
		return badRequest("associated_memories_cap", "must be between 1 and 100")
	}
	if req.AssociatedDepth < 0 || req.AssociatedDepth > 3 {
		return badRequest("associated_memories_depth", "must be between 1 and 3")
	}
	return nil
}

// timeParam reads an ISO-8601 or Unix-seconds time from a query parameter
// or JSON value, answering 400 naming field when it is neither.
func timeParam(field string, raw []byte) (*time.Time, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var f flexTime
	if err := f.UnmarshalJSON(raw); err != nil {
		return nil, badRequest(field, "must be an ISO-8601 timestamp or Unix seconds")
	}
	return f.t, nil
}

// queryTime reads a time query parameter (ISO-8601 or Unix seconds).
func queryTime(c echo.Context, name string) (*time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return nil, nil
	}
	raw, _ := json.Marshal(v)
	return timeParam(name, raw)
}
