// Package examples holds runnable programs that use Engram through its Go
// SDK (github.com/engramhq/engram/httpapi/client). Each is a package main
// reading ENGRAM_URL and ENGRAM_API_KEY; each has a test that runs it
// against a real server.
//
//   - quickstart: store and recall.
//   - saas-per-user: one namespace and one scoped key per user.
//   - multi-agent-shared: agents sharing a namespace, each with a private one.
//   - mcp-config: MCP client configuration for `engram mcp`.
package examples
