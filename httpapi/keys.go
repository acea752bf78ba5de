package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

func (s *Server) whoami(c echo.Context) error {
	k := keyOf(c)
	return c.JSON(http.StatusOK, map[string]any{
		"key_id": k.ID, "name": k.Name, "scope": k.Scope.String(), "namespaces": k.Namespaces,
		"organization_id": k.OrganizationID, "expires_at": unixPtr(k.ExpiresAt), "auth_enabled": true,
	})
}

// keyRoutes registers key, organization, audit and usage routes.
func (s *Server) keyRoutes(g *echo.Group) {
	for _, p := range []string{"/admin", "/v1/admin"} {
		g.POST(p+"/keys", s.createKey)
		g.GET(p+"/keys", s.listKeys)
		g.GET(p+"/keys/:id", s.getKey)
		g.PATCH(p+"/keys/:id", s.patchKey)
		g.DELETE(p+"/keys/:id", s.deleteKey)
		g.POST(p+"/keys/:id/rotate", s.rotateKey)
		g.POST(p+"/keys/:id/deactivate", s.deactivateKey)
		g.GET(p+"/keys/:id/usage", s.keyUsage)
		g.POST(p+"/organizations", s.createOrganization)
		g.GET(p+"/organizations", s.listOrganizations)
		g.GET(p+"/organizations/:id", s.getOrganization)
		g.PATCH(p+"/organizations/:id", s.patchOrganization)
	}
	g.POST("/v1/namespaces/:ns/keys", s.createNamespaceKey)
	g.GET("/v1/namespaces/:ns/keys", s.listNamespaceKeys)
	g.DELETE("/v1/namespaces/:ns/keys/:id", s.deleteNamespaceKey)
	g.GET("/v1/audit", s.listAudit)
	g.GET("/v1/audit/verify", s.verifyAudit)
	g.GET("/v1/usage", s.namespaceUsage)
}

const secretWarning = "Store this key now: it is shown only once and cannot be recovered."

// keyInfo is KeyInfo of API.md: never the secret or its digest.
type keyInfo struct {
	KeyID          string          `json:"key_id"`
	Name           string          `json:"name"`
	Scope          string          `json:"scope"`
	Permissions    []string        `json:"permissions"`
	Namespaces     []string        `json:"namespaces"`
	Namespace      string          `json:"namespace,omitempty"`
	Environment    string          `json:"environment"`
	OrganizationID string          `json:"organization_id"`
	RateLimit      *auth.RateLimit `json:"rate_limit,omitempty"`
	CreatedAt      int64           `json:"created_at"`
	ExpiresAt      *int64          `json:"expires_at"`
	LastUsedAt     *int64          `json:"last_used_at"`
	Active         bool            `json:"active"`
}

func toKeyInfo(k *auth.Key) keyInfo {
	perms := []string{}
	for _, p := range k.EffectivePermissions() {
		perms = append(perms, string(p))
	}
	return keyInfo{KeyID: k.ID, Name: k.Name, Scope: k.Scope.String(), Permissions: perms, Namespaces: k.Namespaces,
		Namespace: k.Namespace, Environment: k.Environment, OrganizationID: k.OrganizationID, RateLimit: k.RateLimit,
		CreatedAt: k.CreatedAt.Unix(), ExpiresAt: unixPtr(k.ExpiresAt), LastUsedAt: unixPtr(k.LastUsedAt),
		Active: k.Active}
}

// rateLimitJSON accepts a number (requests per second) or an object
// {"per_second"|"requests_per_second", "burst"?}.
type rateLimitJSON struct{ rl *auth.RateLimit }

func (r *rateLimitJSON) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err == nil {
		r.rl = &auth.RateLimit{PerSecond: n}
		return nil
	}
	var o struct {
		PerSecond         *float64 `json:"per_second"`
		RequestsPerSecond *float64 `json:"requests_per_second"`
		Burst             int      `json:"burst"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return &fieldError{"rate_limit", "must be a number of requests per second or {\"per_second\",\"burst\"}"}
	}
	rl := &auth.RateLimit{Burst: o.Burst}
	switch {
	case o.PerSecond != nil:
		rl.PerSecond = *o.PerSecond
	case o.RequestsPerSecond != nil:
		rl.PerSecond = *o.RequestsPerSecond
	default:
		return &fieldError{"rate_limit", "per_second is required"}
	}
	r.rl = rl
	return nil
}

type createKeyRequest struct {
	Name           string        `json:"name"`
	Scope          string        `json:"scope"`
	Namespaces     []string      `json:"namespaces"`
	Permissions    []string      `json:"permissions"`
	Environment    string        `json:"environment"`
	ExpiresInDays  int           `json:"expires_in_days"`
	RateLimit      rateLimitJSON `json:"rate_limit"`
	OrganizationID string        `json:"organization_id"`
}

// toCreate parses req into an auth request for org.
func (req *createKeyRequest) toCreate(org string) (auth.CreateRequest, error) {
	if req.Scope == "" {
		req.Scope = "read"
	}
	scope, err := auth.ParseScope(req.Scope)
	if err != nil {
		return auth.CreateRequest{}, err
	}
	var perms []auth.Permission
	if req.Permissions != nil {
		perms = []auth.Permission{}
		for _, p := range req.Permissions {
			pp, err := auth.ParsePermission(p)
			if err != nil {
				return auth.CreateRequest{}, err
			}
			perms = append(perms, pp)
		}
	}
	return auth.CreateRequest{OrganizationID: org, Name: req.Name, Scope: scope, Permissions: perms,
		Namespaces: req.Namespaces, Environment: req.Environment, ExpiresInDays: req.ExpiresInDays,
		RateLimit: req.RateLimit.rl}, nil
}

// unrestricted reports whether k is a super_admin over every namespace: it
// manages keys of every organization.
func unrestricted(k *auth.Key) bool { return k.AtLeast(auth.ScopeSuperAdmin) && k.Namespaces == nil }

// withinPower refuses (403 INSUFFICIENT_SCOPE) a key description with more
// power than actor: a higher scope, a permission actor lacks, or grants
// beyond actor's grants.
func withinPower(actor *auth.Key, scope auth.Scope, perms []auth.Permission, grants []string) error {
	if scope > actor.Scope {
		return forbiddenScope(scope.String(), actor.Scope.String())
	}
	if perms == nil {
		perms = auth.ImpliedPermissions(scope)
	}
	for _, p := range perms {
		if !actor.Can(p) {
			return forbiddenScope(string(p), actor.Scope.String())
		}
	}
	if actor.Namespaces == nil {
		return nil
	}
	e := &Error{Status: http.StatusForbidden, Code: "INSUFFICIENT_SCOPE",
		Message: "the API key may not grant namespaces beyond its own", Details: "namespaces: beyond the key's grants"}
	if grants == nil {
		return e
	}
	for _, g := range grants {
		if !grantCovered(actor, g) {
			return e
		}
	}
	return nil
}

// grantCovered reports whether every namespace grant g admits is admitted
// by actor's grants.
func grantCovered(actor *auth.Key, g string) bool {
	prefix, pattern := strings.CutSuffix(g, "*")
	if !pattern {
		return actor.Allows(g)
	}
	for _, a := range actor.Namespaces {
		if ap, ok := strings.CutSuffix(a, "*"); ok && strings.HasPrefix(prefix, ap) {
			return true
		}
	}
	return false
}

// keyOrg is the organization whose keys actor manages: "" (all) for an
// unrestricted super_admin.
func keyOrg(actor *auth.Key) string {
	if unrestricted(actor) {
		return ""
	}
	return actor.OrganizationID
}

// managedKey loads {id} for an admin route: a key of another organization
// answers 404, a key with more power than the caller 403.
func (s *Server) managedKey(c echo.Context) (*auth.Key, error) {
	if err := need(c, auth.PermAdmin); err != nil {
		return nil, err
	}
	actor := keyOf(c)
	k, err := s.keys.Get(c.Request().Context(), keyOrg(actor), c.Param("id"))
	if err != nil {
		return nil, err
	}
	if err := withinPower(actor, k.Scope, k.Permissions, k.Namespaces); err != nil {
		return nil, err
	}
	return k, nil
}

func createdKeyJSON(secret string, k *auth.Key) map[string]any {
	m := map[string]any{"key_id": k.ID, "key": secret, "name": k.Name, "scope": k.Scope.String(),
		"namespaces": k.Namespaces, "created_at": k.CreatedAt.Unix(), "expires_at": unixPtr(k.ExpiresAt),
		"warning": secretWarning}
	if k.Namespace != "" {
		m["namespace"] = k.Namespace
	}
	return m
}

func (s *Server) createKey(c echo.Context) error {
	if err := need(c, auth.PermAdmin); err != nil {
		return err
	}
	actor := keyOf(c)
	var req createKeyRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	org := actor.OrganizationID
	if req.OrganizationID != "" && req.OrganizationID != org {
		if !unrestricted(actor) {
			return forbiddenScope("super_admin", actor.Scope.String())
		}
		org = req.OrganizationID
	}
	cr, err := req.toCreate(org)
	if err != nil {
		return err
	}
	if err := withinPower(actor, cr.Scope, cr.Permissions, cr.Namespaces); err != nil {
		return err
	}
	secret, k, err := s.keys.Create(c.Request().Context(), cr)
	if err != nil {
		return err
	}
	s.record(c, "key.create", k.ID, usageDelta{})
	return c.JSON(http.StatusCreated, createdKeyJSON(secret, k))
}

func (s *Server) listKeys(c echo.Context) error {
	if err := need(c, auth.PermAdmin); err != nil {
		return err
	}
	actor := keyOf(c)
	org := keyOrg(actor)
	if q := c.QueryParam("organization_id"); q != "" && (org == "" || q == org) {
		org = q
	}
	activeOnly, err := queryBool(c, "active_only")
	if err != nil {
		return err
	}
	keys, err := s.keys.List(c.Request().Context(), org, auth.ListFilter{
		Environment: c.QueryParam("environment"), ActiveOnly: activeOnly})
	if err != nil {
		return err
	}
	out := []keyInfo{}
	for _, k := range keys {
		if withinPower(actor, k.Scope, k.Permissions, k.Namespaces) == nil {
			out = append(out, toKeyInfo(k))
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"keys": out, "total": len(out)})
}

func (s *Server) getKey(c echo.Context) error {
	k, err := s.managedKey(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toKeyInfo(k))
}

func (s *Server) patchKey(c echo.Context) error {
	k, err := s.managedKey(c)
	if err != nil {
		return err
	}
	var req struct {
		Name       *string         `json:"name"`
		Namespaces json.RawMessage `json:"namespaces"`
		RateLimit  json.RawMessage `json:"rate_limit"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	p := auth.Patch{Name: req.Name}
	if req.Namespaces != nil {
		var grants []string
		if err := decodeBytes(req.Namespaces, &grants); err != nil {
			return badRequest("namespaces", "must be a list of names or patterns, or null")
		}
		if err := withinPower(keyOf(c), k.Scope, k.Permissions, grants); err != nil {
			return err
		}
		p.Namespaces = &grants
	}
	if req.RateLimit != nil {
		var rl rateLimitJSON
		if err := decodeBytes(req.RateLimit, &rl); err != nil {
			return err
		}
		p.RateLimit, p.ClearRateLimit = rl.rl, rl.rl == nil
	}
	nk, err := s.keys.Update(c.Request().Context(), k.OrganizationID, k.ID, p)
	if err != nil {
		return err
	}
	s.record(c, "key.update", k.ID, usageDelta{})
	return c.JSON(http.StatusOK, toKeyInfo(nk))
}

// decodeOptional decodes a JSON body into v when there is one.
func decodeOptional(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return decode(c, v) // reports the read error as decode does
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return decodeBytes(body, v)
}

func (s *Server) rotateKey(c echo.Context) error {
	k, err := s.managedKey(c)
	if err != nil {
		return err
	}
	var req struct {
		GraceSecs int64 `json:"grace_secs"`
	}
	if err := decodeOptional(c, &req); err != nil {
		return err
	}
	if req.GraceSecs < 0 || req.GraceSecs > int64(auth.MaxRotationGrace/time.Second) {
		return badRequest("grace_secs", "must be between 0 and 604800")
	}
	secret, nk, old, err := s.keys.Rotate(c.Request().Context(), k.OrganizationID, k.ID, time.Duration(req.GraceSecs)*time.Second)
	if err != nil {
		return err
	}
	s.record(c, "key.rotate", k.ID, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"new_key": secret, "key_id": nk.ID, "old_key_id": old.ID,
		"old_key_expires_at": unixPtr(old.GraceUntil), "warning": secretWarning})
}

func (s *Server) deactivateKey(c echo.Context) error {
	k, err := s.managedKey(c)
	if err != nil {
		return err
	}
	if _, err := s.keys.Deactivate(c.Request().Context(), k.OrganizationID, k.ID); err != nil {
		return err
	}
	s.record(c, "key.deactivate", k.ID, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "API key deactivated"})
}

func (s *Server) deleteKey(c echo.Context) error {
	k, err := s.managedKey(c)
	if err != nil {
		return err
	}
	if err := s.keys.Delete(c.Request().Context(), k.OrganizationID, k.ID); err != nil {
		return err
	}
	s.record(c, "key.delete", k.ID, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"success": true, "message": "API key deleted"})
}
