package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/engramhq/engram/httpapi/client"
)

func runMCP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return quiet(mcpCmd(ctx, args, stdout, stderr))
}

func mcpCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("mcp", "mcp [--http ADDR] [flags]",
		"  ENGRAM_API_KEY=... engram mcp                 # stdio, for Claude Desktop and other MCP clients\n"+
			"  ENGRAM_API_KEY=... engram mcp --http 127.0.0.1:8808   # streamable HTTP at http://127.0.0.1:8808/mcp\n", stderr)
	addr := fs.String("http", "", "serve streamable HTTP on this address instead of stdio")
	agent := fs.String("agent", envOr("ENGRAM_AGENT_ID", "mcp"), "default agent id of stored memories (env ENGRAM_AGENT_ID)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := newMCPServer(c, *agent, log)
	if *addr == "" {
		return serveMCPIO(ctx, srv, os.Stdin, nopWriteCloser{stdout})
	}
	return serveMCPHTTP(ctx, srv, *addr, log)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// serveMCPIO serves one MCP session over newline-delimited JSON on r and
// w (stdio) until the client disconnects or ctx ends.
func serveMCPIO(ctx context.Context, srv *mcp.Server, r io.ReadCloser, w io.WriteCloser) error {
	err := srv.Run(ctx, &mcp.IOTransport{Reader: r, Writer: w})
	if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// serveMCPHTTP serves MCP's streamable HTTP transport at /mcp (and /).
func serveMCPHTTP(ctx context.Context, srv *mcp.Server, addr string, log *slog.Logger) error {
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{Logger: log})
	hs := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	log.Warn("engram mcp listening", "addr", "http://"+addr+"/mcp")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newMCPServer returns an MCP server whose tools call Engram through c.
// agent is the agent id used when a tool call names none.
func newMCPServer(c *client.Client, agent string, log *slog.Logger) *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: "engram", Title: "Engram memory", Version: version()},
		&mcp.ServerOptions{Logger: log, Instructions: mcpInstructions})
	t := &mcpTools{c: c, agent: agent}
	t.register(srv)
	return srv
}

const mcpInstructions = `Engram is a long-term memory for agents. Call "recall" with a question before
answering when earlier conversations may matter; call "store" for facts, preferences and
decisions worth remembering (one fact per memory). Use "session_start"/"session_end" to
group a conversation's memories. Namespaces isolate tenants: pass "namespace" only when
told which one to use.`

// toolError turns an SDK error into the text an agent can act on.
func toolError(op string, err error) error {
	var e *client.Error
	if errors.As(err, &e) {
		msg := fmt.Sprintf("%s failed: %s (%s, HTTP %d)", op, e.Message, e.Code, e.Status)
		if e.Details != "" {
			msg += ": " + e.Details
		}
		return errors.New(msg)
	}
	return fmt.Errorf("%s failed: %v", op, err)
}
