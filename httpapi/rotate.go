package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
)

// rotateNamespaceKey answers POST /v1/namespaces/{ns}/rotate-key (admin): it adds a
// new data-key version to the namespace and re-seals its rows in the
// background while the namespace keeps serving. 202 with
// {"namespace","key_version","status","resealed"}; a second call while one
// runs reports that one's progress.
func (s *Server) rotateNamespaceKey(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermAdmin)
	if err != nil {
		return err
	}
	st, err := s.store.RotateNamespaceKey(c.Request().Context(), keyOf(c).OrganizationID, name)
	if err != nil {
		return err
	}
	s.record(c, "namespace.rotate_key", name, usageDelta{})
	return c.JSON(http.StatusAccepted, st)
}

// backup answers GET /v1/admin/backup (super_admin): an online, consistent
// backup of the whole server streamed in the format of memory.Store.Backup
// (sealed values, keyring sealed by the master key; restore it with
// `engram restore`).
func (s *Server) backup(c echo.Context) error {
	if err := needScope(c, auth.ScopeSuperAdmin); err != nil {
		return err
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="engram-`+strconv.FormatInt(time.Now().Unix(), 10)+`.backup"`)
	w.WriteHeader(http.StatusOK)
	s.record(c, "server.backup", "", usageDelta{})
	if _, err := s.store.Backup(c.Request().Context(), w); err != nil {
		// The status is sent: the client sees a truncated stream, which
		// restore refuses (checksum).
		s.log.Error("backup failed", "request_id", requestID(c), "err", err)
	}
	return nil
}
