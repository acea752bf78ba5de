package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// mkKey creates an API key through the admin route and returns its secret.
func (b *battery) mkKey(ctx context.Context, name, scope string, namespaces []string) (string, error) {
	body := map[string]any{"name": name, "scope": scope, "rate_limit": map[string]any{"per_second": 100000, "burst": 100000}}
	if namespaces != nil {
		body["namespaces"] = namespaces
	}
	st, out, err := b.call(ctx, "POST", "/admin/keys", relRootKey, body)
	if err != nil {
		return "", err
	}
	if st != http.StatusCreated {
		return "", fmt.Errorf("create key: status %d: %s", st, tail(string(out), 300))
	}
	var r struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.Key == "" {
		return "", fmt.Errorf("create key answer %q", tail(string(out), 200))
	}
	return r.Key, nil
}

// hostilePart runs (c): crafted requests, each must be answered 4xx.
func (b *battery) hostilePart() {
	ctx := context.Background()
	key, err := b.mkKey(ctx, "hostile", "admin", nil)
	if err != nil {
		b.check(false, "hostile: create key: %v", err)
		return
	}
	tenK := make([]string, 10_000)
	for i := range tenK {
		tenK[i] = fmt.Sprintf("t%d", i)
	}
	big := b.cfg.Profile.BigArray
	million := bytes.Repeat([]byte("1,"), big)
	million = append(append([]byte(`{"agent_id":"rel","namespace":"hostile","content":"x","tags":[`), million[:len(million)-1]...), ']', '}')
	deep := append(append([]byte(`{"agent_id":"rel","namespace":"hostile","content":"x","metadata":{"a":`), bytes.Repeat([]byte("["), 100_000)...), bytes.Repeat([]byte("]"), 100_000)...)
	deep = append(deep, '}', '}')
	store := func(extra string) []byte {
		return []byte(`{"agent_id":"rel","namespace":"hostile",` + extra + `}`)
	}
	cases := []struct {
		name, method, path string
		body               []byte
	}{
		{"huge-top-k", "POST", "/v1/memory/recall", []byte(`{"agent_id":"rel","namespace":"hostile","query":"q","top_k":1e309}`)},
		{"huge-int-top-k", "POST", "/v1/memory/recall", []byte(`{"agent_id":"rel","namespace":"hostile","query":"q","top_k":99999999999999999999999}`)},
		{"negative-top-k", "POST", "/v1/memory/recall", []byte(`{"agent_id":"rel","namespace":"hostile","query":"q","top_k":-1}`)},
		{"huge-importance", "POST", "/v1/memory/store", store(`"content":"x","importance":1e308`)},
		{"deep-json-nesting", "POST", "/v1/memory/store", deep},
		{"invalid-utf8-content", "POST", "/v1/memory/store", store("\"content\":\"bad \xff\xfe bytes\"")},
		{"invalid-utf8-namespace", "POST", "/v1/memory/store", []byte("{\"agent_id\":\"rel\",\"namespace\":\"n\xff\",\"content\":\"x\"}")},
		{"null-byte-namespace", "POST", "/v1/memory/store", []byte(`{"agent_id":"rel","namespace":"a\u0000b","content":"x"}`)},
		{"null-byte-agent", "POST", "/v1/memory/store", []byte(`{"agent_id":"a\u0000b","namespace":"hostile","content":"x"}`)},
		{"traversal-namespace-body", "POST", "/v1/memory/store", []byte(`{"agent_id":"rel","namespace":"../../etc/passwd","content":"x"}`)},
		{"traversal-namespace-path", "GET", "/v1/namespaces/..%2F..%2Fetc", nil},
		{"traversal-namespace-create", "POST", "/v1/namespaces", []byte(`{"name":"../db"}`)},
		{"traversal-memory-id", "GET", "/v1/memories/..%2F..%2Fkeyring", nil},
		{"10k-tags", "POST", "/v1/memory/store", mustMarshal(map[string]any{"agent_id": "rel", "namespace": "hostile", "content": "x", "tags": tenK})},
		{fmt.Sprintf("%d-element-array", big), "POST", "/v1/memory/store", million},
		{fmt.Sprintf("%d-item-batch", big), "POST", "/v1/memories/store/batch", append(append([]byte(`{"namespace":"hostile","memories":[`), bytes.Repeat([]byte(`{},`), big)...), []byte(`{}]}`)...)},
		{"content-too-large", "POST", "/v1/memory/store", mustMarshal(map[string]any{"agent_id": "rel", "namespace": "hostile", "content": strings.Repeat("a", 100_001)})},
		{"malformed-json", "POST", "/v1/memory/store", []byte(`{"agent_id":"rel",`)},
		{"wrong-types", "POST", "/v1/memory/store", []byte(`{"agent_id":["rel"],"namespace":{},"content":7}`)},
		{"empty-body", "POST", "/v1/memory/store", []byte(``)},
		{"trailing-garbage", "POST", "/v1/memory/store", append(store(`"content":"x"`), []byte(`{"x":1}`)...)},
		{"bad-memory-type", "POST", "/v1/memory/store", store(`"content":"x","memory_type":"` + strings.Repeat("z", 5000) + `"`)},
		{"metadata-not-object", "POST", "/v1/memory/store", store(`"content":"x","metadata":[1,2]`)},
		{"huge-expires", "POST", "/v1/memory/store", store(`"content":"x","expires_at":1e300`)},
		{"canary-in-bad-query", "POST", "/v1/memory/recall", []byte(`{"agent_id":"rel","namespace":"hostile","query":"` + relCanary + `","top_k":5000}`)},
	}
	bad := 0
	for _, c := range cases {
		t0 := time.Now()
		st, out, err := b.call(ctx, c.method, c.path, key, c.body)
		d := time.Since(t0)
		ok := err == nil && st >= 400 && st < 500
		if !ok {
			bad++
		}
		b.check(ok, "hostile/case=%s status=%d %.1fms %s", c.name, st, float64(d.Microseconds())/1000, errOrBody(err, out, ok))
	}
	fmt.Fprintf(b.cfg.Out, "hostile cases=%d not-4xx=%d\n", len(cases), bad)
}

func errOrBody(err error, out []byte, ok bool) string {
	if err != nil {
		return err.Error()
	}
	if ok {
		return ""
	}
	return tail(string(out), 160)
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// canaryPart runs (e): scan every file of the stopped server's data
// directory for the canary word.
func (b *battery) canaryPart() {
	files, hits := 0, 0
	var where []string
	needles := [][]byte{[]byte(relCanary), []byte(strings.ToUpper(relCanary))}
	err := filepath.WalkDir(b.cfg.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(data, n) {
				hits++
				where = append(where, strings.TrimPrefix(p, b.cfg.Dir))
			}
		}
		return nil
	})
	b.check(err == nil && hits == 0 && files > 0, "canary files=%d hits=%d %v %v", files, hits, where, err)
}
