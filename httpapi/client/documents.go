package client

import "context"

// Vector is a document vector of a namespace.
type Vector struct {
	ID       string         `json:"id"`
	Values   []float32      `json:"values"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Document is a text document of a namespace.
type Document struct {
	ID       string         `json:"id"`
	Text     string         `json:"text"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// DocumentHit is one result of a document query.
type DocumentHit struct {
	ID          string         `json:"id"`
	Score       float64        `json:"score"`
	Values      []float32      `json:"values,omitempty"`
	Text        string         `json:"text,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	VectorScore float64        `json:"vector_score,omitempty"`
	TextScore   float64        `json:"text_score,omitempty"`
}

// Filter expressions over metadata: {"field": {"$eq": v}, "$and": [...]}.
type MetadataFilter = map[string]any

// UpsertVectors stores vectors by id and returns how many were upserted.
func (c *Client) UpsertVectors(ctx context.Context, ns string, vectors []Vector) (int, error) {
	out, err := nsCall[struct {
		N int `json:"upserted_count"`
	}](ctx, c, ns, "/vectors", map[string]any{"vectors": vectors}, true)
	if err != nil {
		return 0, err
	}
	return out.N, nil
}

// QueryRequest is a vector query.
type QueryRequest struct {
	Vector          []float32      `json:"vector"`
	TopK            int            `json:"top_k,omitempty"`
	Filter          MetadataFilter `json:"filter,omitempty"`
	IncludeValues   bool           `json:"include_values,omitempty"`
	IncludeMetadata bool           `json:"include_metadata,omitempty"`
}

// QueryVectors returns the vectors nearest to req.Vector.
func (c *Client) QueryVectors(ctx context.Context, ns string, req QueryRequest) ([]DocumentHit, error) {
	out, err := nsCall[struct {
		Results []DocumentHit `json:"results"`
	}](ctx, c, ns, "/query", req, true)
	if err != nil {
		return nil, err
	}
	return out.Results, nil
}

// DeleteVectorsRequest deletes vectors by id, by filter, or all.
type DeleteVectorsRequest struct {
	IDs       []string       `json:"ids,omitempty"`
	Filter    MetadataFilter `json:"filter,omitempty"`
	DeleteAll bool           `json:"delete_all,omitempty"`
}

// DeleteVectors deletes vectors and returns how many were deleted.
func (c *Client) DeleteVectors(ctx context.Context, ns string, req DeleteVectorsRequest) (int, error) {
	out, err := nsCall[deleted](ctx, c, ns, "/vectors/delete", req, true)
	if err != nil {
		return 0, err
	}
	return out.DeletedCount, nil
}

// UpsertTextResult is the answer of UpsertText.
type UpsertTextResult struct {
	UpsertedCount   int    `json:"upserted_count"`
	TokensProcessed int    `json:"tokens_processed"`
	Model           string `json:"model"`
	EmbeddingTimeMS int64  `json:"embedding_time_ms"`
}

// UpsertText embeds and stores documents by id.
func (c *Client) UpsertText(ctx context.Context, ns string, docs []Document) (*UpsertTextResult, error) {
	return nsCall[UpsertTextResult](ctx, c, ns, "/upsert-text", map[string]any{"documents": docs}, true)
}

// QueryTextRequest is a text query over documents.
type QueryTextRequest struct {
	Text        string         `json:"text"`
	TopK        int            `json:"top_k,omitempty"`
	IncludeText bool           `json:"include_text,omitempty"`
	Filter      MetadataFilter `json:"filter,omitempty"`
}

// QueryTextResult is the answer of QueryText.
type QueryTextResult struct {
	Results         []DocumentHit `json:"results"`
	Model           string        `json:"model"`
	EmbeddingTimeMS int64         `json:"embedding_time_ms"`
	SearchTimeMS    int64         `json:"search_time_ms"`
}

// QueryText embeds req.Text and returns the nearest documents.
func (c *Client) QueryText(ctx context.Context, ns string, req QueryTextRequest) (*QueryTextResult, error) {
	return nsCall[QueryTextResult](ctx, c, ns, "/query-text", req, true)
}

// BatchQueryTextResult is the answer of BatchQueryText.
type BatchQueryTextResult struct {
	Results         [][]DocumentHit `json:"results"`
	Model           string          `json:"model"`
	EmbeddingTimeMS int64           `json:"embedding_time_ms"`
	SearchTimeMS    int64           `json:"search_time_ms"`
}

// BatchQueryText runs several text queries at once.
func (c *Client) BatchQueryText(ctx context.Context, ns string, queries []string, topK int) (*BatchQueryTextResult, error) {
	body := map[string]any{"queries": queries}
	if topK > 0 {
		body["top_k"] = topK
	}
	return nsCall[BatchQueryTextResult](ctx, c, ns, "/batch-query-text", body, true)
}

// HybridRequest is a hybrid (vector + full-text) document query.
type HybridRequest struct {
	Text         string         `json:"text"`
	Vector       []float32      `json:"vector,omitempty"`
	TopK         int            `json:"top_k,omitempty"`
	VectorWeight *float64       `json:"vector_weight,omitempty"`
	Filter       MetadataFilter `json:"filter,omitempty"`
}

// Hybrid runs a hybrid document query.
func (c *Client) Hybrid(ctx context.Context, ns string, req HybridRequest) ([]DocumentHit, error) {
	out, err := nsCall[struct {
		Results []DocumentHit `json:"results"`
	}](ctx, c, ns, "/hybrid", req, true)
	if err != nil {
		return nil, err
	}
	return out.Results, nil
}

// FulltextIndex indexes documents for full-text search only.
func (c *Client) FulltextIndex(ctx context.Context, ns string, docs []Document) (int, error) {
	out, err := nsCall[struct {
		N int `json:"indexed_count"`
	}](ctx, c, ns, "/fulltext/index", map[string]any{"documents": docs}, true)
	if err != nil {
		return 0, err
	}
	return out.N, nil
}

// FulltextSearch searches the full-text documents (topK 0: default).
func (c *Client) FulltextSearch(ctx context.Context, ns, q string, topK int, filter MetadataFilter) ([]DocumentHit, error) {
	body := map[string]any{"query": q}
	if topK > 0 {
		body["top_k"] = topK
	}
	if filter != nil {
		body["filter"] = filter
	}
	out, err := nsCall[struct {
		Results []DocumentHit `json:"results"`
	}](ctx, c, ns, "/fulltext/search", body, true)
	if err != nil {
		return nil, err
	}
	return out.Results, nil
}

// FulltextDelete deletes full-text documents by id.
func (c *Client) FulltextDelete(ctx context.Context, ns string, ids []string) (int, error) {
	out, err := nsCall[deleted](ctx, c, ns, "/fulltext/delete", map[string]any{"ids": ids}, true)
	if err != nil {
		return 0, err
	}
	return out.DeletedCount, nil
}

// nsCall POSTs body to /v1/namespaces/{ns}+rest.
func nsCall[T any](ctx context.Context, c *Client, ns, rest string, body any, idempotent bool) (*T, error) {
	p, err := c.nsPath(ns, rest)
	if err != nil {
		return nil, err
	}
	return call[T](ctx, c, post(p, body, idempotent))
}
