package httpapi

import (
	"errors"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

// need checks that the request's key holds perm. It is called first by
// every handler, before any input is looked at.
func need(c echo.Context, perm auth.Permission) error {
	k := keyOf(c)
	if k.Can(perm) {
		return nil
	}
	req := string(perm)
	if perm == auth.PermDelete {
		req = "write"
	}
	actual := "none"
	if k != nil {
		actual = k.Scope.String()
	}
	return forbiddenScope(req, actual)
}

func needScope(c echo.Context, s auth.Scope) error {
	k := keyOf(c)
	if k.AtLeast(s) {
		return nil
	}
	actual := "none"
	if k != nil {
		actual = k.Scope.String()
	}
	return forbiddenScope(s.String(), actual)
}

// namespaceName resolves which namespace a memory route addresses, in
// API.md's order: the body or query `namespace`, the X-Namespace header,
// the key's single granted namespace, else the agent's own namespace.
func (s *Server) namespaceName(c echo.Context, explicit, agentID string) (name string, agentNS bool, err error) {
	k := keyOf(c)
	if explicit == "" {
		explicit = c.QueryParam("namespace")
	}
	if explicit == "" {
		explicit = c.Request().Header.Get("X-Namespace")
	}
	if explicit == "" {
		if ns, ok := k.SingleNamespace(); ok {
			explicit = ns
		}
	}
	if explicit != "" {
		if strings.HasPrefix(explicit, "ns_") {
			n, err := s.store.ResolveName(k.OrganizationID, explicit)
			if err != nil {
				return "", false, err
			}
			explicit = n
		}
		return explicit, false, nil
	}
	if agentID == "" {
		return "", false, badRequest("namespace", "is required (or agent_id, to use the agent's own namespace)")
	}
	n, err := memory.AgentNamespace(agentID)
	return n, true, err
}

// engine resolves, authorizes and opens the namespace of a memory route.
// create lets a write create the namespace on first use: an agent's own
// namespace, or a named one the key's grants cover.
func (s *Server) engine(c echo.Context, explicit, agentID string, create bool) (*memory.Engine, error) {
	name, agentNS, err := s.namespaceName(c, explicit, agentID)
	if err != nil {
		return nil, err
	}
	return s.openNamespace(c, name, create && (agentNS || memory.ValidateNamespaceName(name) == nil))
}

func (s *Server) openNamespace(c echo.Context, name string, create bool) (*memory.Engine, error) {
	k := keyOf(c)
	if !k.Allows(name) {
		return nil, forbiddenNamespace(name)
	}
	e, err := s.store.EnsureNamespace(c.Request().Context(), k.OrganizationID, name, create)
	if err != nil {
		return nil, err
	}
	c.Set(ctxNSID, name)
	if err := s.namespaceRateLimit(c, k.OrganizationID, name); err != nil {
		return nil, err
	}
	return e, nil
}

// engineOfMemory finds a memory's namespace by its server-wide id; a memory
// the key may not see answers 404, exactly like one that does not exist.
func (s *Server) engineOfMemory(c echo.Context, id string) (*memory.Engine, error) {
	k := keyOf(c)
	org, name, err := s.store.LocateMemory(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if org != k.OrganizationID || !k.Allows(name) {
		return nil, memory.ErrNotFound
	}
	e, err := s.store.Engine(c.Request().Context(), org, name)
	if errors.Is(err, memory.ErrNamespaceNotFound) {
		return nil, memory.ErrNotFound
	}
	c.Set(ctxNSID, name)
	return e, err
}

func (s *Server) engineOfSession(c echo.Context, id string) (*memory.Engine, error) {
	k := keyOf(c)
	org, name, err := s.store.LocateSession(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if org != k.OrganizationID || !k.Allows(name) {
		return nil, memory.ErrSessionNotFound
	}
	e, err := s.store.Engine(c.Request().Context(), org, name)
	if errors.Is(err, memory.ErrNamespaceNotFound) {
		return nil, memory.ErrSessionNotFound
	}
	c.Set(ctxNSID, name)
	return e, err
}
