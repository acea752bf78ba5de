package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// CreateKeyRequest creates an API key. Name and Scope (read, write, admin,
// super_admin) are required.
type CreateKeyRequest struct {
	Name  string `json:"name"`
	Scope string `json:"scope"`
	// Namespaces are the key's grants: names or "prefix*" patterns; nil
	// means every namespace of the organization.
	Namespaces    []string   `json:"namespaces,omitempty"`
	Permissions   []string   `json:"permissions,omitempty"`
	Environment   string     `json:"environment,omitempty"`
	ExpiresInDays int        `json:"expires_in_days,omitempty"`
	RateLimit     *KeyLimits `json:"rate_limit,omitempty"`
}

// CreatedKey is the answer of CreateKey: Key is the secret, shown once.
type CreatedKey struct {
	KeyID      string   `json:"key_id"`
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	Scope      string   `json:"scope"`
	Namespaces []string `json:"namespaces"`
	Namespace  string   `json:"namespace,omitempty"`
	CreatedAt  int64    `json:"created_at"`
	ExpiresAt  *int64   `json:"expires_at"`
	Warning    string   `json:"warning"`
}

// CreateKey creates an API key (admin of the organization, or super_admin).
func (c *Client) CreateKey(ctx context.Context, req CreateKeyRequest) (*CreatedKey, error) {
	return call[CreatedKey](ctx, c, post("/admin/keys", req, false))
}

// KeyList is the answer of ListKeys.
type KeyList struct {
	Keys  []KeyInfo `json:"keys"`
	Total int       `json:"total"`
}

// ListKeys lists the organization's keys (admin).
func (c *Client) ListKeys(ctx context.Context) (*KeyList, error) {
	return call[KeyList](ctx, c, get("/admin/keys", nil))
}

// GetKey describes one key (admin).
func (c *Client) GetKey(ctx context.Context, id string) (*KeyInfo, error) {
	return call[KeyInfo](ctx, c, get("/admin/keys/"+esc(id), nil))
}

// UpdateKeyRequest changes a key; nil fields are left unchanged.
type UpdateKeyRequest struct {
	Name       *string    `json:"name,omitempty"`
	Namespaces *[]string  `json:"namespaces,omitempty"`
	RateLimit  *KeyLimits `json:"rate_limit,omitempty"`
}

// UpdateKey changes a key (admin).
func (c *Client) UpdateKey(ctx context.Context, id string, req UpdateKeyRequest) (*KeyInfo, error) {
	return call[KeyInfo](ctx, c, request{method: http.MethodPatch, path: "/admin/keys/" + esc(id), body: req, idempotent: true})
}

// RotatedKey is the answer of RotateKey: NewKey is the secret, shown once.
type RotatedKey struct {
	NewKey          string `json:"new_key"`
	KeyID           string `json:"key_id"`
	OldKeyID        string `json:"old_key_id"`
	OldKeyExpiresAt *int64 `json:"old_key_expires_at"`
	Warning         string `json:"warning"`
}

// RotateKey replaces a key's secret; the old one keeps working for grace
// (at most 7 days; 0: the server's default).
func (c *Client) RotateKey(ctx context.Context, id string, grace time.Duration) (*RotatedKey, error) {
	body := map[string]any{}
	if grace > 0 {
		body["grace_secs"] = int64(grace / time.Second)
	}
	return call[RotatedKey](ctx, c, post("/admin/keys/"+esc(id)+"/rotate", body, false))
}

// DeactivateKey disables a key without deleting it (admin).
func (c *Client) DeactivateKey(ctx context.Context, id string) error {
	_, err := call[struct{}](ctx, c, post("/admin/keys/"+esc(id)+"/deactivate", nil, true))
	return err
}

// DeleteKey revokes a key (admin).
func (c *Client) DeleteKey(ctx context.Context, id string) error {
	_, err := call[struct{}](ctx, c, request{method: http.MethodDelete, path: "/admin/keys/" + esc(id), idempotent: true})
	return err
}

// KeyUsage are a key's usage counters.
type KeyUsage struct {
	KeyID               string         `json:"key_id"`
	TotalRequests       int64          `json:"total_requests"`
	SuccessfulRequests  int64          `json:"successful_requests"`
	FailedRequests      int64          `json:"failed_requests"`
	RateLimitedRequests int64          `json:"rate_limited_requests"`
	BytesTransferred    int64          `json:"bytes_transferred"`
	AvgLatencyMS        float64        `json:"avg_latency_ms"`
	ByEndpoint          map[string]any `json:"by_endpoint"`
	ByNamespace         map[string]any `json:"by_namespace"`
}

// GetKeyUsage returns a key's usage counters (admin).
func (c *Client) GetKeyUsage(ctx context.Context, id string) (*KeyUsage, error) {
	return call[KeyUsage](ctx, c, get("/admin/keys/"+esc(id)+"/usage", nil))
}

// CreateNamespaceKey creates a key bound to one namespace (scope at most
// admin).
func (c *Client) CreateNamespaceKey(ctx context.Context, ns, name, scope string, expiresInDays int) (*CreatedKey, error) {
	body := map[string]any{"name": name, "scope": scope}
	if expiresInDays > 0 {
		body["expires_in_days"] = expiresInDays
	}
	return nsCall[CreatedKey](ctx, c, ns, "/keys", body, false)
}

// ListNamespaceKeys lists the keys bound to a namespace.
func (c *Client) ListNamespaceKeys(ctx context.Context, ns string) (*KeyList, error) {
	p, err := c.nsPath(ns, "/keys")
	if err != nil {
		return nil, err
	}
	return call[KeyList](ctx, c, get(p, nil))
}

// DeleteNamespaceKey revokes a key bound to a namespace.
func (c *Client) DeleteNamespaceKey(ctx context.Context, ns, id string) error {
	p, err := c.nsPath(ns, "/keys/"+esc(id))
	if err != nil {
		return err
	}
	_, err = call[struct{}](ctx, c, request{method: http.MethodDelete, path: p, idempotent: true})
	return err
}

// Organization is a tenant of the server.
type Organization struct {
	OrganizationID string `json:"organization_id"`
	Name           string `json:"name"`
	CreatedAt      int64  `json:"created_at"`
}

// CreateOrganization creates an organization (super_admin).
func (c *Client) CreateOrganization(ctx context.Context, name string) (*Organization, error) {
	return call[Organization](ctx, c, post("/admin/organizations", map[string]string{"name": name}, false))
}

// ListOrganizations lists the organizations (super_admin).
func (c *Client) ListOrganizations(ctx context.Context) ([]Organization, error) {
	out, err := call[struct {
		Organizations []Organization `json:"organizations"`
	}](ctx, c, get("/admin/organizations", nil))
	if err != nil {
		return nil, err
	}
	return out.Organizations, nil
}

// AuditQuery filters AuditEvents; every field is optional.
type AuditQuery struct {
	Namespace, KeyID, Action string
	Since, Until             time.Time
	Limit                    int
	Cursor                   string
}

// AuditEvent is one audited action.
type AuditEvent struct {
	ID             string `json:"id"`
	At             int64  `json:"at"`
	RequestID      string `json:"request_id"`
	KeyID          string `json:"key_id"`
	OrganizationID string `json:"organization_id"`
	Namespace      string `json:"namespace"`
	Action         string `json:"action"`
	Target         string `json:"target"`
	Status         int    `json:"status"`
}

// AuditPage is the answer of AuditEvents.
type AuditPage struct {
	Events     []AuditEvent `json:"events"`
	NextCursor string       `json:"next_cursor"`
}

// AuditEvents lists audit events (admin).
func (c *Client) AuditEvents(ctx context.Context, q AuditQuery) (*AuditPage, error) {
	v := query("namespace", q.Namespace, "key_id", q.KeyID, "action", q.Action, "limit", itoa(q.Limit), "cursor", q.Cursor)
	setTime(v, "since", q.Since)
	setTime(v, "until", q.Until)
	return call[AuditPage](ctx, c, get("/v1/audit", v))
}

// AuditVerification is the answer of VerifyAudit.
type AuditVerification struct {
	OK            bool `json:"ok"`
	EventsChecked int  `json:"events_checked"`
}

// VerifyAudit checks the audit log's hash chain (super_admin).
func (c *Client) VerifyAudit(ctx context.Context) (*AuditVerification, error) {
	return call[AuditVerification](ctx, c, get("/v1/audit/verify", nil))
}

// Usage returns usage per namespace and key (admin); zero times are
// omitted.
func (c *Client) Usage(ctx context.Context, namespace string, from, to time.Time) (map[string]any, error) {
	v := query("namespace", namespace)
	setTime(v, "from", from)
	setTime(v, "to", to)
	out, err := call[map[string]any](ctx, c, get("/v1/usage", v))
	if err != nil {
		return nil, err
	}
	return *out, nil
}

func setTime(v url.Values, name string, t time.Time) {
	if !t.IsZero() {
		v.Set(name, strconv.FormatInt(t.Unix(), 10))
	}
}
