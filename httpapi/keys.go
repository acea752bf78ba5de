package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) whoami(c echo.Context) error {
	k := keyOf(c)
	return c.JSON(http.StatusOK, map[string]any{
		"key_id": k.ID, "name": k.Name, "scope": k.Scope.String(), "namespaces": k.Namespaces,
		"organization_id": k.OrganizationID, "expires_at": unixPtr(k.ExpiresAt), "auth_enabled": true,
	})
}

// keyRoutes registers key, organization, audit and usage routes.
func (s *Server) keyRoutes(g *echo.Group) {}
