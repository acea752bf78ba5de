package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

// extractionStatus answers GET /v1/namespaces/{ns}/extraction (read): the
// state of the namespace's model-based extraction since the process
// started, {"configured","model"?,"queued","running","processed","failed",
// "dropped","skipped","entities_added","relations_added","items_rejected",
// "last_error"?,"last_error_at"?,"last_success_at"?} (memory.ExtractionStatus).
func (s *Server) extractionStatus(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermRead)
	if err != nil {
		return err
	}
	st, err := s.store.ExtractionStatus(c.Request().Context(), keyOf(c).OrganizationID, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
