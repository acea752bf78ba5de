package client

import (
	"context"
	"net/http"
)

// CreateWebhookRequest subscribes a URL to a namespace's events. URL and
// Events are required.
type CreateWebhookRequest struct {
	// URL is the http(s) receiver, without credentials.
	URL string `json:"url"`
	// Events are any of memory.stored, memory.updated, memory.forgotten,
	// import.completed and namespace.deleted.
	Events []string `json:"events"`
	// Secret signs the deliveries; empty means the server generates one.
	Secret      string `json:"secret,omitempty"`
	Description string `json:"description,omitempty"`
	// IncludeContent adds the memories' content to the payloads.
	IncludeContent bool `json:"include_content,omitempty"`
}

// Webhook is a subscription of a namespace.
type Webhook struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Secret is set only in the answer of CreateWebhook: receivers check
	// the Engram-Signature header with it.
	Secret         string `json:"secret,omitempty"`
	Description    string `json:"description,omitempty"`
	IncludeContent bool   `json:"include_content"`
	CreatedAt      int64  `json:"created_at"`
	// Active is false once the namespace was deleted.
	Active bool `json:"active"`
}

// WebhookDelivery is one event sent (or to be sent) to a webhook. Times
// are Unix seconds.
type WebhookDelivery struct {
	ID      string `json:"id"`
	EventID string `json:"event_id"`
	Event   string `json:"event"`
	// Status is pending, delivered or failed.
	Status         string `json:"status"`
	Attempts       int    `json:"attempts"`
	LastStatusCode int    `json:"last_status_code"`
	LastError      string `json:"last_error"`
	CreatedAt      int64  `json:"created_at"`
	// NextAttemptAt is set while the delivery is pending.
	NextAttemptAt *int64 `json:"next_attempt_at"`
	DeliveredAt   *int64 `json:"delivered_at"`
}

// CreateWebhook subscribes a URL to a namespace's events (admin). The
// answer's Secret is shown only here. A server without webhooks answers
// 503.
func (c *Client) CreateWebhook(ctx context.Context, ns string, req CreateWebhookRequest) (*Webhook, error) {
	return nsCall[Webhook](ctx, c, ns, "/webhooks", req, false)
}

// ListWebhooks lists a namespace's webhooks, without secrets (admin).
func (c *Client) ListWebhooks(ctx context.Context, ns string) ([]Webhook, error) {
	p, err := c.nsPath(ns, "/webhooks")
	if err != nil {
		return nil, err
	}
	out, err := call[struct {
		Webhooks []Webhook `json:"webhooks"`
	}](ctx, c, get(p, nil))
	if err != nil {
		return nil, err
	}
	return out.Webhooks, nil
}

// DeleteWebhook removes a webhook (admin); an unknown id gives a 404.
func (c *Client) DeleteWebhook(ctx context.Context, ns, id string) error {
	p, err := c.nsPath(ns, "/webhooks/"+esc(id))
	if err != nil {
		return err
	}
	_, err = call[struct{}](ctx, c, request{method: http.MethodDelete, path: p, idempotent: true})
	return err
}

// ListWebhookDeliveries lists a webhook's deliveries, newest first
// (admin). status ("pending", "delivered", "failed") filters when not
// empty; limit zero means the server's default (50, at most 500).
func (c *Client) ListWebhookDeliveries(ctx context.Context, ns, id, status string, limit int) ([]WebhookDelivery, error) {
	p, err := c.nsPath(ns, "/webhooks/"+esc(id)+"/deliveries")
	if err != nil {
		return nil, err
	}
	out, err := call[struct {
		Deliveries []WebhookDelivery `json:"deliveries"`
	}](ctx, c, get(p, query("status", status, "limit", itoa(limit))))
	if err != nil {
		return nil, err
	}
	return out.Deliveries, nil
}

// RetryWebhookDelivery sends a failed or delivered delivery again, with a
// fresh round of attempts, and returns it (now pending) (admin). A
// delivery that is already pending gives a 409.
func (c *Client) RetryWebhookDelivery(ctx context.Context, ns, id, deliveryID string) (*WebhookDelivery, error) {
	out, err := nsCall[struct {
		Delivery WebhookDelivery `json:"delivery"`
	}](ctx, c, ns, "/webhooks/"+esc(id)+"/deliveries/"+esc(deliveryID)+"/retry", nil, false)
	if err != nil {
		return nil, err
	}
	return &out.Delivery, nil
}
