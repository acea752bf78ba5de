package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

type startSessionRequest struct {
	AgentID         string  `json:"agent_id"`
	Namespace       string  `json:"namespace"`
	Metadata        rawJSON `json:"metadata"`
	IdleTimeoutSecs int64   `json:"idle_timeout_secs"`
}

func (s *Server) startSession(c echo.Context) error {
	if err := need(c, auth.PermWrite); err != nil {
		return err
	}
	var req startSessionRequest
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
	sess, err := e.StartSession(c.Request().Context(), req.AgentID, req.Metadata, req.IdleTimeoutSecs)
	if err != nil {
		return err
	}
	s.record(c, "session.start", sess.ID, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"session": sess})
}

func (s *Server) endSession(c echo.Context) error {
	if err := need(c, auth.PermWrite); err != nil {
		return err
	}
	var req struct {
		Summary string `json:"summary"`
	}
	if c.Request().ContentLength != 0 {
		if err := decode(c, &req); err != nil {
			if ae, ok := err.(*Error); !ok || ae.Message != "invalid body: a JSON object is required" {
				return err
			}
		}
	}
	id := c.Param("id")
	e, err := s.engineOfSession(c, id)
	if err != nil {
		return err
	}
	sess, err := e.EndSession(c.Request().Context(), id, req.Summary, "client")
	if err != nil {
		return err
	}
	s.record(c, "session.end", id, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"session": sess, "memory_count": sess.MemoryCount})
}

func (s *Server) getSession(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	id := c.Param("id")
	e, err := s.engineOfSession(c, id)
	if err != nil {
		return err
	}
	sess, err := e.Session(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sess)
}

func (s *Server) listSessions(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	limit, offset, err := pageQuery(c, 50)
	if err != nil {
		return err
	}
	active, err := queryBool(c, "active_only")
	if err != nil {
		return err
	}
	agent := c.QueryParam("agent_id")
	e, err := s.engine(c, "", agent, false)
	if err != nil {
		return err
	}
	list, total := e.Sessions(c.Request().Context(), agent, active, limit, offset)
	return c.JSON(http.StatusOK, map[string]any{"sessions": list, "total": total})
}

func (s *Server) sessionMemories(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	limit, offset, err := pageQuery(c, 100)
	if err != nil {
		return err
	}
	id := c.Param("id")
	e, err := s.engineOfSession(c, id)
	if err != nil {
		return err
	}
	sess, err := e.Session(c.Request().Context(), id)
	if err != nil {
		return err
	}
	ms, total := e.List(c.Request().Context(), memory.Filter{SessionID: id}, limit, offset)
	return c.JSON(http.StatusOK, map[string]any{"session": sess, "memories": ms, "total": total})
}

// agentEngine resolves the namespace of an agent route: an explicit
// namespace, the key's single grant, else the agent's own namespace.
func (s *Server) agentEngine(c echo.Context, agentID string) (*memory.Engine, error) {
	return s.engine(c, "", agentID, false)
}

func (s *Server) listAgents(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	k := keyOf(c)
	name, _, err := s.namespaceName(c, "", "")
	var names []string
	if err == nil {
		names = []string{name}
	} else if c.QueryParam("namespace") != "" || c.Request().Header.Get("X-Namespace") != "" {
		return err // a namespace was named and does not resolve: never fall back to all
	} else {
		for _, n := range s.store.Namespaces(k.OrganizationID) {
			if k.Allows(n) {
				names = append(names, n)
			}
		}
	}
	by := map[string]*memory.AgentSummary{}
	var order []string
	for _, n := range names {
		e, err := s.openNamespace(c, n, false)
		if err != nil {
			if len(names) == 1 {
				return err
			}
			continue
		}
		for _, a := range e.Agents(c.Request().Context()) {
			cur := by[a.AgentID]
			if cur == nil {
				cur = &memory.AgentSummary{AgentID: a.AgentID}
				by[a.AgentID] = cur
				order = append(order, a.AgentID)
			}
			cur.MemoryCount += a.MemoryCount
			cur.SessionCount += a.SessionCount
			cur.ActiveSessions += a.ActiveSessions
		}
	}
	out := make([]memory.AgentSummary, 0, len(order))
	for _, id := range order {
		out = append(out, *by[id])
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) agentMemories(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	limit, offset, err := pageQuery(c, 50)
	if err != nil {
		return err
	}
	typ := c.QueryParam("memory_type")
	if err := memory.ValidateType(typ); err != nil {
		return err
	}
	agent := c.Param("id")
	e, err := s.agentEngine(c, agent)
	if err != nil {
		return err
	}
	ms, _ := e.List(c.Request().Context(), memory.Filter{AgentID: agent, Type: typ}, limit, offset)
	return c.JSON(http.StatusOK, ms)
}

func (s *Server) agentStats(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	agent := c.Param("id")
	e, err := s.agentEngine(c, agent)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e.AgentStats(c.Request().Context(), agent))
}

func (s *Server) wakeUp(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	topN, err := queryInt(c, "top_n", 10, 1, 1000)
	if err != nil {
		return err
	}
	minImp, err := queryFloat(c, "min_importance", 0, 1)
	if err != nil {
		return err
	}
	agent := c.Param("id")
	e, err := s.agentEngine(c, agent)
	if err != nil {
		return err
	}
	ms, total := e.WakeUp(c.Request().Context(), agent, topN, minImp)
	return c.JSON(http.StatusOK, map[string]any{"agent_id": agent, "memories": ms, "total_available": total})
}
