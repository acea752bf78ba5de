package httpapi_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestCanaryNeverOnDisk stores a distinctive word in content, tags,
// metadata, agent_id, session metadata, namespace metadata and queries,
// closes the server, and scans every byte under the data directory.
func TestCanaryNeverOnDisk(t *testing.T) {
	const canary = "zqxcanaryword"
	env := newEnv(t, nil)
	agent := "agent-" + canary
	mustOK(t, env.root("POST", "/v1/namespaces", map[string]any{"name": "vault", "metadata": map[string]any{"k": canary}, "description": canary}))
	sess := mustOK(t, env.root("POST", "/v1/sessions/start", map[string]any{"agent_id": agent, "namespace": "vault", "metadata": map[string]any{"note": canary}}))
	sid := sess["session"].(map[string]any)["id"].(string)
	for i := 0; i < 30; i++ {
		mustOK(t, env.root("POST", "/v1/memory/store", map[string]any{
			"agent_id": agent, "namespace": "vault", "session_id": sid,
			"content": "the secret word is " + canary + " and nothing else",
			"tags":    []string{canary, "t-" + canary}, "metadata": map[string]any{canary: canary},
		}))
	}
	mustOK(t, env.root("POST", "/v1/memories/store/batch", map[string]any{"agent_id": agent, "memories": []any{
		map[string]any{"content": canary + " in the agent namespace", "tags": []string{canary}},
	}}))
	mustOK(t, env.root("POST", "/v1/memory/recall", map[string]any{"agent_id": agent, "namespace": "vault", "query": canary}))
	mustOK(t, env.root("POST", "/v1/sessions/"+sid+"/end", map[string]any{"summary": "summary " + canary}))
	env.close()

	needles := [][]byte{[]byte(canary), []byte("zqxcanary"), []byte("canaryword")}
	files := 0
	err := filepath.WalkDir(env.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(bytes.ToLower(b), n) {
				t.Errorf("%s contains %q in plaintext", path, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Fatalf("only %d files scanned; the test is not looking at the data", files)
	}
}
