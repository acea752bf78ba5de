package client

import (
	"context"
	"strconv"
	"strings"
)

// Extract finds the entities in content without storing anything.
func (c *Client) Extract(ctx context.Context, content string, entityTypes []string) ([]ExtractedEntity, error) {
	out, err := call[struct {
		Entities []ExtractedEntity `json:"entities"`
	}](ctx, c, post("/v1/memories/extract", map[string]any{"content": content, "entity_types": entityTypes}, true))
	if err != nil {
		return nil, err
	}
	return out.Entities, nil
}

// MemoryEntities returns the entities extracted from one memory.
func (c *Client) MemoryEntities(ctx context.Context, memoryID string) ([]ExtractedEntity, error) {
	out, err := call[struct {
		Entities []ExtractedEntity `json:"entities"`
	}](ctx, c, get("/v1/memory/entities/"+esc(memoryID), nil))
	if err != nil {
		return nil, err
	}
	return out.Entities, nil
}

// GraphNode is a memory in a memory graph.
type GraphNode struct {
	MemoryID       string  `json:"memory_id"`
	ContentPreview string  `json:"content_preview"`
	Importance     float64 `json:"importance"`
	Depth          int     `json:"depth"`
}

// MemoryGraph is the answer of GetMemoryGraph.
type MemoryGraph struct {
	RootID string      `json:"root_id"`
	Depth  int         `json:"depth"`
	Nodes  []GraphNode `json:"nodes"`
	Edges  []GraphEdge `json:"edges"`
}

// GetMemoryGraph returns the memories linked to one, up to depth (0:
// server default), optionally only through the given edge types.
func (c *Client) GetMemoryGraph(ctx context.Context, memoryID string, depth int, types []string) (*MemoryGraph, error) {
	return call[MemoryGraph](ctx, c, get("/v1/memories/"+esc(memoryID)+"/graph",
		query("depth", itoa(depth), "types", strings.Join(types, ","))))
}

// MemoryPath is the answer of GetMemoryPath.
type MemoryPath struct {
	SourceID string      `json:"source_id"`
	TargetID string      `json:"target_id"`
	Path     []string    `json:"path"`
	Hops     int         `json:"hops"`
	Edges    []GraphEdge `json:"edges"`
}

// GetMemoryPath returns the shortest path between two memories.
func (c *Client) GetMemoryPath(ctx context.Context, from, to string) (*MemoryPath, error) {
	return call[MemoryPath](ctx, c, get("/v1/memories/"+esc(from)+"/path", query("target", to)))
}

// LinkRequest links two memories.
type LinkRequest struct {
	TargetID string `json:"target_id"`
	EdgeType string `json:"edge_type,omitempty"`
	AgentID  string `json:"agent_id,omitempty"`
}

// Link adds an edge from memoryID to req.TargetID.
func (c *Client) Link(ctx context.Context, memoryID string, req LinkRequest) (*GraphEdge, error) {
	out, err := call[struct {
		Edge GraphEdge `json:"edge"`
	}](ctx, c, post("/v1/memories/"+esc(memoryID)+"/links", req, false))
	if err != nil {
		return nil, err
	}
	return &out.Edge, nil
}

// KnowledgeGraphRequest asks for a similarity graph of memories.
type KnowledgeGraphRequest struct {
	AgentID       string   `json:"agent_id,omitempty"`
	Namespace     string   `json:"namespace,omitempty"`
	MemoryID      string   `json:"memory_id,omitempty"`
	Depth         int      `json:"depth,omitempty"`
	MinSimilarity *float64 `json:"min_similarity,omitempty"`
}

// KnowledgeGraph is the answer of KnowledgeGraph.
type KnowledgeGraph struct {
	Nodes []struct {
		ID         string  `json:"id"`
		Content    string  `json:"content"`
		Type       string  `json:"memory_type"`
		Importance float64 `json:"importance"`
	} `json:"nodes"`
	Edges []struct {
		Source       string  `json:"source"`
		Target       string  `json:"target"`
		Similarity   float64 `json:"similarity"`
		Relationship string  `json:"relationship"`
	} `json:"edges"`
}

// KnowledgeGraph builds a graph of similar memories.
func (c *Client) KnowledgeGraph(ctx context.Context, req KnowledgeGraphRequest) (*KnowledgeGraph, error) {
	return call[KnowledgeGraph](ctx, c, post("/v1/knowledge/graph", req, true))
}

// KnowledgeQueryRequest selects edges of the memory graph.
type KnowledgeQueryRequest struct {
	AgentID, Namespace, RootID, EdgeType string
	MaxDepth, Limit                      int
}

// KnowledgeQueryResult is the answer of KnowledgeQuery.
type KnowledgeQueryResult struct {
	AgentID   string      `json:"agent_id"`
	NodeCount int         `json:"node_count"`
	EdgeCount int         `json:"edge_count"`
	Edges     []GraphEdge `json:"edges"`
}

// KnowledgeQuery returns edges of the memory graph.
func (c *Client) KnowledgeQuery(ctx context.Context, req KnowledgeQueryRequest) (*KnowledgeQueryResult, error) {
	return call[KnowledgeQueryResult](ctx, c, get("/v1/knowledge/query", query("agent_id", req.AgentID,
		"namespace", req.Namespace, "root_id", req.RootID, "edge_type", req.EdgeType,
		"max_depth", itoa(req.MaxDepth), "limit", itoa(req.Limit))))
}

// KnowledgePath is the answer of KnowledgePath.
type KnowledgePath struct {
	FromID   string   `json:"from_id"`
	ToID     string   `json:"to_id"`
	HopCount int      `json:"hop_count"`
	Path     []string `json:"path"`
}

// KnowledgePath returns the shortest path between two memories; 404 when
// there is none.
func (c *Client) KnowledgePath(ctx context.Context, agentID, namespace, from, to string) (*KnowledgePath, error) {
	return call[KnowledgePath](ctx, c, get("/v1/knowledge/path",
		query("agent_id", agentID, "namespace", namespace, "from", from, "to", to)))
}

// KnowledgeExport returns a namespace's graph as JSON or GraphML bytes
// (format "json" or "graphml"; "" means json).
func (c *Client) KnowledgeExport(ctx context.Context, namespace, format string) ([]byte, error) {
	_, data, err := c.do(ctx, get("/v1/knowledge/export", query("namespace", namespace, "format", format)))
	return data, err
}

// EntityList is the answer of Entities.
type EntityList struct {
	Entities []Entity `json:"entities"`
	Total    int      `json:"total"`
}

// Entities lists a namespace's entities, optionally matching q and of one
// type (limit 0: server default).
func (c *Client) Entities(ctx context.Context, ns, q, typ string, limit int) (*EntityList, error) {
	p, err := c.nsPath(ns, "/entities")
	if err != nil {
		return nil, err
	}
	return call[EntityList](ctx, c, get(p, query("q", q, "type", typ, "limit", itoa(limit))))
}

// GetEntity returns an entity with its relations and mentioning memories.
func (c *Client) GetEntity(ctx context.Context, ns, id string) (*Entity, error) {
	p, err := c.nsPath(ns, "/entities/"+esc(id))
	if err != nil {
		return nil, err
	}
	return call[Entity](ctx, c, get(p, nil))
}

// RelationRequest creates a relation between two entities (ids or names).
type RelationRequest struct {
	Source    string   `json:"source"`
	Target    string   `json:"target"`
	Relation  string   `json:"relation"`
	ValidFrom *int64   `json:"valid_from,omitempty"`
	ValidTo   *int64   `json:"valid_to,omitempty"`
	Weight    *float64 `json:"weight,omitempty"`
}

// CreateRelation adds a relation to a namespace's graph.
func (c *Client) CreateRelation(ctx context.Context, ns string, req RelationRequest) (*Relation, error) {
	p, err := c.nsPath(ns, "/relations")
	if err != nil {
		return nil, err
	}
	return call[Relation](ctx, c, post(p, req, false))
}

// Relations lists relations, optionally of one entity, of one kind, valid
// at asOf (Unix seconds; 0: now).
func (c *Client) Relations(ctx context.Context, ns, entity, relation string, asOf int64) ([]Relation, error) {
	p, err := c.nsPath(ns, "/relations")
	if err != nil {
		return nil, err
	}
	q := query("entity", entity, "relation", relation)
	if asOf != 0 {
		q.Set("as_of", strconv.FormatInt(asOf, 10))
	}
	out, err := call[struct {
		Relations []Relation `json:"relations"`
	}](ctx, c, get(p, q))
	if err != nil {
		return nil, err
	}
	return out.Relations, nil
}

// TraverseRequest walks the entity graph from Start (entity ids or names).
type TraverseRequest struct {
	Start     []string `json:"start"`
	Depth     int      `json:"depth,omitempty"`
	Relations []string `json:"relations,omitempty"`
	AsOf      *int64   `json:"as_of,omitempty"`
	Limit     int      `json:"limit,omitempty"`
}

// TraverseResult is the answer of Traverse.
type TraverseResult struct {
	Entities  []Entity   `json:"entities"`
	Relations []Relation `json:"relations"`
	Memories  []Memory   `json:"memories"`
}

// Traverse walks a namespace's entity graph.
func (c *Client) Traverse(ctx context.Context, ns string, req TraverseRequest) (*TraverseResult, error) {
	p, err := c.nsPath(ns, "/graph/traverse")
	if err != nil {
		return nil, err
	}
	return call[TraverseResult](ctx, c, post(p, req, true))
}
