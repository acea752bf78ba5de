package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

type consolidateRequest struct {
	AgentID   string   `json:"agent_id"`
	Namespace string   `json:"namespace"`
	Threshold *float64 `json:"threshold"`
	DryRun    bool     `json:"dry_run"`
}

// consolidate merges near-duplicate memories of the agent. The answer
// carries the largest cluster's merged memory as consolidated_memory (the
// wire shape of API.md) and every cluster under clusters.
func (s *Server) consolidate(c echo.Context) error {
	if err := need(c, auth.PermWrite); err != nil {
		return err
	}
	var req consolidateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := memory.ValidateAgentID(req.AgentID); err != nil {
		return err
	}
	threshold := 0.92
	if req.Threshold != nil {
		threshold = *req.Threshold
	}
	if !req.DryRun {
		if err := need(c, auth.PermDelete); err != nil {
			return err
		}
	}
	e, err := s.engine(c, req.Namespace, req.AgentID, false)
	if err != nil {
		return err
	}
	res, err := e.Consolidate(c.Request().Context(), req.AgentID, threshold, req.DryRun)
	if err != nil {
		return err
	}
	out := map[string]any{"source_memory_ids": []string{}, "memories_removed": res.Removed, "dry_run": req.DryRun}
	clusters := make([]map[string]any, len(res.Consolidated))
	var all []string
	for i, m := range res.Consolidated {
		clusters[i] = map[string]any{"consolidated_memory": m, "source_memory_ids": res.Sources[i]}
		all = append(all, res.Sources[i]...)
	}
	if len(res.Consolidated) > 0 {
		out["consolidated_memory"] = res.Consolidated[0]
		out["source_memory_ids"] = all
	}
	out["clusters"] = clusters
	if !req.DryRun {
		s.record(c, "memory.consolidate", "", usageDelta{})
	}
	return c.JSON(http.StatusOK, out)
}
