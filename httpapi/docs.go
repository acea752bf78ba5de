package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

// Namespace documents (API.md "Namespace documents"): raw vectors and text
// documents beside a namespace's memories. Reads need read permission,
// upserts write, deletes delete. Validation, limits and filters live in
// memory (docs*.go, filter.go).

type docsUpsertRequest struct {
	Vectors   batch[memory.DocInput, vectorsLimit]   `json:"vectors"`
	Documents batch[memory.DocInput, documentsLimit] `json:"documents"`
}

type docQueryRequest struct {
	Vector          []float32                   `json:"vector"`
	Text            string                      `json:"text"`
	Query           string                      `json:"query"`
	Queries         batch[string, queriesLimit] `json:"queries"`
	TopK            *int                        `json:"top_k"`
	Filter          json.RawMessage             `json:"filter"`
	IncludeValues   *bool                       `json:"include_values"`
	IncludeMetadata *bool                       `json:"include_metadata"`
	IncludeText     *bool                       `json:"include_text"`
	VectorWeight    *float64                    `json:"vector_weight"`
}

type docDeleteRequest struct {
	IDs       batch[string, idsLimit] `json:"ids"`
	Filter    json.RawMessage         `json:"filter"`
	DeleteAll bool                    `json:"delete_all"`
}

// docResult is one result on the wire; each route sets the fields its
// answer documents.
type docResult struct {
	ID          string          `json:"id"`
	Score       float64         `json:"score"`
	VectorScore *float64        `json:"vector_score,omitempty"`
	TextScore   *float64        `json:"text_score,omitempty"`
	Values      []float32       `json:"values,omitempty"`
	Text        string          `json:"text,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
}

// docEngine resolves {ns} with perm and opens it (never creates it).
func (s *Server) docEngine(c echo.Context, perm auth.Permission) (*memory.Engine, error) {
	name, err := s.pathNamespace(c, perm)
	if err != nil {
		return nil, err
	}
	return s.openNamespace(c, name, false)
}

// query builds the memory query; defaults give the include flags of the
// route (values, metadata, text).
func (r *docQueryRequest) query(values, metadata, text bool) (memory.DocQuery, error) {
	q := memory.DocQuery{Vector: r.Vector, Text: r.Text, Filter: r.Filter, VectorWeight: r.VectorWeight,
		IncludeValues: pick(r.IncludeValues, values), IncludeMetadata: pick(r.IncludeMetadata, metadata),
		IncludeText: pick(r.IncludeText, text)}
	if r.TopK != nil {
		if *r.TopK < 1 || *r.TopK > memory.MaxDocTopK {
			return q, badRequest("top_k", "must be between 1 and 1000")
		}
		q.TopK = *r.TopK
	}
	return q, nil
}

func pick(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func docResults(hits []memory.DocHit, scores bool) []docResult {
	out := make([]docResult, len(hits))
	for i, h := range hits {
		out[i] = docResult{ID: h.ID, Score: h.Score, Values: h.Values, Text: h.Text, Metadata: h.Metadata}
		if scores {
			vs, ts := h.VectorScore, h.TextScore
			out[i].VectorScore, out[i].TextScore = &vs, &ts
		}
	}
	return out
}

func (s *Server) upsertVectors(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermWrite)
	if err != nil {
		return err
	}
	var req docsUpsertRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	n, err := e.UpsertVectors(c.Request().Context(), req.Vectors, "vectors")
	if err != nil {
		return err
	}
	s.record(c, "vectors.upsert", e.Name(), usageStores(n))
	return c.JSON(http.StatusOK, map[string]any{"upserted_count": n})
}

func (s *Server) queryVectors(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermRead)
	if err != nil {
		return err
	}
	var req docQueryRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	q, err := req.query(false, false, false)
	if err != nil {
		return err
	}
	hits, err := e.QueryVectors(c.Request().Context(), q)
	if err != nil {
		return err
	}
	s.record(c, "", "", usageRecalls(1))
	return c.JSON(http.StatusOK, map[string]any{"results": docResults(hits, false)})
}

func (s *Server) deleteVectors(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermDelete)
	if err != nil {
		return err
	}
	var req docDeleteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	n, err := e.DeleteDocs(c.Request().Context(), memory.DocDelete{IDs: req.IDs, Filter: req.Filter, All: req.DeleteAll})
	if err != nil {
		return err
	}
	s.record(c, "vectors.delete", e.Name(), usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"deleted_count": n})
}

func (s *Server) upsertText(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermWrite)
	if err != nil {
		return err
	}
	var req docsUpsertRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	res, err := e.UpsertTexts(c.Request().Context(), req.Documents, "documents")
	if err != nil {
		return err
	}
	s.record(c, "text.upsert", e.Name(), usageStores(res.Upserted))
	return c.JSON(http.StatusOK, map[string]any{"upserted_count": res.Upserted, "tokens_processed": res.Tokens,
		"model": res.Model, "embedding_time_ms": res.EmbeddingTime.Milliseconds()})
}

func (s *Server) queryText(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermRead)
	if err != nil {
		return err
	}
	var req docQueryRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	q, err := req.query(false, true, false)
	if err != nil {
		return err
	}
	res, tm, err := e.QueryTexts(c.Request().Context(), []string{req.Text}, q, "text")
	if err != nil {
		return err
	}
	s.record(c, "", "", usageRecalls(1))
	return c.JSON(http.StatusOK, map[string]any{"results": docResults(res[0], false), "model": tm.Model,
		"embedding_time_ms": tm.EmbeddingTime.Milliseconds(), "search_time_ms": tm.SearchTime.Milliseconds()})
}

func (s *Server) batchQueryText(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermRead)
	if err != nil {
		return err
	}
	var req docQueryRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	q, err := req.query(false, true, false)
	if err != nil {
		return err
	}
	if req.Queries == nil {
		return badRequest("queries", "is required")
	}
	res, tm, err := e.QueryTexts(c.Request().Context(), req.Queries, q, "queries")
	if err != nil {
		return err
	}
	out := make([][]docResult, len(res))
	for i, hits := range res {
		out[i] = docResults(hits, false)
	}
	s.record(c, "", "", usageRecalls(len(res)))
	return c.JSON(http.StatusOK, map[string]any{"results": out, "model": tm.Model,
		"embedding_time_ms": tm.EmbeddingTime.Milliseconds(), "search_time_ms": tm.SearchTime.Milliseconds()})
}

func (s *Server) hybridDocs(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermRead)
	if err != nil {
		return err
	}
	var req docQueryRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	q, err := req.query(false, true, false)
	if err != nil {
		return err
	}
	hits, err := e.Hybrid(c.Request().Context(), q)
	if err != nil {
		return err
	}
	s.record(c, "", "", usageRecalls(1))
	return c.JSON(http.StatusOK, map[string]any{"results": docResults(hits, true)})
}

func (s *Server) fulltextIndex(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermWrite)
	if err != nil {
		return err
	}
	var req docsUpsertRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	n, err := e.IndexTexts(c.Request().Context(), req.Documents, "documents")
	if err != nil {
		return err
	}
	s.record(c, "fulltext.index", e.Name(), usageStores(n))
	return c.JSON(http.StatusOK, map[string]any{"indexed_count": n})
}

func (s *Server) fulltextSearch(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermRead)
	if err != nil {
		return err
	}
	var req docQueryRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	q, err := req.query(false, true, true)
	if err != nil {
		return err
	}
	q.Text = req.Query
	hits, err := e.SearchTexts(c.Request().Context(), q)
	if err != nil {
		return err
	}
	s.record(c, "", "", usageRecalls(1))
	return c.JSON(http.StatusOK, map[string]any{"results": docResults(hits, false)})
}

func (s *Server) fulltextDelete(c echo.Context) error {
	e, err := s.docEngine(c, auth.PermDelete)
	if err != nil {
		return err
	}
	var req docDeleteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	n, err := e.DeleteTexts(c.Request().Context(), req.IDs)
	if err != nil {
		return err
	}
	s.record(c, "fulltext.delete", e.Name(), usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"deleted_count": n})
}
