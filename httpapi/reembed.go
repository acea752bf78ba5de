package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

// reembedStatus answers GET /v1/namespaces/{ns}/reembed (read): the
// progress of the namespace's re-embedding after an embedder change,
// {"status":"idle|running|failed","embedder","target_embedder","done",
// "total","started_at","error"?}.
func (s *Server) reembedStatus(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermRead)
	if err != nil {
		return err
	}
	st, err := s.store.ReembedStatus(c.Request().Context(), keyOf(c).OrganizationID, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
