package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// decode reads the JSON body into v: unknown fields are ignored, wrong
// types answer 400 naming the field, an oversized body 413.
func decode(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return err
		}
		return badRequest("body", "could not be read")
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("body", "a JSON object is required")
	}
	if !utf8.Valid(body) {
		// encoding/json would silently replace the bytes with U+FFFD, so what
		// is stored would differ from what was sent.
		return badRequest("body", "must be valid UTF-8")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "body"
			}
			return badRequest(field, "must be "+jsonType(te.Type.String()))
		}
		var fe *fieldError
		if errors.As(err, &fe) {
			return badRequest(fe.field, fe.reason)
		}
		return badRequest("body", "malformed JSON")
	}
	return nil
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map"), strings.HasPrefix(goType, "struct"), strings.Contains(goType, "."):
		if strings.HasSuffix(goType, "Time") {
			return "a timestamp"
		}
		return "an object"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	}
	return "of another type"
}

type fieldError struct{ field, reason string }

func (e *fieldError) Error() string { return e.field + ": " + e.reason }

// flexTime accepts an ISO-8601 / RFC 3339 string or Unix seconds.
type flexTime struct{ t *time.Time }

func (f *flexTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		t, err := parseTime(s)
		if err != nil {
			return &fieldError{"time", "must be an ISO-8601 timestamp or Unix seconds"}
		}
		f.t = &t
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil || n < 0 || n > 253402300799 {
		return &fieldError{"time", "must be an ISO-8601 timestamp or Unix seconds"}
	}
	t := time.Unix(int64(n), 0).UTC()
	f.t = &t
	return nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, errors.New("bad time")
}

// queryInt reads an integer query parameter within [lo, hi], def if absent.
func queryInt(c echo.Context, name string, def, lo, hi int) (int, error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badRequest(name, "must be an integer between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi))
	}
	return n, nil
}

// pageQuery reads limit (1..1000, default def) and offset (>= 0).
func pageQuery(c echo.Context, def int) (limit, offset int, err error) {
	if limit, err = queryInt(c, "limit", def, 1, 1000); err != nil {
		return 0, 0, err
	}
	offset, err = queryInt(c, "offset", 0, 0, 1<<30)
	return limit, offset, err
}

func queryBool(c echo.Context, name string) (bool, error) {
	s := c.QueryParam(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, badRequest(name, "must be true or false")
	}
	return b, nil
}

func queryFloat(c echo.Context, name string, lo, hi float64) (*float64, error) {
	s := c.QueryParam(name)
	if s == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < lo || f > hi || f != f {
		return nil, badRequest(name, "must be a number between "+strconv.FormatFloat(lo, 'g', -1, 64)+" and "+strconv.FormatFloat(hi, 'g', -1, 64))
	}
	return &f, nil
}
