package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

// orgInfo is an organization on the wire; rate_limit appears when set.
type orgInfo struct {
	OrganizationID string          `json:"organization_id"`
	Name           string          `json:"name"`
	CreatedAt      int64           `json:"created_at"`
	RateLimit      *auth.RateLimit `json:"rate_limit,omitempty"`
}

func toOrgInfo(o *auth.Organization) orgInfo {
	return orgInfo{OrganizationID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt.Unix(), RateLimit: o.RateLimit}
}

// createOrganization answers POST /admin/organizations (super_admin):
// {"name", "rate_limit"?}, rate_limit as for keys.
func (s *Server) createOrganization(c echo.Context) error {
	if err := needScope(c, auth.ScopeSuperAdmin); err != nil {
		return err
	}
	var req struct {
		Name      string        `json:"name"`
		RateLimit rateLimitJSON `json:"rate_limit"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	o, err := s.keys.CreateOrganization(c.Request().Context(), req.Name, req.RateLimit.rl)
	if err != nil {
		return err
	}
	s.record(c, "organization.create", o.ID, usageDelta{})
	return c.JSON(http.StatusOK, toOrgInfo(o))
}

// listOrganizations answers GET /admin/organizations (super_admin).
func (s *Server) listOrganizations(c echo.Context) error {
	if err := needScope(c, auth.ScopeSuperAdmin); err != nil {
		return err
	}
	orgs, err := s.keys.ListOrganizations(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]orgInfo, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, toOrgInfo(o))
	}
	return c.JSON(http.StatusOK, map[string]any{"organizations": out, "total": len(out)})
}

// getOrganization answers GET /admin/organizations/{id} (super_admin).
func (s *Server) getOrganization(c echo.Context) error {
	if err := needScope(c, auth.ScopeSuperAdmin); err != nil {
		return err
	}
	o, err := s.keys.GetOrganization(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOrgInfo(o))
}

// patchOrganization answers PATCH /admin/organizations/{id} (super_admin):
// {"name"?, "rate_limit"?}; a null rate_limit removes the organization's
// limit. The organization's keys see a new limit on their next request.
func (s *Server) patchOrganization(c echo.Context) error {
	// Audited whatever the outcome; auditActions also covers refusals
	// before the handler runs (rate limits).
	s.record(c, "organization.update", clip(c.Param("id")), usageDelta{})
	if err := needScope(c, auth.ScopeSuperAdmin); err != nil {
		return err
	}
	var req struct {
		Name      *string         `json:"name"`
		RateLimit json.RawMessage `json:"rate_limit"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	p := auth.OrgPatch{Name: req.Name}
	if req.RateLimit != nil {
		var rl rateLimitJSON
		if err := decodeBytes(req.RateLimit, &rl); err != nil {
			return err
		}
		p.RateLimit, p.ClearRateLimit = rl.rl, rl.rl == nil
	}
	o, err := s.keys.UpdateOrganization(c.Request().Context(), c.Param("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOrgInfo(o))
}
