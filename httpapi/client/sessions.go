package client

import (
	"context"
	"strconv"
)

// StartSessionRequest starts a session for an agent.
type StartSessionRequest struct {
	AgentID         string         `json:"agent_id"`
	Namespace       string         `json:"namespace,omitempty"`
	Metadata        map[string]any `json:"metadata,omitempty"`
	IdleTimeoutSecs int64          `json:"idle_timeout_secs,omitempty"`
}

// StartSession starts a session.
func (c *Client) StartSession(ctx context.Context, req StartSessionRequest) (*Session, error) {
	out, err := call[struct {
		Session Session `json:"session"`
	}](ctx, c, post("/v1/sessions/start", req, false))
	if err != nil {
		return nil, err
	}
	return &out.Session, nil
}

// EndSessionResult is the answer of EndSession.
type EndSessionResult struct {
	Session     Session `json:"session"`
	MemoryCount int     `json:"memory_count"`
}

// EndSession ends a session (idempotent); summary may be "".
func (c *Client) EndSession(ctx context.Context, id, summary string) (*EndSessionResult, error) {
	body := map[string]string{}
	if summary != "" {
		body["summary"] = summary
	}
	return call[EndSessionResult](ctx, c, post("/v1/sessions/"+esc(id)+"/end", body, true))
}

// GetSession returns a session.
func (c *Client) GetSession(ctx context.Context, id string) (*Session, error) {
	return call[Session](ctx, c, get("/v1/sessions/"+esc(id), nil))
}

// ListSessionsRequest filters ListSessions; every field is optional.
type ListSessionsRequest struct {
	AgentID    string
	ActiveOnly bool
	Limit      int
	Offset     int
}

// SessionList is the answer of ListSessions.
type SessionList struct {
	Sessions []Session `json:"sessions"`
	Total    int       `json:"total"`
}

// ListSessions lists sessions.
func (c *Client) ListSessions(ctx context.Context, req ListSessionsRequest) (*SessionList, error) {
	q := query("agent_id", req.AgentID, "limit", itoa(req.Limit), "offset", itoa(req.Offset))
	if req.ActiveOnly {
		q.Set("active_only", "true")
	}
	return call[SessionList](ctx, c, get("/v1/sessions", q))
}

// SessionMemories is the answer of GetSessionMemories.
type SessionMemories struct {
	Session  Session  `json:"session"`
	Memories []Memory `json:"memories"`
	Total    int      `json:"total"`
}

// GetSessionMemories lists a session's memories (limit 0: server default).
func (c *Client) GetSessionMemories(ctx context.Context, id string, limit, offset int) (*SessionMemories, error) {
	return call[SessionMemories](ctx, c, get("/v1/sessions/"+esc(id)+"/memories", query("limit", itoa(limit), "offset", itoa(offset))))
}

// AgentSummary is one row of ListAgents.
type AgentSummary struct {
	AgentID        string `json:"agent_id"`
	MemoryCount    int    `json:"memory_count"`
	SessionCount   int    `json:"session_count"`
	ActiveSessions int    `json:"active_sessions"`
}

// ListAgents lists the agents of the namespace.
func (c *Client) ListAgents(ctx context.Context) ([]AgentSummary, error) {
	out, err := call[[]AgentSummary](ctx, c, get("/v1/agents", nil))
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// AgentMemories lists an agent's memories, newest first; memoryType may be "".
func (c *Client) AgentMemories(ctx context.Context, agentID, memoryType string, limit, offset int) ([]Memory, error) {
	out, err := call[[]Memory](ctx, c, get("/v1/agents/"+esc(agentID)+"/memories",
		query("memory_type", memoryType, "limit", itoa(limit), "offset", itoa(offset))))
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// AgentStats are one agent's statistics.
type AgentStats struct {
	AgentID        string         `json:"agent_id"`
	TotalMemories  int            `json:"total_memories"`
	MemoriesByType map[string]int `json:"memories_by_type"`
	TotalSessions  int            `json:"total_sessions"`
	ActiveSessions int            `json:"active_sessions"`
	AvgImportance  float64        `json:"avg_importance"`
	OldestMemoryAt *int64         `json:"oldest_memory_at"`
	NewestMemoryAt *int64         `json:"newest_memory_at"`
}

// GetAgentStats returns an agent's statistics.
func (c *Client) GetAgentStats(ctx context.Context, agentID string) (*AgentStats, error) {
	return call[AgentStats](ctx, c, get("/v1/agents/"+esc(agentID)+"/stats", nil))
}

// WakeUpResult is the answer of WakeUp.
type WakeUpResult struct {
	AgentID        string   `json:"agent_id"`
	Memories       []Memory `json:"memories"`
	TotalAvailable int      `json:"total_available"`
}

// WakeUp returns an agent's most important, best retained memories
// (topN 0: server default; minImportance nil: none).
func (c *Client) WakeUp(ctx context.Context, agentID string, topN int, minImportance *float64) (*WakeUpResult, error) {
	q := query("top_n", itoa(topN))
	if minImportance != nil {
		q.Set("min_importance", strconv.FormatFloat(*minImportance, 'g', -1, 64))
	}
	return call[WakeUpResult](ctx, c, get("/v1/agents/"+esc(agentID)+"/wake-up", q))
}
