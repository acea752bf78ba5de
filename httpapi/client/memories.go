package client

import (
	"context"
	"net/http"
)

// StoreRequest stores one memory. AgentID and Content are required.
type StoreRequest struct {
	AgentID    string         `json:"agent_id,omitempty"`
	Namespace  string         `json:"namespace,omitempty"`
	Content    string         `json:"content"`
	Type       string         `json:"memory_type,omitempty"`
	Importance *float64       `json:"importance,omitempty"`
	Tags       []string       `json:"tags,omitempty"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	SessionID  string         `json:"session_id,omitempty"`
	TTLSeconds *int64         `json:"ttl_seconds,omitempty"`
	ExpiresAt  *int64         `json:"expires_at,omitempty"`
	ValidFrom  *int64         `json:"valid_from,omitempty"`
	ValidTo    *int64         `json:"valid_to,omitempty"`
	CreatedAt  *int64         `json:"created_at,omitempty"`
	Embedding  []float32      `json:"embedding,omitempty"`
	// ID, when set, makes the store idempotent: storing the same id again
	// replaces the memory (and lets the SDK retry it safely).
	ID string `json:"id,omitempty"`
}

// StoreResult is the answer of Store.
type StoreResult struct {
	Memory          Memory `json:"memory"`
	EmbeddingTimeMS int64  `json:"embedding_time_ms"`
}

// Store stores one memory.
func (c *Client) Store(ctx context.Context, req StoreRequest) (*StoreResult, error) {
	return call[StoreResult](ctx, c, post("/v1/memory/store", req, req.ID != ""))
}

// StoreBatchRequest stores 1 to 1000 memories at once; an item without its
// own AgentID takes the batch's.
type StoreBatchRequest struct {
	AgentID   string         `json:"agent_id,omitempty"`
	Namespace string         `json:"namespace,omitempty"`
	Memories  []StoreRequest `json:"memories"`
}

// StoredItem is one memory of StoreBatch's answer.
type StoredItem struct {
	ID         string   `json:"id"`
	Content    string   `json:"content"`
	AgentID    string   `json:"agent_id"`
	Tags       []string `json:"tags"`
	Importance float64  `json:"importance"`
	CreatedAt  int64    `json:"created_at"`
}

// StoreBatchResult is the answer of StoreBatch.
type StoreBatchResult struct {
	Stored               []StoredItem `json:"stored"`
	StoredCount          int          `json:"stored_count"`
	TotalEmbeddingTimeMS int64        `json:"total_embedding_time_ms"`
}

// StoreBatch stores up to 1000 memories in one request.
func (c *Client) StoreBatch(ctx context.Context, req StoreBatchRequest) (*StoreBatchResult, error) {
	idem := len(req.Memories) > 0
	for _, m := range req.Memories {
		idem = idem && m.ID != ""
	}
	return call[StoreBatchResult](ctx, c, post("/v1/memories/store/batch", req, idem))
}

// RecallRequest asks for the memories most relevant to Query.
type RecallRequest struct {
	AgentID       string   `json:"agent_id,omitempty"`
	Namespace     string   `json:"namespace,omitempty"`
	Query         string   `json:"query"`
	TopK          int      `json:"top_k,omitempty"`
	Type          string   `json:"memory_type,omitempty"`
	MinImportance *float64 `json:"min_importance,omitempty"`
	Tags          []string `json:"tags,omitempty"`
	SessionID     string   `json:"session_id,omitempty"`
	// FilterAgentID keeps only the memories of one agent (in a shared
	// namespace).
	FilterAgentID string `json:"filter_agent_id,omitempty"`
	// Since, Until and AsOf are ISO-8601 timestamps.
	Since        string   `json:"since,omitempty"`
	Until        string   `json:"until,omitempty"`
	AsOf         string   `json:"as_of,omitempty"`
	Routing      string   `json:"routing,omitempty"`
	Fusion       string   `json:"fusion,omitempty"`
	VectorWeight *float64 `json:"vector_weight,omitempty"`
	// GraphWeight, ContextWeight and SpeakerWeight override the server's
	// defaults (0, 0.5, 0.2): the entity-graph list in fusion, the share of
	// a matching question lent to its reply, the raise of memories spoken
	// by someone the query names. A pointer to 0 turns one off.
	GraphWeight       *float64 `json:"graph_weight,omitempty"`
	ContextWeight     *float64 `json:"context_weight,omitempty"`
	SpeakerWeight     *float64 `json:"speaker_weight,omitempty"`
	IncludeAssociated bool     `json:"include_associated,omitempty"`
	AssociatedCap     int      `json:"associated_memories_cap,omitempty"`
	AssociatedDepth   int      `json:"associated_memories_depth,omitempty"`
	Explain           bool     `json:"explain,omitempty"`
}

// RecallItem is one recalled memory with its scores.
type RecallItem struct {
	Memory        Memory  `json:"memory"`
	Score         float64 `json:"score"`
	WeightedScore float64 `json:"weighted_score"`
	SmartScore    float64 `json:"smart_score"`
	VectorScore   float64 `json:"vector_score"`
	TextScore     float64 `json:"text_score"`
	GraphScore    float64 `json:"graph_score"`
	Retention     float64 `json:"retention"`
	Explanation   string  `json:"explanation,omitempty"`
	// Depth is set on associated memories.
	Depth int `json:"depth,omitempty"`
}

// RecallResult is the answer of Recall and Search.
type RecallResult struct {
	Memories           []RecallItem `json:"memories"`
	AssociatedMemories []RecallItem `json:"associated_memories,omitempty"`
	TotalFound         int          `json:"total_found"`
}

// Recall returns the memories most relevant to the query, sorted by
// smart_score, and reinforces their access.
func (c *Client) Recall(ctx context.Context, req RecallRequest) (*RecallResult, error) {
	return call[RecallResult](ctx, c, post("/v1/memory/recall", req, true))
}

// Search is Recall without access reinforcement (top_k defaults to 10).
func (c *Client) Search(ctx context.Context, req RecallRequest) (*RecallResult, error) {
	return call[RecallResult](ctx, c, post("/v1/memory/search", req, true))
}

// FilterRequest selects memories by filter (batch recall and forget).
type FilterRequest struct {
	AgentID   string `json:"agent_id,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Filter    Filter `json:"filter"`
	// Limit bounds batch recall; zero means the server's default (100).
	Limit int `json:"limit,omitempty"`
}

// ListResult is the answer of RecallBatch.
type ListResult struct {
	Memories []Memory `json:"memories"`
	Total    int      `json:"total"`
	Filtered int      `json:"filtered"`
}

// RecallBatch lists memories matching a filter, newest first, no query.
func (c *Client) RecallBatch(ctx context.Context, req FilterRequest) (*ListResult, error) {
	return call[ListResult](ctx, c, post("/v1/memories/recall/batch", req, true))
}

// Get returns one memory by id.
func (c *Client) Get(ctx context.Context, id string) (*Memory, error) {
	return call[Memory](ctx, c, get("/v1/memory/get/"+esc(id), nil))
}

// UpdateRequest changes a memory; nil/empty fields are left unchanged.
type UpdateRequest struct {
	Content    string         `json:"content,omitempty"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	Type       string         `json:"memory_type,omitempty"`
	Importance *float64       `json:"importance,omitempty"`
	Tags       []string       `json:"tags,omitempty"`
}

// Update changes a memory and returns it.
func (c *Client) Update(ctx context.Context, id string, req UpdateRequest) (*Memory, error) {
	out, err := call[struct {
		Memory Memory `json:"memory"`
	}](ctx, c, request{method: http.MethodPut, path: "/v1/memory/update/" + esc(id), body: req, idempotent: true})
	if err != nil {
		return nil, err
	}
	return &out.Memory, nil
}

// SetImportance sets the importance of memories and returns how many were
// updated.
func (c *Client) SetImportance(ctx context.Context, ids []string, importance float64) (int, error) {
	out, err := call[struct {
		Updated int `json:"updated"`
	}](ctx, c, post("/v1/memory/importance", map[string]any{"memory_ids": ids, "importance": importance}, true))
	if err != nil {
		return 0, err
	}
	return out.Updated, nil
}

// ForgetRequest deletes memories; at least one filter is required.
type ForgetRequest struct {
	AgentID         string   `json:"agent_id,omitempty"`
	Namespace       string   `json:"namespace,omitempty"`
	MemoryIDs       []string `json:"memory_ids,omitempty"`
	Tags            []string `json:"tags,omitempty"`
	SessionID       string   `json:"session_id,omitempty"`
	BeforeTimestamp *int64   `json:"before_timestamp,omitempty"`
}

type deleted struct {
	DeletedCount int `json:"deleted_count"`
}

// Forget deletes memories and returns how many were deleted.
func (c *Client) Forget(ctx context.Context, req ForgetRequest) (int, error) {
	out, err := call[deleted](ctx, c, post("/v1/memory/forget", req, true))
	if err != nil {
		return 0, err
	}
	return out.DeletedCount, nil
}

// ForgetBatch deletes the memories matching a filter.
func (c *Client) ForgetBatch(ctx context.Context, req FilterRequest) (int, error) {
	out, err := call[deleted](ctx, c, request{method: http.MethodDelete, path: "/v1/memories/forget/batch", body: req, idempotent: true})
	if err != nil {
		return 0, err
	}
	return out.DeletedCount, nil
}

// ConsolidateRequest merges near-duplicate memories.
type ConsolidateRequest struct {
	AgentID   string   `json:"agent_id,omitempty"`
	Namespace string   `json:"namespace,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	DryRun    bool     `json:"dry_run,omitempty"`
}

// ConsolidateResult is the answer of Consolidate.
type ConsolidateResult struct {
	ConsolidatedMemory *Memory  `json:"consolidated_memory,omitempty"`
	SourceMemoryIDs    []string `json:"source_memory_ids"`
	MemoriesRemoved    int      `json:"memories_removed"`
}

// Consolidate merges near-duplicate memories (or reports them, DryRun).
func (c *Client) Consolidate(ctx context.Context, req ConsolidateRequest) (*ConsolidateResult, error) {
	return call[ConsolidateResult](ctx, c, post("/v1/memory/consolidate", req, req.DryRun))
}

// FeedbackResult is the answer of Feedback.
type FeedbackResult struct {
	MemoryID      string  `json:"memory_id"`
	NewImportance float64 `json:"new_importance"`
	Signal        string  `json:"signal"`
}

// Feedback applies "upvote", "downvote" or "flag" to a memory.
func (c *Client) Feedback(ctx context.Context, id, signal string) (*FeedbackResult, error) {
	return call[FeedbackResult](ctx, c, post("/v1/memories/"+esc(id)+"/feedback", map[string]string{"signal": signal}, false))
}
