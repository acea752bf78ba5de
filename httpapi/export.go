package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/auth"
)

// exportFlushEvery is how many lines the export writes between flushes.
const exportFlushEvery = 256

// exportNamespace streams GET /v1/namespaces/{ns}/export: NDJSON, one
// memory per line, no embeddings unless ?embeddings=true.
func (s *Server) exportNamespace(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermAdmin)
	if err != nil {
		return err
	}
	withEmb, err := queryBool(c, "embeddings")
	if err != nil {
		return err
	}
	e, err := s.store.Engine(c.Request().Context(), keyOf(c).OrganizationID, name)
	if err != nil {
		return err
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.ndjson"`)
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	n := 0
	err = e.Export(c.Request().Context(), withEmb, func(line any) error {
		if err := enc.Encode(line); err != nil {
			return err
		}
		if n++; n%exportFlushEvery == 0 {
			w.Flush()
		}
		return nil
	})
	if err != nil {
		// The status is sent: the client sees a truncated stream.
		s.log.Error("export failed", "request_id", requestID(c), "ns", name, "err", err)
		return nil
	}
	w.Flush()
	s.record(c, "namespace.export", name, usageDelta{})
	return nil
}

// importLine is one NDJSON line of an import: an export record.
type importLine struct {
	Kind string `json:"kind"`
	memory.StoreInput
}

// importRelationLine is a relation line of an import.
type importRelationLine struct {
	memory.ExportRelation
	line int
}

// maxImportLine bounds one NDJSON line (a memory with its embedding).
const maxImportLine = 4 << 20

// maxImportFailures bounds the failures listed in the answer.
const maxImportFailures = 100

type importFailure struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// importNamespace handles POST /v1/namespaces/{ns}/import: NDJSON in (as
// exported), the namespace created if needed, idempotent by memory id.
// Entity lines are skipped (entities are re-extracted from the memories);
// relations written directly are re-created after the memories, extracted
// ones come back with their memories.
func (s *Server) importNamespace(c echo.Context) error {
	name, err := s.pathNamespace(c, auth.PermAdmin)
	if err != nil {
		return err
	}
	items, lines, rels, skipped, failures, err := readImport(c)
	if err != nil {
		return err
	}
	e, err := s.openNamespace(c, name, memory.ValidateNamespaceName(name) == nil)
	if err != nil {
		return err
	}
	res, err := e.Import(c.Request().Context(), items)
	if err != nil {
		return err
	}
	for _, f := range res.Failures {
		failures = append(failures, importFailure{Line: lines[f.Index], Error: f.Reason})
	}
	if len(rels) > 0 {
		rs := make([]memory.ExportRelation, len(rels))
		for i := range rels {
			rs[i] = rels[i].ExportRelation
		}
		rres, err := e.ImportRelations(c.Request().Context(), rs)
		if err != nil {
			return err
		}
		res.Imported += rres.Imported
		res.Skipped += rres.Skipped
		for _, f := range rres.Failures {
			failures = append(failures, importFailure{Line: rels[f.Index].line, Error: f.Reason})
		}
	}
	nErr := len(failures)
	if len(failures) > maxImportFailures {
		failures = failures[:maxImportFailures]
	}
	s.record(c, "namespace.import", name, usageStores(res.Imported))
	return c.JSON(http.StatusOK, map[string]any{"imported": res.Imported, "skipped": res.Skipped + skipped,
		"errors": nErr, "failures": failures})
}

// readImport parses the NDJSON body into store inputs and their line
// numbers, and relations; bad lines become failures, entity lines and
// unknown kinds are skipped.
func readImport(c echo.Context) (items []memory.StoreInput, lines []int, rels []importRelationLine, skipped int, failures []importFailure, err error) {
	sc := bufio.NewScanner(c.Request().Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxImportLine)
	for n := 1; sc.Scan(); n++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var l importLine
		if err := decodeBytes(b, &l); err != nil {
			failures = append(failures, importFailure{Line: n, Error: toAPIError(err).Message})
			continue
		}
		switch l.Kind {
		case "", memory.ExportKindMemory:
		case memory.ExportKindRelation:
			var r importRelationLine
			if err := decodeBytes(b, &r.ExportRelation); err != nil {
				failures = append(failures, importFailure{Line: n, Error: toAPIError(err).Message})
				continue
			}
			r.line = n
			rels = append(rels, r)
			continue
		default:
			skipped++
			continue
		}
		l.StoreInput.ID = strings.TrimSpace(l.StoreInput.ID)
		items = append(items, l.StoreInput)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, nil, nil, 0, nil, err
		}
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, nil, 0, nil, badRequest("body", "a line is longer than 4 MiB")
		}
		return nil, nil, nil, 0, nil, badRequest("body", "could not be read")
	}
	return items, lines, rels, skipped, failures, nil
}
