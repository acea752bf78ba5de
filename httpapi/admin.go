package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

// backupAll answers GET /v1/admin/backup: a backup holds every namespace
// of every organization, so only a super_admin without namespace grants
// may take one (403 INSUFFICIENT_SCOPE otherwise).
func (s *Server) backupAll(c echo.Context) error {
	if k := keyOf(c); k.AtLeast(auth.ScopeSuperAdmin) && !unrestricted(k) {
		return &Error{Status: http.StatusForbidden, Code: "INSUFFICIENT_SCOPE",
			Message: "a backup holds every namespace: the API key's namespace grants do not allow it",
			Details: "required: super_admin over every namespace, actual: super_admin with namespace grants"}
	}
	return s.backup(c)
}

// adminNamespace resolves {ns} for the namespace key routes: admin on that
// namespace, which must exist.
func (s *Server) adminNamespace(c echo.Context) (string, error) {
	name, err := s.pathNamespace(c, auth.PermAdmin)
	if err != nil {
		return "", err
	}
	if _, err := s.store.ResolveName(keyOf(c).OrganizationID, name); err != nil {
		return "", err
	}
	return name, nil
}

// createNamespaceKey answers POST /v1/namespaces/{ns}/keys: a key whose
// grants are exactly that namespace, with a scope of at most admin and at
// most the caller's.
func (s *Server) createNamespaceKey(c echo.Context) error {
	name, err := s.adminNamespace(c)
	if err != nil {
		return err
	}
	actor := keyOf(c)
	var req createKeyRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	req.Namespaces = nil
	cr, err := req.toCreate(actor.OrganizationID)
	if err != nil {
		return err
	}
	cr.Namespace = name
	if err := withinPower(actor, cr.Scope, cr.Permissions, []string{name}); err != nil {
		return err
	}
	secret, k, err := s.keys.Create(c.Request().Context(), cr)
	if err != nil {
		return err
	}
	s.record(c, "key.create", k.ID, usageDelta{})
	return c.JSON(http.StatusCreated, createdKeyJSON(secret, k))
}

func (s *Server) listNamespaceKeys(c echo.Context) error {
	name, err := s.adminNamespace(c)
	if err != nil {
		return err
	}
	keys, err := s.keys.List(c.Request().Context(), keyOf(c).OrganizationID, auth.ListFilter{Namespace: name})
	if err != nil {
		return err
	}
	out := make([]keyInfo, 0, len(keys))
	for _, k := range keys {
		out = append(out, toKeyInfo(k))
	}
	return c.JSON(http.StatusOK, map[string]any{"keys": out, "total": len(out)})
}

func (s *Server) deleteNamespaceKey(c echo.Context) error {
	name, err := s.adminNamespace(c)
	if err != nil {
		return err
	}
	org := keyOf(c).OrganizationID
	k, err := s.keys.Get(c.Request().Context(), org, c.Param("id"))
	if err != nil {
		return err
	}
	if k.Namespace != name {
		return auth.ErrKeyNotFound
	}
	if err := s.keys.Delete(c.Request().Context(), org, k.ID); err != nil {
		return err
	}
	s.record(c, "key.delete", k.ID, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "API key deleted"})
}
