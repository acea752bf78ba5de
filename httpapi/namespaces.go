package httpapi

import (
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

type namespaceRequest struct {
	Name        string  `json:"name"`
	Namespace   string  `json:"namespace"`
	Dimension   *int    `json:"dimension"`
	Dimensions  *int    `json:"dimensions"`
	Distance    string  `json:"distance"`
	IndexType   string  `json:"index_type"`
	Description string  `json:"description"`
	Metadata    rawJSON `json:"metadata"`
}

func (r *namespaceRequest) spec(name string) (memory.NamespaceSpec, error) {
	dim := 0
	for _, d := range []*int{r.Dimension, r.Dimensions} {
		if d != nil {
			if *d < 1 || *d > 4096 {
				return memory.NamespaceSpec{}, badRequest("dimension", "must be between 1 and 4096")
			}
			dim = *d
		}
	}
	if r.Distance == "dot" {
		r.Distance = "dot_product"
	}
	switch r.IndexType {
	case "", "flat", "hnsw", "auto":
	default:
		return memory.NamespaceSpec{}, badRequest("index_type", "must be flat, hnsw or auto")
	}
	md := r.Metadata
	if string(md) == "null" {
		md = nil
	}
	return memory.NamespaceSpec{Name: name, Dimension: dim, Distance: r.Distance, Description: r.Description, Metadata: md}, nil
}

// pathNamespace resolves {ns} (a name or public id) and checks the key's
// grant and permission: a namespace outside the grants answers 403 whether
// or not it exists.
func (s *Server) pathNamespace(c echo.Context, perm auth.Permission) (string, error) {
	if err := need(c, perm); err != nil {
		return "", err
	}
	k := keyOf(c)
	name := c.Param("ns")
	if strings.HasPrefix(name, "ns_") {
		n, err := s.store.ResolveName(k.OrganizationID, name)
		if err != nil {
			return "", err
		}
		name = n
	}
	if !k.Allows(name) {
		return "", forbiddenNamespace(name)
	}
	c.Set(ctxNSID, name)
	return name, nil
}

func (s *Server) listNamespaces(c echo.Context) error {
	if err := need(c, auth.PermRead); err != nil {
		return err
	}
	k := keyOf(c)
	out := []string{}
	for _, n := range s.store.Namespaces(k.OrganizationID) {
		if k.Allows(n) {
			out = append(out, n)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"namespaces": out})
}

func (s *Server) createNamespace(c echo.Context) error {
	if err := need(c, auth.PermAdmin); err != nil {
		return err
	}
	var req namespaceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	name := req.Name
	if name == "" {
		name = req.Namespace
	}
	if name == "" {
		return badRequest("name", "is required")
	}
	if err := memory.ValidateNamespaceName(name); err != nil {
		return err
	}
	k := keyOf(c)
	if !k.Allows(name) {
		return forbiddenNamespace(name)
	}
	spec, err := req.spec(name)
	if err != nil {
		return err
	}
	info, err := s.store.CreateNamespace(c.Request().Context(), k.OrganizationID, spec)
	if err != nil {
		return err
	}
	s.record(c, "namespace.create", name, usageDelta{})
	return c.JSON(http.StatusOK, s.fillCounts(c, info))
}

func (s *Server) putNamespace(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermAdmin)
	if err != nil {
		return err
	}
	var req namespaceRequest
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := decodeBytes(body, &req); err != nil {
			return err
		}
	}
	spec, err := req.spec(name)
	if err != nil {
		return err
	}
	info, created, err := s.store.PutNamespace(c.Request().Context(), keyOf(c).OrganizationID, spec, true)
	if err != nil {
		return err
	}
	s.record(c, "namespace.put", name, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"namespace": info.Namespace, "dimension": info.Dimension, "distance": info.Distance, "created": created})
}

func (s *Server) getNamespace(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermRead)
	if err != nil {
		return err
	}
	info, err := s.store.Namespace(c.Request().Context(), keyOf(c).OrganizationID, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, info)
}

func (s *Server) fillCounts(c echo.Context, info *memory.NamespaceInfo) *memory.NamespaceInfo {
	if info.MemoryCount >= 0 {
		return info
	}
	full, err := s.store.Namespace(c.Request().Context(), info.OrganizationID, info.Namespace)
	if err != nil {
		info.MemoryCount, info.VectorCount = 0, 0
		return info
	}
	return full
}

func (s *Server) deleteNamespace(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermAdmin)
	if err != nil {
		return err
	}
	if err := s.store.DeleteNamespace(c.Request().Context(), keyOf(c).OrganizationID, name); err != nil {
		return err
	}
	s.record(c, "namespace.delete", name, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"deleted": true})
}

func (s *Server) getPolicy(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermRead)
	if err != nil {
		return err
	}
	p, err := s.store.Policy(keyOf(c).OrganizationID, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) putPolicy(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermAdmin)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	var probe map[string]rawJSON
	if err := decodeBytes(body, &probe); err != nil {
		return err
	}
	p, err := s.store.UpdatePolicy(c.Request().Context(), keyOf(c).OrganizationID, name, body)
	if err != nil {
		return err
	}
	s.record(c, "namespace.policy", name, usageDelta{})
	return c.JSON(http.StatusOK, p)
}

func (s *Server) getConfig(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermRead)
	if err != nil {
		return err
	}
	cfg, err := s.store.Config(keyOf(c).OrganizationID, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cfg)
}

func (s *Server) patchConfig(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermAdmin)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	var probe struct {
		ExtractEntities *bool    `json:"extract_entities"`
		EntityTypes     []string `json:"entity_types"`
	}
	if err := decodeBytes(body, &probe); err != nil {
		return err
	}
	cfg, err := s.store.UpdateConfig(c.Request().Context(), keyOf(c).OrganizationID, name, body)
	if err != nil {
		return err
	}
	s.record(c, "namespace.config", name, usageDelta{})
	return c.JSON(http.StatusOK, cfg)
}
