package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/engramhq/engram/httpapi/client"
)

type mcpTools struct {
	c     *client.Client
	agent string
}

// Tool inputs. A field without omitempty is required in the JSON schema.

type storeIn struct {
	Content    string         `json:"content" jsonschema:"the memory to store: one self-contained fact, preference, event or instruction"`
	AgentID    string         `json:"agent_id,omitempty" jsonschema:"the agent storing it (default: the server's agent id)"`
	Namespace  string         `json:"namespace,omitempty" jsonschema:"namespace to store into (default: the configured one)"`
	MemoryType string         `json:"memory_type,omitempty" jsonschema:"episodic (default: events), semantic (facts), procedural (how-to) or working (short-lived)"`
	Importance *float64       `json:"importance,omitempty" jsonschema:"importance from 0 to 1 (default 0.5)"`
	Tags       []string       `json:"tags,omitempty" jsonschema:"tags to filter on later"`
	Metadata   map[string]any `json:"metadata,omitempty" jsonschema:"free-form JSON object"`
	SessionID  string         `json:"session_id,omitempty" jsonschema:"session to attach the memory to (from session_start)"`
}

type recallIn struct {
	Query         string   `json:"query" jsonschema:"what to remember, as a question or keywords"`
	AgentID       string   `json:"agent_id,omitempty" jsonschema:"the agent asking (default: the server's agent id)"`
	Namespace     string   `json:"namespace,omitempty" jsonschema:"namespace to search (default: the configured one)"`
	TopK          int      `json:"top_k,omitempty" jsonschema:"how many memories to return (default 5 for recall, 10 for search)"`
	MemoryType    string   `json:"memory_type,omitempty" jsonschema:"only memories of this type"`
	Tags          []string `json:"tags,omitempty" jsonschema:"only memories carrying all these tags"`
	FilterAgentID string   `json:"filter_agent_id,omitempty" jsonschema:"only memories stored by this agent (in a shared namespace)"`
	SessionID     string   `json:"session_id,omitempty" jsonschema:"only memories of this session"`
}

type idIn struct {
	ID string `json:"id" jsonschema:"the memory id (mem_...)"`
}

type updateIn struct {
	ID         string         `json:"id" jsonschema:"the memory id (mem_...)"`
	Content    string         `json:"content,omitempty" jsonschema:"new content (re-embedded)"`
	MemoryType string         `json:"memory_type,omitempty" jsonschema:"new type"`
	Importance *float64       `json:"importance,omitempty" jsonschema:"new importance from 0 to 1"`
	Tags       []string       `json:"tags,omitempty" jsonschema:"new tags (replace the old ones)"`
	Metadata   map[string]any `json:"metadata,omitempty" jsonschema:"new metadata object"`
}

type forgetIn struct {
	MemoryIDs []string `json:"memory_ids,omitempty" jsonschema:"ids of the memories to delete"`
	Tags      []string `json:"tags,omitempty" jsonschema:"delete the memories carrying all these tags"`
	SessionID string   `json:"session_id,omitempty" jsonschema:"delete the memories of this session"`
	AgentID   string   `json:"agent_id,omitempty" jsonschema:"the agent whose namespace to delete from (default: the server's agent id)"`
	Namespace string   `json:"namespace,omitempty" jsonschema:"namespace to delete from"`
}

type sessionStartIn struct {
	AgentID   string         `json:"agent_id,omitempty" jsonschema:"the agent of the session (default: the server's agent id)"`
	Namespace string         `json:"namespace,omitempty" jsonschema:"namespace of the session"`
	Metadata  map[string]any `json:"metadata,omitempty" jsonschema:"free-form JSON object"`
}

type sessionEndIn struct {
	SessionID string `json:"session_id" jsonschema:"the session id (sess_...)"`
	Summary   string `json:"summary,omitempty" jsonschema:"a summary of the conversation"`
}

type entitiesIn struct {
	Query     string `json:"query,omitempty" jsonschema:"entity name to look up (prefix or alias); empty lists all"`
	Type      string `json:"type,omitempty" jsonschema:"only entities of this type, e.g. person, organization, place"`
	Namespace string `json:"namespace,omitempty" jsonschema:"namespace (default: the configured one)"`
	Limit     int    `json:"limit,omitempty" jsonschema:"most entities to return"`
}

type traverseIn struct {
	Start     []string `json:"start" jsonschema:"entity ids or names to start from"`
	Depth     int      `json:"depth,omitempty" jsonschema:"hops to follow (default 2)"`
	Relations []string `json:"relations,omitempty" jsonschema:"only follow these relation kinds, e.g. works_at"`
	Limit     int      `json:"limit,omitempty" jsonschema:"most entities to return"`
	Namespace string   `json:"namespace,omitempty" jsonschema:"namespace (default: the configured one)"`
}

type noIn struct{}

// result renders v as the tool's JSON text content.
func result(v any) (*mcp.CallToolResult, any, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil, nil
}

func (t *mcpTools) agentOr(a string) string {
	if a != "" {
		return a
	}
	return t.agent
}

func (t *mcpTools) register(s *mcp.Server) {
	ro := &mcp.ToolAnnotations{ReadOnlyHint: true}
	mcp.AddTool(s, &mcp.Tool{Name: "store", Description: "Store a memory: a fact, preference, event or instruction worth remembering across conversations. Returns the stored memory with its id.",
		Annotations: &mcp.ToolAnnotations{DestructiveHint: ptr(false)}}, t.store)
	mcp.AddTool(s, &mcp.Tool{Name: "recall", Description: "Recall the memories most relevant to a query, ranked by relevance, importance and recency. Recalled memories are reinforced (they decay more slowly).",
		Annotations: ro}, t.recall)
	mcp.AddTool(s, &mcp.Tool{Name: "search", Description: "Search memories like recall, without reinforcing them: for browsing and checking what is stored.",
		Annotations: ro}, t.search)
	mcp.AddTool(s, &mcp.Tool{Name: "get", Description: "Get one memory by id.", Annotations: ro}, t.get)
	mcp.AddTool(s, &mcp.Tool{Name: "update", Description: "Update a memory's content, type, importance, tags or metadata; only the given fields change.",
		Annotations: &mcp.ToolAnnotations{DestructiveHint: ptr(false), IdempotentHint: true}}, t.update)
	mcp.AddTool(s, &mcp.Tool{Name: "forget", Description: "Delete memories by id, by tags or by session (at least one is required). Returns how many were deleted.",
		Annotations: &mcp.ToolAnnotations{DestructiveHint: ptr(true), IdempotentHint: true}}, t.forget)
	mcp.AddTool(s, &mcp.Tool{Name: "session_start", Description: "Start a session to group the memories of one conversation. Returns the session with its id; pass it as session_id to store."}, t.sessionStart)
	mcp.AddTool(s, &mcp.Tool{Name: "session_end", Description: "End a session, optionally with a summary of the conversation.",
		Annotations: &mcp.ToolAnnotations{IdempotentHint: true}}, t.sessionEnd)
	mcp.AddTool(s, &mcp.Tool{Name: "entities", Description: "Look up entities (people, organizations, places, ...) extracted from the memories of a namespace, with their aliases and mention counts.",
		Annotations: ro}, t.entities)
	mcp.AddTool(s, &mcp.Tool{Name: "graph_traverse", Description: "Walk the knowledge graph from entities: returns the entities and relations reached within depth hops and the memories that support them.",
		Annotations: ro}, t.traverse)
	mcp.AddTool(s, &mcp.Tool{Name: "namespaces", Description: "List the namespaces this key may use.", Annotations: ro}, t.namespaces)
}

func ptr[T any](v T) *T { return &v }

func (t *mcpTools) store(ctx context.Context, _ *mcp.CallToolRequest, in storeIn) (*mcp.CallToolResult, any, error) {
	res, err := t.c.Store(ctx, client.StoreRequest{AgentID: t.agentOr(in.AgentID), Namespace: in.Namespace, Content: in.Content,
		Type: in.MemoryType, Importance: in.Importance, Tags: in.Tags, Metadata: in.Metadata, SessionID: in.SessionID})
	if err != nil {
		return nil, nil, toolError("store", err)
	}
	return result(res.Memory)
}

func (t *mcpTools) recallReq(in recallIn) client.RecallRequest {
	return client.RecallRequest{AgentID: t.agentOr(in.AgentID), Namespace: in.Namespace, Query: in.Query, TopK: in.TopK,
		Type: in.MemoryType, Tags: in.Tags, FilterAgentID: in.FilterAgentID, SessionID: in.SessionID}
}

func (t *mcpTools) recall(ctx context.Context, _ *mcp.CallToolRequest, in recallIn) (*mcp.CallToolResult, any, error) {
	res, err := t.c.Recall(ctx, t.recallReq(in))
	if err != nil {
		return nil, nil, toolError("recall", err)
	}
	return result(res)
}

func (t *mcpTools) search(ctx context.Context, _ *mcp.CallToolRequest, in recallIn) (*mcp.CallToolResult, any, error) {
	res, err := t.c.Search(ctx, t.recallReq(in))
	if err != nil {
		return nil, nil, toolError("search", err)
	}
	return result(res)
}

func (t *mcpTools) get(ctx context.Context, _ *mcp.CallToolRequest, in idIn) (*mcp.CallToolResult, any, error) {
	m, err := t.c.Get(ctx, in.ID)
	if err != nil {
		return nil, nil, toolError("get", err)
	}
	return result(m)
}

func (t *mcpTools) update(ctx context.Context, _ *mcp.CallToolRequest, in updateIn) (*mcp.CallToolResult, any, error) {
	m, err := t.c.Update(ctx, in.ID, client.UpdateRequest{Content: in.Content, Type: in.MemoryType,
		Importance: in.Importance, Tags: in.Tags, Metadata: in.Metadata})
	if err != nil {
		return nil, nil, toolError("update", err)
	}
	return result(m)
}

func (t *mcpTools) forget(ctx context.Context, _ *mcp.CallToolRequest, in forgetIn) (*mcp.CallToolResult, any, error) {
	if len(in.MemoryIDs) == 0 && len(in.Tags) == 0 && in.SessionID == "" {
		return nil, nil, errors.New("forget needs memory_ids, tags or session_id")
	}
	req := client.ForgetRequest{MemoryIDs: in.MemoryIDs, Tags: in.Tags, SessionID: in.SessionID, Namespace: in.Namespace}
	if len(in.MemoryIDs) == 0 || in.AgentID != "" {
		req.AgentID = t.agentOr(in.AgentID)
	}
	n, err := t.c.Forget(ctx, req)
	if err != nil {
		return nil, nil, toolError("forget", err)
	}
	return result(map[string]int{"deleted_count": n})
}

func (t *mcpTools) sessionStart(ctx context.Context, _ *mcp.CallToolRequest, in sessionStartIn) (*mcp.CallToolResult, any, error) {
	s, err := t.c.StartSession(ctx, client.StartSessionRequest{AgentID: t.agentOr(in.AgentID), Namespace: in.Namespace, Metadata: in.Metadata})
	if err != nil {
		return nil, nil, toolError("session_start", err)
	}
	return result(s)
}

func (t *mcpTools) sessionEnd(ctx context.Context, _ *mcp.CallToolRequest, in sessionEndIn) (*mcp.CallToolResult, any, error) {
	s, err := t.c.EndSession(ctx, in.SessionID, in.Summary)
	if err != nil {
		return nil, nil, toolError("session_end", err)
	}
	return result(s)
}

func (t *mcpTools) entities(ctx context.Context, _ *mcp.CallToolRequest, in entitiesIn) (*mcp.CallToolResult, any, error) {
	l, err := t.c.Entities(ctx, in.Namespace, in.Query, in.Type, in.Limit)
	if err != nil {
		return nil, nil, toolError("entities", err)
	}
	return result(l)
}

func (t *mcpTools) traverse(ctx context.Context, _ *mcp.CallToolRequest, in traverseIn) (*mcp.CallToolResult, any, error) {
	r, err := t.c.Traverse(ctx, in.Namespace, client.TraverseRequest{Start: in.Start, Depth: in.Depth, Relations: in.Relations, Limit: in.Limit})
	if err != nil {
		return nil, nil, toolError("graph_traverse", err)
	}
	return result(r)
}

func (t *mcpTools) namespaces(ctx context.Context, _ *mcp.CallToolRequest, _ noIn) (*mcp.CallToolResult, any, error) {
	ns, err := t.c.ListNamespaces(ctx)
	if err != nil {
		return nil, nil, toolError("namespaces", err)
	}
	return result(map[string]any{"namespaces": ns})
}
