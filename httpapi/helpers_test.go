package httpapi_test

import (
	"encoding/json"

	"github.com/engramhq/engram/httpapi"
)

func httpapiOptions(maxBody int64) httpapi.Options { return httpapi.Options{MaxBodyBytes: maxBody} }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
