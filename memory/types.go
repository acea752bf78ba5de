package memory

import (
	"encoding/json"
)

// Memory types.
const (
	TypeEpisodic   = "episodic"
	TypeSemantic   = "semantic"
	TypeProcedural = "procedural"
	TypeWorking    = "working"
)

// Memory is one stored item, in its wire shape (API.md). Timestamps are Unix
// seconds; zero means unset for the optional ones.
type Memory struct {
	ID             string          `json:"id"`
	Namespace      string          `json:"namespace"`
	AgentID        string          `json:"agent_id"`
	Content        string          `json:"content"`
	Type           string          `json:"memory_type"`
	Importance     float64         `json:"importance"`
	Tags           []string        `json:"tags"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
	SessionID      string          `json:"session_id,omitempty"`
	CreatedAt      int64           `json:"created_at"`
	LastAccessedAt int64           `json:"last_accessed_at"`
	AccessCount    int             `json:"access_count"`
	ExpiresAt      *int64          `json:"expires_at"`
	ValidFrom      *int64          `json:"valid_from,omitempty"`
	ValidTo        *int64          `json:"valid_to,omitempty"`
	Entities       []EntityRef     `json:"entities"`
}

// EntityRef names an entity a memory mentions.
type EntityRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// Session groups the memories of one agent conversation.
type Session struct {
	ID              string          `json:"id"`
	AgentID         string          `json:"agent_id"`
	Namespace       string          `json:"namespace"`
	StartedAt       int64           `json:"started_at"`
	EndedAt         *int64          `json:"ended_at,omitempty"`
	Summary         string          `json:"summary,omitempty"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
	MemoryCount     int             `json:"memory_count"`
	LastActivityAt  int64           `json:"last_activity_at"`
	EndedReason     string          `json:"ended_reason,omitempty"`
	IdleTimeoutSecs int64           `json:"idle_timeout_secs"`
}

// Active reports whether the session has not ended.
func (s *Session) Active() bool { return s.EndedAt == nil }

// NamespaceInfo describes a namespace (API.md NamespaceInfo).
type NamespaceInfo struct {
	Namespace      string          `json:"namespace"`
	NamespaceID    string          `json:"namespace_id"`
	OrganizationID string          `json:"organization_id"`
	VectorCount    int             `json:"vector_count"`
	MemoryCount    int             `json:"memory_count"`
	Dimension      int             `json:"dimension"`
	Distance       string          `json:"distance"`
	Embedder       string          `json:"embedder"`
	CreatedAt      int64           `json:"created_at"`
	Description    string          `json:"description,omitempty"`
	Metadata       json.RawMessage `json:"metadata"`
}

// NamespaceConfig is the per-namespace extraction configuration.
type NamespaceConfig struct {
	ExtractEntities bool     `json:"extract_entities"`
	EntityTypes     []string `json:"entity_types"`
	// Embedder overrides the server's embedder for this namespace (nil:
	// the server's); changing it re-embeds the namespace (reembed.go).
	Embedder *EmbedderSpec `json:"embedder,omitempty"`
	// ExtractionModel, when set, re-extracts every written memory with a
	// chat model in the background (llmextract.go).
	ExtractionModel *ExtractionModelSpec `json:"extraction_model,omitempty"`
}

// AgentSummary is one row of the agents listing.
type AgentSummary struct {
	AgentID        string `json:"agent_id"`
	MemoryCount    int    `json:"memory_count"`
	SessionCount   int    `json:"session_count"`
	ActiveSessions int    `json:"active_sessions"`
}

// AgentStats are the statistics of one agent in a namespace.
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
