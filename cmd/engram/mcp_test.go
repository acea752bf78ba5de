package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
)

// mcpSession starts an Engram server and `engram mcp` serving stdio-style
// newline-delimited JSON over pipes, and connects an MCP client to it.
func mcpSession(t *testing.T, key string, srv *clienttest.Server) *mcp.ClientSession {
	t.Helper()
	c, err := client.New(client.Options{BaseURL: srv.URL, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	inR, inW := io.Pipe()   // client -> server (the server's stdin)
	outR, outW := io.Pipe() // server -> client (the server's stdout)
	done := make(chan error, 1)
	go func() { done <- serveMCPIO(ctx, newMCPServer(c, "mcp-test", slog.New(slog.DiscardHandler)), inR, outW) }()
	cl := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, nil)
	cs, err := cl.Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		cancel()
		inW.Close()
		outW.Close()
		if err := <-done; err != nil {
			t.Errorf("mcp server: %v", err)
		}
	})
	return cs
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) (string, bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("tools/call %s: %v", name, err)
	}
	var sb strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			sb.WriteString(tc.Text)
		}
	}
	return sb.String(), res.IsError
}

func TestMCPToolsOverStdio(t *testing.T) {
	srv := clienttest.Start(t, nil)
	cs := mcpSession(t, clienttest.RootKey, srv)
	if got := cs.InitializeResult().ServerInfo.Name; got != "engram" {
		t.Fatalf("server name %q", got)
	}
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Description == "" || tl.InputSchema == nil {
			t.Errorf("tool %s lacks a description or schema", tl.Name)
		}
	}
	sort.Strings(names)
	want := "entities,forget,get,graph_traverse,namespaces,recall,search,session_end,session_start,store,update"
	if strings.Join(names, ",") != want {
		t.Fatalf("tools = %v, want %s", names, want)
	}

	text, isErr := callTool(t, cs, "session_start", map[string]any{})
	if isErr {
		t.Fatalf("session_start: %s", text)
	}
	var sess struct{ ID string }
	json.Unmarshal([]byte(text), &sess)
	text, isErr = callTool(t, cs, "store", map[string]any{"content": "Alice's birthday is on March 3", "tags": []string{"alice"}, "session_id": sess.ID})
	if isErr {
		t.Fatalf("store: %s", text)
	}
	var m struct {
		ID      string `json:"id"`
		AgentID string `json:"agent_id"`
	}
	if err := json.Unmarshal([]byte(text), &m); err != nil || !strings.HasPrefix(m.ID, "mem_") || m.AgentID != "mcp-test" {
		t.Fatalf("store answer %q", text)
	}
	for _, tool := range []string{"recall", "search"} {
		text, isErr = callTool(t, cs, tool, map[string]any{"query": "when is Alice's birthday?"})
		if isErr || !strings.Contains(text, "March 3") {
			t.Fatalf("%s: %v %s", tool, isErr, text)
		}
	}
	if text, isErr = callTool(t, cs, "update", map[string]any{"id": m.ID, "importance": 0.9}); isErr || !strings.Contains(text, "0.9") {
		t.Fatalf("update: %s", text)
	}
	if text, isErr = callTool(t, cs, "get", map[string]any{"id": m.ID}); isErr || !strings.Contains(text, "March 3") {
		t.Fatalf("get: %s", text)
	}
	if text, isErr = callTool(t, cs, "namespaces", nil); isErr || !strings.Contains(text, "_agent_mcp-test") {
		t.Fatalf("namespaces: %s", text)
	}
	if text, isErr = callTool(t, cs, "session_end", map[string]any{"session_id": sess.ID, "summary": "birthdays"}); isErr {
		t.Fatalf("session_end: %s", text)
	}
	if text, isErr = callTool(t, cs, "forget", map[string]any{"memory_ids": []string{m.ID}}); isErr || !strings.Contains(text, `"deleted_count": 1`) {
		t.Fatalf("forget: %s", text)
	}

	// Failures are tool errors, and the server keeps serving.
	for _, tc := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"get", map[string]any{"id": m.ID}, "NOT_FOUND"},
		{"store", map[string]any{"content": "x", "memory_type": "dream"}, "HTTP 400"},
		{"store", map[string]any{}, "content"},
		{"forget", map[string]any{}, "memory_ids"},
		{"recall", map[string]any{"query": "x", "namespace": "missing"}, "NAMESPACE_NOT_FOUND"},
	} {
		t.Run("tool="+tc.name+"/want="+tc.want, func(t *testing.T) {
			text, isErr := callTool(t, cs, tc.name, tc.args)
			if !isErr || !strings.Contains(text, tc.want) {
				t.Fatalf("isError=%v text=%q, want a tool error mentioning %q", isErr, text, tc.want)
			}
		})
	}
}

func TestMCPForbiddenIsToolError(t *testing.T) {
	srv := clienttest.Start(t, nil)
	cs := mcpSession(t, srv.Key(t, "read", "team-a"), srv)
	text, isErr := callTool(t, cs, "store", map[string]any{"content": "hello", "namespace": "team-a"})
	if !isErr || !strings.Contains(text, "INSUFFICIENT_SCOPE") {
		t.Fatalf("store with a read key: isError=%v %q", isErr, text)
	}
}

func TestMCPStreamableHTTP(t *testing.T) {
	srv := clienttest.Start(t, nil)
	c, err := client.New(client.Options{BaseURL: srv.URL, APIKey: clienttest.RootKey})
	if err != nil {
		t.Fatal(err)
	}
	ms := newMCPServer(c, "http-agent", nil)
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return ms }, nil))
	defer hs.Close()
	ctx := context.Background()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: hs.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if text, isErr := callTool(t, cs, "store", map[string]any{"content": "The wifi password is on the fridge"}); isErr {
		t.Fatalf("store over HTTP: %s", text)
	}
	if text, isErr := callTool(t, cs, "recall", map[string]any{"query": "wifi password"}); isErr || !strings.Contains(text, "fridge") {
		t.Fatalf("recall over HTTP: %s", text)
	}
}

func TestMCPGraphTools(t *testing.T) {
	srv := clienttest.Start(t, nil)
	cs := mcpSession(t, clienttest.RootKey, srv)
	if text, isErr := callTool(t, cs, "store", map[string]any{"namespace": "kg", "content": "Grace Hopper worked at the Harvard Computation Lab."}); isErr {
		t.Fatalf("store: %s", text)
	}
	text, isErr := callTool(t, cs, "entities", map[string]any{"namespace": "kg", "query": "grace"})
	if isErr && strings.Contains(text, "ROUTE_NOT_FOUND") {
		t.Skip("knowledge-graph routes are not served yet")
	}
	if isErr || !strings.Contains(text, "Grace Hopper") {
		t.Fatalf("entities: %s", text)
	}
	if text, isErr = callTool(t, cs, "graph_traverse", map[string]any{"namespace": "kg", "start": []string{"Grace Hopper"}}); isErr || !strings.Contains(text, "Harvard") {
		t.Fatalf("graph_traverse: %s", text)
	}
	if text, isErr = callTool(t, cs, "entities", map[string]any{}); !isErr || !strings.Contains(text, "namespace is required") {
		t.Fatalf("entities without a namespace: isError=%v %s", isErr, text)
	}
}
