package client

// Memory types.
const (
	TypeEpisodic   = "episodic"
	TypeSemantic   = "semantic"
	TypeProcedural = "procedural"
	TypeWorking    = "working"
)

// Memory is one stored memory. Timestamps are Unix seconds.
type Memory struct {
	ID             string         `json:"id"`
	Namespace      string         `json:"namespace"`
	AgentID        string         `json:"agent_id"`
	Content        string         `json:"content"`
	Type           string         `json:"memory_type"`
	Importance     float64        `json:"importance"`
	Tags           []string       `json:"tags"`
	Metadata       map[string]any `json:"metadata,omitempty"`
	SessionID      string         `json:"session_id,omitempty"`
	CreatedAt      int64          `json:"created_at"`
	LastAccessedAt int64          `json:"last_accessed_at"`
	AccessCount    int            `json:"access_count"`
	ExpiresAt      *int64         `json:"expires_at"`
	ValidFrom      *int64         `json:"valid_from,omitempty"`
	ValidTo        *int64         `json:"valid_to,omitempty"`
	Entities       []EntityRef    `json:"entities"`
}

// EntityRef names an entity a memory mentions.
type EntityRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// Session groups the memories of one agent conversation.
type Session struct {
	ID              string         `json:"id"`
	AgentID         string         `json:"agent_id"`
	Namespace       string         `json:"namespace"`
	StartedAt       int64          `json:"started_at"`
	EndedAt         *int64         `json:"ended_at,omitempty"`
	Summary         string         `json:"summary,omitempty"`
	Metadata        map[string]any `json:"metadata,omitempty"`
	MemoryCount     int            `json:"memory_count"`
	LastActivityAt  int64          `json:"last_activity_at"`
	EndedReason     string         `json:"ended_reason,omitempty"`
	IdleTimeoutSecs int64          `json:"idle_timeout_secs"`
}

// NamespaceInfo describes a namespace.
type NamespaceInfo struct {
	Namespace      string         `json:"namespace"`
	NamespaceID    string         `json:"namespace_id"`
	OrganizationID string         `json:"organization_id"`
	VectorCount    int            `json:"vector_count"`
	MemoryCount    int            `json:"memory_count"`
	Dimension      int            `json:"dimension"`
	Distance       string         `json:"distance"`
	Embedder       string         `json:"embedder"`
	CreatedAt      int64          `json:"created_at"`
	Description    string         `json:"description,omitempty"`
	Metadata       map[string]any `json:"metadata"`
}

// MemoryPolicy is a namespace's memory policy. Every field is optional:
// an update sends only the fields to change.
type MemoryPolicy struct {
	WorkingDecay                       string   `json:"working_decay,omitempty"`
	EpisodicDecay                      string   `json:"episodic_decay,omitempty"`
	SemanticDecay                      string   `json:"semantic_decay,omitempty"`
	ProceduralDecay                    string   `json:"procedural_decay,omitempty"`
	WorkingHalfLifeHours               *float64 `json:"working_half_life_hours,omitempty"`
	EpisodicHalfLifeHours              *float64 `json:"episodic_half_life_hours,omitempty"`
	SemanticHalfLifeHours              *float64 `json:"semantic_half_life_hours,omitempty"`
	ProceduralHalfLifeHours            *float64 `json:"procedural_half_life_hours,omitempty"`
	WorkingTTLSeconds                  *int64   `json:"working_ttl_seconds,omitempty"`
	EpisodicTTLSeconds                 *int64   `json:"episodic_ttl_seconds,omitempty"`
	SemanticTTLSeconds                 *int64   `json:"semantic_ttl_seconds,omitempty"`
	ProceduralTTLSeconds               *int64   `json:"procedural_ttl_seconds,omitempty"`
	ImportanceWeight                   *float64 `json:"importance_weight,omitempty"`
	RecencyWeight                      *float64 `json:"recency_weight,omitempty"`
	RelevanceWeight                    *float64 `json:"relevance_weight,omitempty"`
	RetentionFloor                     *float64 `json:"retention_floor,omitempty"`
	SpacedRepetitionFactor             *float64 `json:"spaced_repetition_factor,omitempty"`
	SpacedRepetitionBaseIntervalSecond *int64   `json:"spaced_repetition_base_interval_seconds,omitempty"`
	MinImportance                      *float64 `json:"min_importance,omitempty"`
	DedupOnStore                       *bool    `json:"dedup_on_store,omitempty"`
	DedupThreshold                     *float64 `json:"dedup_threshold,omitempty"`
	RateLimitStoresPerMinute           *int     `json:"rate_limit_stores_per_minute,omitempty"`
	RateLimitRecallsPerMinute          *int     `json:"rate_limit_recalls_per_minute,omitempty"`
}

// NamespaceConfig is a namespace's extraction configuration.
type NamespaceConfig struct {
	ExtractEntities *bool    `json:"extract_entities,omitempty"`
	EntityTypes     []string `json:"entity_types,omitempty"`
	// ExtractionModel names a chat model that re-extracts each memory in
	// the background (docs/graph.md); nil in a patch leaves it as it is.
	ExtractionModel *ExtractionModel `json:"extraction_model,omitempty"`
}

// ExtractionModel configures a namespace's extraction model; the fields
// are named like the namespace embedder's. In a patch, empty fields keep
// their stored values. APIKey is write-only: answers leave it empty and
// set APIKeySet instead; a patch that changes Provider or BaseURL without
// APIKey drops the stored key.
type ExtractionModel struct {
	// Provider is "openai" (any OpenAI-compatible server) or "ollama".
	Provider  string `json:"provider,omitempty"`
	BaseURL   string `json:"base_url,omitempty"`
	Model     string `json:"model,omitempty"`
	APIKey    string `json:"api_key,omitempty"`
	APIKeySet bool   `json:"api_key_set,omitempty"`
}

// ExtractionStatus is the state of a namespace's model-based extraction
// since the server process started.
type ExtractionStatus struct {
	// Configured reports whether an extraction model is set and
	// extract_entities is on; Model is then "<provider>:<model>".
	Configured bool   `json:"configured"`
	Model      string `json:"model,omitempty"`
	// Queued is the number of memories waiting; Running whether the
	// worker is alive.
	Queued  int  `json:"queued"`
	Running bool `json:"running"`
	// Processed counts answers merged; Failed endpoint errors, timeouts
	// and malformed answers; Dropped jobs refused by a full queue; Skipped
	// jobs whose memory changed or was forgotten first.
	Processed int64 `json:"processed"`
	Failed    int64 `json:"failed"`
	Dropped   int64 `json:"dropped"`
	Skipped   int64 `json:"skipped"`
	// EntitiesAdded and RelationsAdded count what the model added beyond
	// the rule-based graph; ItemsRejected answer items that failed
	// validation.
	EntitiesAdded  int64 `json:"entities_added"`
	RelationsAdded int64 `json:"relations_added"`
	ItemsRejected  int64 `json:"items_rejected"`
	// LastError describes the last failure (no content); LastErrorAt and
	// LastSuccessAt are Unix seconds.
	LastError     string `json:"last_error,omitempty"`
	LastErrorAt   *int64 `json:"last_error_at,omitempty"`
	LastSuccessAt *int64 `json:"last_success_at,omitempty"`
}

// Filter selects memories without a query (batch recall and forget).
type Filter struct {
	Tags          []string `json:"tags,omitempty"`
	MinImportance *float64 `json:"min_importance,omitempty"`
	MaxImportance *float64 `json:"max_importance,omitempty"`
	CreatedAfter  *int64   `json:"created_after,omitempty"`
	CreatedBefore *int64   `json:"created_before,omitempty"`
	Type          string   `json:"memory_type,omitempty"`
	SessionID     string   `json:"session_id,omitempty"`
}

// Entity is a knowledge-graph entity.
type Entity struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Aliases      []string `json:"aliases"`
	MentionCount int      `json:"mention_count"`
	FirstSeen    int64    `json:"first_seen"`
	LastSeen     int64    `json:"last_seen"`
	// Relations and Memories are filled by GetEntity.
	Relations []Relation `json:"relations,omitempty"`
	Memories  []Memory   `json:"memories,omitempty"`
}

// Relation is a temporal edge between two entities.
type Relation struct {
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

// GraphEdge is an edge of the memory graph.
type GraphEdge struct {
	ID        string  `json:"id"`
	SourceID  string  `json:"source_id"`
	TargetID  string  `json:"target_id"`
	EdgeType  string  `json:"edge_type"`
	Weight    float64 `json:"weight"`
	CreatedAt int64   `json:"created_at"`
}

// ExtractedEntity is an entity found in a text.
type ExtractedEntity struct {
	EntityType string  `json:"entity_type"`
	Value      string  `json:"value"`
	Score      float64 `json:"score"`
}

// KeyInfo describes an API key; it never holds the secret.
type KeyInfo struct {
	KeyID          string     `json:"key_id"`
	Name           string     `json:"name"`
	Scope          string     `json:"scope"`
	Permissions    []string   `json:"permissions"`
	Namespaces     []string   `json:"namespaces"`
	Environment    string     `json:"environment,omitempty"`
	OrganizationID string     `json:"organization_id"`
	CreatedAt      int64      `json:"created_at"`
	ExpiresAt      *int64     `json:"expires_at"`
	LastUsedAt     *int64     `json:"last_used_at"`
	Active         bool       `json:"active"`
	RateLimit      *KeyLimits `json:"rate_limit,omitempty"`
}

// KeyLimits is a per-key rate limit.
type KeyLimits struct {
	PerSecond float64 `json:"per_second,omitempty"`
	Burst     int     `json:"burst,omitempty"`
}
