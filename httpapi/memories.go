package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

type storeRequest struct {
	Namespace string `json:"namespace"`
	memory.StoreInput
}

func (s *Server) storeMemory(c echo.Context) error {
	if err := need(c, auth.PermWrite); err != nil {
		return err
	}
	var req storeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := memory.ValidateAgentID(req.AgentID); err != nil {
		return err
	}
	e, err := s.engine(c, req.Namespace, req.AgentID, true)
	if err != nil {
		return err
	}
	m, dur, err := e.Store(c.Request().Context(), req.StoreInput)
	if err != nil {
		return err
	}
	s.record(c, "memory.store", m.ID, usageStores(1))
	return c.JSON(http.StatusOK, map[string]any{"memory": m, "embedding_time_ms": dur.Milliseconds()})
}

type batchStoreRequest struct {
	AgentID   string                                  `json:"agent_id"`
	Namespace string                                  `json:"namespace"`
	Memories  batch[memory.StoreInput, memoriesLimit] `json:"memories"`
}

type storedItem struct {
	ID         string   `json:"id"`
	Content    string   `json:"content"`
	AgentID    string   `json:"agent_id"`
	Tags       []string `json:"tags"`
	Importance float64  `json:"importance"`
	CreatedAt  int64    `json:"created_at"`
}

func (s *Server) storeBatch(c echo.Context) error {
	if err := need(c, auth.PermWrite); err != nil {
		return err
	}
	var req batchStoreRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req.Memories) == 0 {
		return badRequest("memories", "must hold 1 to 1000 memories")
	}
	if len(req.Memories) > 1000 {
		return badRequest("memories", "must hold at most 1000 memories")
	}
	agent := req.AgentID
	for i := range req.Memories {
		if req.Memories[i].AgentID == "" {
			req.Memories[i].AgentID = req.AgentID
		}
		if agent == "" {
			agent = req.Memories[i].AgentID
		}
	}
	if err := memory.ValidateAgentID(agent); err != nil {
		return err
	}
	e, err := s.engine(c, req.Namespace, agent, true)
	if err != nil {
		return err
	}
	ms, dur, err := e.StoreBatch(c.Request().Context(), req.Memories, "memories")
	if err != nil {
		return err
	}
	out := make([]storedItem, len(ms))
	for i, m := range ms {
		out[i] = storedItem{ID: m.ID, Content: m.Content, AgentID: m.AgentID, Tags: m.Tags, Importance: m.Importance, CreatedAt: m.CreatedAt}
	}
	s.record(c, "memory.store_batch", "", usageStores(len(ms)))
	return c.JSON(http.StatusOK, map[string]any{"stored": out, "stored_count": len(out), "total_embedding_time_ms": dur.Milliseconds()})
}

type recallRequest struct {
	AgentID           string   `json:"agent_id"`
	Namespace         string   `json:"namespace"`
	Query             string   `json:"query"`
	TopK              int      `json:"top_k"`
	Type              string   `json:"memory_type"`
	MinImportance     *float64 `json:"min_importance"`
	Tags              []string `json:"tags"`
	SessionID         string   `json:"session_id"`
	FilterAgentID     string   `json:"filter_agent_id"`
	Since             flexTime `json:"since"`
	Until             flexTime `json:"until"`
	AsOf              flexTime `json:"as_of"`
	Routing           string   `json:"routing"`
	Fusion            string   `json:"fusion"`
	VectorWeight      *float64 `json:"vector_weight"`
	GraphWeight       *float64 `json:"graph_weight"`
	ContextWeight     *float64 `json:"context_weight"`
	SpeakerWeight     *float64 `json:"speaker_weight"`
	IncludeAssociated bool     `json:"include_associated"`
	AssociatedCap     int      `json:"associated_memories_cap"`
	AssociatedDepth   int      `json:"associated_memories_depth"`
	Explain           bool     `json:"explain"`
}

func (s *Server) recallMemories(c echo.Context) error { return s.recallOrSearch(c, true) }
func (s *Server) searchMemories(c echo.Context) error { return s.recallOrSearch(c, false) }

func (s *Server) recallOrSearch(c echo.Context, reinforce bool) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	var req recallRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.TopK < 0 || req.TopK > 1000 {
		return badRequest("top_k", "must be between 1 and 1000")
	}
	if err := req.checkAssociated(); err != nil {
		return err
	}
	if req.TopK == 0 {
		req.TopK = 5
		if !reinforce {
			req.TopK = 10
		}
	}
	e, err := s.engine(c, req.Namespace, req.AgentID, false)
	if err != nil {
		return err
	}
	items, total, err := e.Recall(c.Request().Context(), memory.RecallInput{
		Query: req.Query, TopK: req.TopK, Type: req.Type, MinImportance: req.MinImportance,
		Tags: req.Tags, SessionID: req.SessionID, AgentID: req.FilterAgentID,
		Since: req.Since.t, Until: req.Until.t, AsOf: req.AsOf.t, Routing: req.Routing,
		Fusion: req.Fusion, VectorWeight: req.VectorWeight, GraphWeight: req.GraphWeight, ContextWeight: req.ContextWeight, SpeakerWeight: req.SpeakerWeight, Explain: req.Explain, Reinforce: reinforce,
	})
	if err != nil {
		return err
	}
	s.record(c, "", "", usageRecalls(1))
	out := map[string]any{"memories": items}
	if reinforce {
		out["total_found"] = total
	}
	if req.IncludeAssociated {
		assoc, err := associated(c, e, &req, items)
		if err != nil {
			return err
		}
		out["associated_memories"] = assoc
	}
	return c.JSON(http.StatusOK, out)
}

type filterRequest struct {
	AgentID   string        `json:"agent_id"`
	Namespace string        `json:"namespace"`
	Filter    memory.Filter `json:"filter"`
	Limit     *int          `json:"limit"`
}

func (s *Server) batchRecall(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	var req filterRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := req.Filter.Validate(); err != nil {
		return err
	}
	limit := 100
	if req.Limit != nil {
		if *req.Limit < 1 || *req.Limit > 10000 {
			return badRequest("limit", "must be between 1 and 10000")
		}
		limit = *req.Limit
	}
	e, err := s.engine(c, req.Namespace, req.AgentID, false)
	if err != nil {
		return err
	}
	ms, filtered := e.List(c.Request().Context(), req.Filter, limit, 0)
	total, _ := e.Count()
	return c.JSON(http.StatusOK, map[string]any{"memories": ms, "total": total, "filtered": filtered})
}

func (s *Server) getMemory(c echo.Context) error {
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
	return c.JSON(http.StatusOK, m)
}

func (s *Server) updateMemory(c echo.Context) error {
	if err := need(c, auth.PermWrite); err != nil {
		return err
	}
	id := c.Param("id")
	var req memory.UpdateInput
	if err := decode(c, &req); err != nil {
		return err
	}
	e, err := s.engineOfMemory(c, id)
	if err != nil {
		return err
	}
	m, err := e.Update(c.Request().Context(), id, req)
	if err != nil {
		return err
	}
	s.record(c, "memory.update", id, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"memory": m})
}

type importanceRequest struct {
	AgentID    string                        `json:"agent_id"`
	MemoryID   string                        `json:"memory_id"`
	MemoryIDs  batch[string, memoryIDsLimit] `json:"memory_ids"`
	Importance *float64                      `json:"importance"`
}

func (s *Server) setImportance(c echo.Context) error {
	if err := need(c, auth.PermWrite); err != nil {
		return err
	}
	var req importanceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Importance == nil {
		return badRequest("importance", "is required")
	}
	ids := req.MemoryIDs
	if req.MemoryID != "" {
		ids = append([]string{req.MemoryID}, ids...)
	}
	if len(ids) == 0 {
		return badRequest("memory_ids", "memory_id or memory_ids is required")
	}
	if len(ids) > 1000 {
		return badRequest("memory_ids", "at most 1000 ids")
	}
	if *req.Importance < 0 || *req.Importance > 1 {
		return badRequest("importance", "must be between 0 and 1")
	}
	updated := 0
	err := s.eachMemoryNamespace(c, ids, func(ctx context.Context, e *memory.Engine, ids []string) error {
		n, err := e.SetImportance(ctx, ids, *req.Importance)
		updated += n
		return err
	})
	if err != nil {
		return err
	}
	s.record(c, "memory.importance", "", usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "updated": updated})
}

// eachMemoryNamespace groups memory ids by the namespace holding them,
// skipping ids that do not exist or that the key may not see.
func (s *Server) eachMemoryNamespace(c echo.Context, ids []string, fn func(context.Context, *memory.Engine, []string) error) error {
	ctx := c.Request().Context()
	k := keyOf(c)
	groups := map[string][]string{}
	var order []string
	for _, id := range ids {
		org, name, err := s.store.LocateMemory(ctx, id)
		if err != nil || org != k.OrganizationID || !k.Allows(name) {
			continue
		}
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], id)
	}
	for _, name := range order {
		e, err := s.store.Engine(ctx, k.OrganizationID, name)
		if err != nil {
			continue
		}
		if err := fn(ctx, e, groups[name]); err != nil {
			return err
		}
	}
	return nil
}

type forgetRequest struct {
	AgentID         string                        `json:"agent_id"`
	Namespace       string                        `json:"namespace"`
	MemoryIDs       batch[string, memoryIDsLimit] `json:"memory_ids"`
	Tags            []string                      `json:"tags"`
	SessionID       string                        `json:"session_id"`
	BeforeTimestamp *int64                        `json:"before_timestamp"`
}

func (s *Server) forget(c echo.Context) error {
	if err := need(c, auth.PermDelete); err != nil {
		return err
	}
	var req forgetRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req.MemoryIDs) == 0 && len(req.Tags) == 0 && req.SessionID == "" && req.BeforeTimestamp == nil {
		return badRequest("filter", "at least one of memory_ids, tags, session_id, before_timestamp is required")
	}
	if len(req.MemoryIDs) > 1000 {
		return badRequest("memory_ids", "at most 1000 ids")
	}
	f := memory.Filter{IDs: req.MemoryIDs, Tags: req.Tags, SessionID: req.SessionID, CreatedBefore: req.BeforeTimestamp}
	if err := f.Validate(); err != nil {
		return err
	}
	deleted := 0
	explicit := req.Namespace != "" || c.QueryParam("namespace") != "" || c.Request().Header.Get("X-Namespace") != ""
	if len(req.MemoryIDs) > 0 && !explicit {
		err := s.eachMemoryNamespace(c, req.MemoryIDs, func(ctx context.Context, e *memory.Engine, ids []string) error {
			g := f
			g.IDs = ids
			n, err := e.Forget(ctx, g)
			deleted += n
			return err
		})
		if err != nil {
			return err
		}
	} else {
		e, err := s.engine(c, req.Namespace, req.AgentID, false)
		if err != nil {
			return err
		}
		if deleted, err = e.Forget(c.Request().Context(), f); err != nil {
			return err
		}
	}
	s.record(c, "memory.forget", "", usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"deleted_count": deleted})
}

func (s *Server) forgetBatch(c echo.Context) error {
	if err := need(c, auth.PermDelete); err != nil {
		return err
	}
	var req filterRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := req.Filter.Validate(); err != nil {
		return err
	}
	if req.Filter.Empty() {
		return badRequest("filter", "at least one predicate is required")
	}
	e, err := s.engine(c, req.Namespace, req.AgentID, false)
	if err != nil {
		return err
	}
	n, err := e.Forget(c.Request().Context(), req.Filter)
	if err != nil {
		return err
	}
	s.record(c, "memory.forget_batch", "", usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"deleted_count": n})
}

func (s *Server) feedback(c echo.Context) error {
	if err := need(c, auth.PermWrite); err != nil {
		return err
	}
	var req struct {
		Signal string `json:"signal"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	id := c.Param("id")
	e, err := s.engineOfMemory(c, id)
	if err != nil {
		return err
	}
	imp, err := e.Feedback(c.Request().Context(), id, req.Signal)
	if err != nil {
		return err
	}
	s.record(c, "memory.feedback", id, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"memory_id": id, "new_importance": imp, "signal": req.Signal})
}

// rawJSON passes a stored JSON document through unchanged.
type rawJSON = json.RawMessage
