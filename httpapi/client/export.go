package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
)

// ExportOptions tune Export.
type ExportOptions struct {
	// Embeddings includes each memory's vector.
	Embeddings bool
}

// Export streams a namespace's memories (admin) as NDJSON: one JSON object
// per line with "kind" ("memory", later "entity" and "relation") and the
// memory's fields. The caller must close the reader. The stream is bounded
// by ctx only, not by Options.Timeout.
func (c *Client) Export(ctx context.Context, ns string, opts ExportOptions) (io.ReadCloser, error) {
	p, err := c.nsPath(ns, "/export")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if opts.Embeddings {
		q.Set("embeddings", "true")
	}
	r := get(p, q)
	r.stream = true
	resp, _, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// ImportFailure is one line the server could not import.
type ImportFailure struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// ImportResult is the answer of Import.
type ImportResult struct {
	Imported int `json:"imported"`
	Skipped  int `json:"skipped"`
	Errors   int `json:"errors"`
	// Failures describes the first failed lines.
	Failures []ImportFailure `json:"failures,omitempty"`
}

// Import sends NDJSON (as written by Export) into a namespace (admin),
// creating it if needed. It is idempotent by memory id: lines whose id the
// namespace already holds are skipped. One request carries at most the
// server's body limit (10 MiB by default): split larger files. The request
// is retried only when r is an io.Seeker.
func (c *Client) Import(ctx context.Context, ns string, r io.Reader) (*ImportResult, error) {
	p, err := c.nsPath(ns, "/import")
	if err != nil {
		return nil, err
	}
	return call[ImportResult](ctx, c, request{method: http.MethodPost, path: p, body: r,
		ctype: "application/x-ndjson", idempotent: true})
}
