package client

import (
	"context"
	"net/http"
)

// Health is the answer of Health.
type Health struct {
	Status        string  `json:"status"`
	Service       string  `json:"service"`
	Version       string  `json:"version"`
	UptimeSeconds float64 `json:"uptime_seconds"`
}

// Health reports whether the server is up (no key needed).
func (c *Client) Health(ctx context.Context) (*Health, error) {
	return call[Health](ctx, c, get("/health", nil))
}

// Readiness is the answer of Ready.
type Readiness struct {
	Ready   bool                      `json:"ready"`
	Version string                    `json:"version"`
	Checks  map[string]map[string]any `json:"checks"`
}

// Ready reports whether the server is ready to serve (503 while opening,
// which the SDK retries).
func (c *Client) Ready(ctx context.Context) (*Readiness, error) {
	return call[Readiness](ctx, c, get("/health/ready", nil))
}

// Liveness is the answer of Live.
type Liveness struct {
	Alive         bool    `json:"alive"`
	Version       string  `json:"version"`
	UptimeSeconds float64 `json:"uptime_seconds"`
}

// Live reports whether the server process is alive.
func (c *Client) Live(ctx context.Context) (*Liveness, error) {
	return call[Liveness](ctx, c, get("/health/live", nil))
}

// Metrics returns the Prometheus text exposition.
func (c *Client) Metrics(ctx context.Context) (string, error) {
	_, data, err := c.do(ctx, get("/metrics", nil))
	return string(data), err
}

// Capabilities returns the server's version, embedder, limits and features.
func (c *Client) Capabilities(ctx context.Context) (map[string]any, error) {
	out, err := call[map[string]any](ctx, c, get("/v1/capabilities", nil))
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// Identity is the answer of WhoAmI.
type Identity struct {
	KeyID          string   `json:"key_id"`
	Name           string   `json:"name"`
	Scope          string   `json:"scope"`
	Namespaces     []string `json:"namespaces"`
	OrganizationID string   `json:"organization_id"`
	ExpiresAt      *int64   `json:"expires_at"`
	AuthEnabled    bool     `json:"auth_enabled"`
}

// WhoAmI describes the client's key.
func (c *Client) WhoAmI(ctx context.Context) (*Identity, error) {
	return call[Identity](ctx, c, get("/v1/auth/whoami", nil))
}

// ListNamespaces lists the namespaces the key may see.
func (c *Client) ListNamespaces(ctx context.Context) ([]string, error) {
	out, err := call[struct {
		Namespaces []string `json:"namespaces"`
	}](ctx, c, get("/v1/namespaces", nil))
	if err != nil {
		return nil, err
	}
	return out.Namespaces, nil
}

// CreateNamespaceRequest creates a namespace; only Name is required.
type CreateNamespaceRequest struct {
	Name        string         `json:"name"`
	Dimension   int            `json:"dimension,omitempty"`
	Distance    string         `json:"distance,omitempty"`
	Description string         `json:"description,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
}

// CreateNamespace creates a namespace (admin); 409 if it exists.
func (c *Client) CreateNamespace(ctx context.Context, req CreateNamespaceRequest) (*NamespaceInfo, error) {
	return call[NamespaceInfo](ctx, c, post("/v1/namespaces", req, false))
}

// PutNamespaceRequest creates or configures a namespace.
type PutNamespaceRequest struct {
	Dimension int            `json:"dimension,omitempty"`
	Distance  string         `json:"distance,omitempty"`
	IndexType string         `json:"index_type,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

// PutNamespaceResult is the answer of PutNamespace.
type PutNamespaceResult struct {
	Namespace string `json:"namespace"`
	Dimension int    `json:"dimension"`
	Distance  string `json:"distance"`
	Created   bool   `json:"created"`
}

// PutNamespace creates or updates a namespace (admin, idempotent).
func (c *Client) PutNamespace(ctx context.Context, ns string, req PutNamespaceRequest) (*PutNamespaceResult, error) {
	p, err := c.nsPath(ns, "")
	if err != nil {
		return nil, err
	}
	return call[PutNamespaceResult](ctx, c, request{method: http.MethodPut, path: p, body: req, idempotent: true})
}

// GetNamespace describes a namespace.
func (c *Client) GetNamespace(ctx context.Context, ns string) (*NamespaceInfo, error) {
	p, err := c.nsPath(ns, "")
	if err != nil {
		return nil, err
	}
	return call[NamespaceInfo](ctx, c, get(p, nil))
}

// DeleteNamespace destroys a namespace and everything in it (admin).
func (c *Client) DeleteNamespace(ctx context.Context, ns string) error {
	p, err := c.nsPath(ns, "")
	if err != nil {
		return err
	}
	_, err = call[struct{}](ctx, c, request{method: http.MethodDelete, path: p, idempotent: true})
	return err
}

// GetMemoryPolicy returns a namespace's memory policy.
func (c *Client) GetMemoryPolicy(ctx context.Context, ns string) (*MemoryPolicy, error) {
	p, err := c.nsPath(ns, "/memory_policy")
	if err != nil {
		return nil, err
	}
	return call[MemoryPolicy](ctx, c, get(p, nil))
}

// UpdateMemoryPolicy changes the fields set in patch and returns the
// whole policy (admin).
func (c *Client) UpdateMemoryPolicy(ctx context.Context, ns string, patch MemoryPolicy) (*MemoryPolicy, error) {
	p, err := c.nsPath(ns, "/memory_policy")
	if err != nil {
		return nil, err
	}
	return call[MemoryPolicy](ctx, c, request{method: http.MethodPut, path: p, body: patch, idempotent: true})
}

// GetNamespaceConfig returns a namespace's extraction configuration.
func (c *Client) GetNamespaceConfig(ctx context.Context, ns string) (*NamespaceConfig, error) {
	p, err := c.nsPath(ns, "/config")
	if err != nil {
		return nil, err
	}
	return call[NamespaceConfig](ctx, c, get(p, nil))
}

// UpdateNamespaceConfig changes the fields set in patch (admin).
func (c *Client) UpdateNamespaceConfig(ctx context.Context, ns string, patch NamespaceConfig) (*NamespaceConfig, error) {
	p, err := c.nsPath(ns, "/config")
	if err != nil {
		return nil, err
	}
	return call[NamespaceConfig](ctx, c, request{method: http.MethodPatch, path: p, body: patch, idempotent: true})
}

// ExtractionStatus reports a namespace's model-based extraction: counters
// since the server started, queue length and last error (read).
func (c *Client) ExtractionStatus(ctx context.Context, ns string) (*ExtractionStatus, error) {
	p, err := c.nsPath(ns, "/extraction")
	if err != nil {
		return nil, err
	}
	return call[ExtractionStatus](ctx, c, get(p, nil))
}
