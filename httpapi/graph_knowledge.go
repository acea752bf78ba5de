package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/graph"
	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

// Knowledge-graph routes, part 2: the /v1/knowledge views (similarity
// graph, edge query, path, export) and a namespace's entity graph
// (/v1/namespaces/{ns}/entities, relations, graph/traverse).

// knowledgeEngine opens the namespace of a knowledge route: the one named
// (body, query or X-Namespace), else the namespace of memID when given,
// else API.md's default (the key's single grant, the agent's namespace).
func (s *Server) knowledgeEngine(c echo.Context, ns, agentID, memID string) (*memory.Engine, error) {
	explicit := ns != "" || c.QueryParam("namespace") != "" || c.Request().Header.Get("X-Namespace") != ""
	if !explicit && memID != "" {
		return s.engineOfMemory(c, memID)
	}
	return s.engine(c, ns, agentID, false)
}

type knowledgeGraphRequest struct {
	AgentID       string   `json:"agent_id"`
	Namespace     string   `json:"namespace"`
	MemoryID      string   `json:"memory_id"`
	Depth         *int     `json:"depth"`
	MinSimilarity *float64 `json:"min_similarity"`
}

// knowledgeGraph handles POST /v1/knowledge/graph: a similarity graph of
// memories around memory_id, or of the namespace's most important ones.
func (s *Server) knowledgeGraph(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	var req knowledgeGraphRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	depth, minSim := 2, 0.7
	if req.Depth != nil {
		if *req.Depth < 0 || *req.Depth > 5 {
			return badRequest("depth", "must be between 0 and 5")
		}
		depth = *req.Depth
	}
	if req.MinSimilarity != nil {
		if *req.MinSimilarity < -1 || *req.MinSimilarity > 1 {
			return badRequest("min_similarity", "must be between -1 and 1")
		}
		minSim = *req.MinSimilarity
	}
	e, err := s.knowledgeEngine(c, req.Namespace, req.AgentID, req.MemoryID)
	if err != nil {
		return err
	}
	nodes, edges, err := e.KnowledgeGraph(c.Request().Context(), req.MemoryID, depth, minSim)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"nodes": nodes, "edges": edges})
}

// knowledgeQuery handles GET /v1/knowledge/query: memory-graph edges from
// root_id (up to max_depth hops) or across the namespace.
func (s *Server) knowledgeQuery(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	maxDepth, err := queryInt(c, "max_depth", 2, 0, 5)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	types, err := edgeTypes("edge_type", c.QueryParam("edge_type"))
	if err != nil {
		return err
	}
	agent, root := c.QueryParam("agent_id"), c.QueryParam("root_id")
	e, err := s.knowledgeEngine(c, "", agent, root)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var edges []graph.Edge
	var nodeCount int
	if root != "" {
		nodes, es, err := e.MemoryGraph(ctx, root, maxDepth, types, limit)
		if err != nil {
			return err
		}
		edges, nodeCount = es, len(nodes)
	} else if edges, nodeCount, err = e.NamespaceEdges(ctx, types, limit); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"agent_id": agent, "node_count": nodeCount,
		"edge_count": len(edges), "edges": wireEdges(edges)})
}

// knowledgePath handles GET /v1/knowledge/path?from=&to=: a fewest-hops
// path between two memories; 404 when there is none.
func (s *Server) knowledgePath(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	from, to := c.QueryParam("from"), c.QueryParam("to")
	if from == "" {
		return badRequest("from", "is required (a memory id)")
	}
	if to == "" {
		return badRequest("to", "is required (a memory id)")
	}
	maxDepth, err := queryInt(c, "max_depth", graph.DefaultMaxDepth, 1, 10)
	if err != nil {
		return err
	}
	e, err := s.knowledgeEngine(c, "", c.QueryParam("agent_id"), from)
	if err != nil {
		return err
	}
	path, edges, err := e.MemoryPath(c.Request().Context(), from, to, maxDepth)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"from_id": from, "to_id": to, "hop_count": len(path) - 1,
		"path": path, "edges": wireEdges(edges)})
}

// knowledgeExport handles GET /v1/knowledge/export?namespace=&format=: the
// namespace's entities, relations and memory links as JSON or GraphML.
func (s *Server) knowledgeExport(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "graphml" {
		return badRequest("format", "must be json or graphml")
	}
	e, err := s.engine(c, "", c.QueryParam("agent_id"), false)
	if err != nil {
		return err
	}
	ents, _ := e.Entities("", "", 0)
	rels, err := e.Relations("", "", nil)
	if err != nil {
		return err
	}
	links := e.Links()
	if format == "json" {
		le := make([]graphEdge, len(links))
		for i := range links {
			le[i] = linkEdge(&links[i])
		}
		return c.JSON(http.StatusOK, map[string]any{"namespace": e.Name(), "entities": wireEntities(ents),
			"relations": wireRelations(rels), "links": le})
	}
	nodes, edges := graphMLOf(c, e, ents, rels, links)
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "application/graphml+xml")
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.Name()+`.graphml"`)
	w.WriteHeader(http.StatusOK)
	if err := graph.WriteGraphML(w, nodes, edges); err != nil {
		s.log.Error("graphml export failed", "request_id", requestID(c), "err", err)
	}
	return nil
}

// graphMLOf lays out the export: entity nodes, memory nodes for link ends,
// relation and link edges.
func graphMLOf(c echo.Context, e *memory.Engine, ents []memory.Entity, rels []memory.Relation, links []memory.Link) ([]graph.Node, []graph.Edge) {
	nodes := make([]graph.Node, 0, len(ents))
	for _, en := range ents {
		nodes = append(nodes, graph.Node{ID: en.ID, Label: en.Name, Type: en.Type,
			Attrs: map[string]string{"kind": "entity", "mention_count": strconv.Itoa(en.MentionCount)}})
	}
	edges := make([]graph.Edge, 0, len(rels)+len(links))
	for _, r := range rels {
		ed := graph.Edge{ID: r.ID, Source: r.Source, Target: r.Target, Type: r.Relation, Weight: r.Weight,
			ValidFrom: time.Unix(r.ValidFrom, 0).UTC()}
		if r.ValidTo != nil {
			ed.ValidTo = time.Unix(*r.ValidTo, 0).UTC()
		}
		edges = append(edges, ed)
	}
	seen := map[string]bool{}
	for _, l := range links {
		for _, id := range []string{l.SourceID, l.TargetID} {
			if seen[id] {
				continue
			}
			seen[id] = true
			if m, err := e.Get(c.Request().Context(), id); err == nil {
				nodes = append(nodes, graph.Node{ID: id, Label: previewText(m.Content), Type: m.Type,
					Attrs: map[string]string{"kind": "memory"}})
			}
		}
		edges = append(edges, graph.Edge{ID: l.ID, Source: l.SourceID, Target: l.TargetID, Type: l.EdgeType, Weight: l.Weight})
	}
	return nodes, edges
}

func previewText(s string) string {
	const n = 160
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// graphEngine resolves {ns} with perm and opens it (never creates it).
func (s *Server) graphEngine(c echo.Context, perm auth.Permission) (*memory.Engine, error) {
	name, err := s.pathNamespace(c, perm)
	if err != nil {
		return nil, err
	}
	return s.openNamespace(c, name, false)
}

// listEntities handles GET /v1/namespaces/{ns}/entities?q=&type=&limit=.
func (s *Server) listEntities(c echo.Context) error {
	e, err := s.graphEngine(c, auth.PermRead)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 50, 1, 1000)
	if err != nil {
		return err
	}
	typ := c.QueryParam("type")
	if typ != "" {
		if err := checkEntityTypes("type", []string{typ}); err != nil {
			return err
		}
	}
	ents, total := e.Entities(c.QueryParam("q"), typ, limit)
	return c.JSON(http.StatusOK, map[string]any{"entities": wireEntities(ents), "total": total})
}

// entityDetailJSON is an entity with its relations and mentioning memories.
type entityDetailJSON struct {
	entityJSON
	Relations []relationJSON   `json:"relations"`
	Memories  []*memory.Memory `json:"memories"`
}

// getEntity handles GET /v1/namespaces/{ns}/entities/{id} (id or name).
func (s *Server) getEntity(c echo.Context) error {
	e, err := s.graphEngine(c, auth.PermRead)
	if err != nil {
		return err
	}
	d, err := e.Entity(c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, entityDetailJSON{entityJSON: wireEntity(d.Entity),
		Relations: wireRelations(d.Relations), Memories: d.Memories})
}

type relationRequest struct {
	Source    string          `json:"source"`
	Target    string          `json:"target"`
	Relation  string          `json:"relation"`
	ValidFrom json.RawMessage `json:"valid_from"`
	ValidTo   json.RawMessage `json:"valid_to"`
	Weight    *float64        `json:"weight"`
}

// addRelation handles POST /v1/namespaces/{ns}/relations.
func (s *Server) addRelation(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermWrite)
	if err != nil {
		return err
	}
	var req relationRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in := memory.RelationInput{Source: req.Source, Target: req.Target, Relation: req.Relation, Weight: req.Weight}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		into **int64
	}{{"valid_from", req.ValidFrom, &in.ValidFrom}, {"valid_to", req.ValidTo, &in.ValidTo}} {
		t, err := timeParam(f.name, f.raw)
		if err != nil {
			return err
		}
		if t != nil {
			u := t.Unix()
			*f.into = &u
		}
	}
	e, err := s.openNamespace(c, name, memory.ValidateNamespaceName(name) == nil)
	if err != nil {
		return err
	}
	r, err := e.AddRelation(c.Request().Context(), in)
	if err != nil {
		return err
	}
	s.record(c, "relation.create", r.ID, usageDelta{})
	return c.JSON(http.StatusOK, wireRelation(*r))
}

// listRelations handles GET /v1/namespaces/{ns}/relations?entity=&relation=&as_of=.
func (s *Server) listRelations(c echo.Context) error {
	e, err := s.graphEngine(c, auth.PermRead)
	if err != nil {
		return err
	}
	asOf, err := queryTime(c, "as_of")
	if err != nil {
		return err
	}
	rels, err := e.Relations(c.QueryParam("entity"), c.QueryParam("relation"), asOf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"relations": wireRelations(rels)})
}

type traverseRequest struct {
	Start     []string        `json:"start"`
	Depth     *int            `json:"depth"`
	Relations []string        `json:"relations"`
	AsOf      json.RawMessage `json:"as_of"`
	Limit     *int            `json:"limit"`
}

// traverse handles POST /v1/namespaces/{ns}/graph/traverse.
func (s *Server) traverse(c echo.Context) error {
	e, err := s.graphEngine(c, auth.PermRead)
	if err != nil {
		return err
	}
	var req traverseRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	depth, limit := 2, 1000
	if req.Depth != nil {
		depth = *req.Depth
	}
	if req.Limit != nil {
		if *req.Limit < 1 || *req.Limit > 10000 {
			return badRequest("limit", "must be between 1 and 10000")
		}
		limit = *req.Limit
	}
	asOf, err := timeParam("as_of", req.AsOf)
	if err != nil {
		return err
	}
	res, err := e.Traverse(c.Request().Context(), req.Start, depth, req.Relations, asOf, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entities": wireEntities(res.Entities),
		"relations": wireRelations(res.Relations), "memories": res.Memories})
}
