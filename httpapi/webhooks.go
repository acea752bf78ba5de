package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/engramhq/engram/memory/auth"
	"github.com/engramhq/engram/memory/webhook"
)

// errWebhooksDisabled answers the webhook routes of a server without a
// webhook service.
var errWebhooksDisabled = errors.New("httpapi: webhooks disabled")

type webhookRequest struct {
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Secret         string   `json:"secret"`
	Description    string   `json:"description"`
	IncludeContent bool     `json:"include_content"`
}

type webhookJSON struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Secret         string   `json:"secret,omitempty"`
	Description    string   `json:"description,omitempty"`
	IncludeContent bool     `json:"include_content"`
	CreatedAt      int64    `json:"created_at"`
	Active         bool     `json:"active"`
}

func toWebhookJSON(w webhook.Subscription, secret string) webhookJSON {
	return webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, Secret: secret, Description: w.Description,
		IncludeContent: w.IncludeContent, CreatedAt: w.CreatedAt.Unix(), Active: w.Active}
}

type deliveryJSON struct {
	ID             string `json:"id"`
	EventID        string `json:"event_id"`
	Event          string `json:"event"`
	Status         string `json:"status"`
	Attempts       int    `json:"attempts"`
	LastStatusCode int    `json:"last_status_code"`
	LastError      string `json:"last_error"`
	CreatedAt      int64  `json:"created_at"`
	NextAttemptAt  *int64 `json:"next_attempt_at"`
	DeliveredAt    *int64 `json:"delivered_at"`
}

func toDeliveryJSON(d webhook.Delivery) deliveryJSON {
	return deliveryJSON{ID: d.ID, EventID: d.EventID, Event: d.Event, Status: d.Status, Attempts: d.Attempts,
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, CreatedAt: d.CreatedAt.Unix(),
		NextAttemptAt: unixPtr(d.NextAttemptAt), DeliveredAt: unixPtr(d.DeliveredAt)}
}

// webhookNamespace checks admin on {ns} and that webhooks are enabled.
func (s *Server) webhookNamespace(c echo.Context) (string, error) {
	name, err := s.pathNamespace(c, auth.PermAdmin)
	if err != nil {
		return "", err
	}
	if s.opts.Webhooks == nil {
		return "", errWebhooksDisabled
	}
	return name, nil
}

func (s *Server) createWebhook(c echo.Context) error {
	ns, err := s.webhookNamespace(c)
	if err != nil {
		return err
	}
	var req webhookRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	org := keyOf(c).OrganizationID
	if _, err := s.store.Namespace(ctx, org, ns); err != nil {
		return err
	}
	w, secret, err := s.opts.Webhooks.Subscribe(ctx, org, ns, webhook.SubscribeInput{URL: req.URL, Events: req.Events,
		Secret: req.Secret, Description: req.Description, IncludeContent: req.IncludeContent})
	if err != nil {
		return err
	}
	s.record(c, "webhook.create", w.ID, usageDelta{})
	return c.JSON(http.StatusCreated, toWebhookJSON(w, secret))
}

func (s *Server) listWebhooks(c echo.Context) error {
	ns, err := s.webhookNamespace(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Webhooks.List(c.Request().Context(), keyOf(c).OrganizationID, ns)
	if err != nil {
		return err
	}
	out := make([]webhookJSON, len(list))
	for i, w := range list {
		out[i] = toWebhookJSON(w, "")
	}
	return c.JSON(http.StatusOK, map[string]any{"webhooks": out})
}

func (s *Server) deleteWebhook(c echo.Context) error {
	ns, err := s.webhookNamespace(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	if err := s.opts.Webhooks.Delete(c.Request().Context(), keyOf(c).OrganizationID, ns, id); err != nil {
		return err
	}
	s.record(c, "webhook.delete", id, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"deleted": true})
}

func (s *Server) listDeliveries(c echo.Context) error {
	ns, err := s.webhookNamespace(c)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	list, err := s.opts.Webhooks.Deliveries(c.Request().Context(), keyOf(c).OrganizationID, ns, c.Param("id"),
		c.QueryParam("status"), limit)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, len(list))
	for i, d := range list {
		out[i] = toDeliveryJSON(d)
	}
	return c.JSON(http.StatusOK, map[string]any{"deliveries": out})
}

func (s *Server) retryDelivery(c echo.Context) error {
	ns, err := s.webhookNamespace(c)
	if err != nil {
		return err
	}
	d, err := s.opts.Webhooks.Retry(c.Request().Context(), keyOf(c).OrganizationID, ns, c.Param("id"), c.Param("delivery_id"))
	if err != nil {
		return err
	}
	s.record(c, "webhook.retry", d.ID, usageDelta{})
	return c.JSON(http.StatusOK, map[string]any{"delivery": toDeliveryJSON(d)})
}

// webhookEvents maps the audit action a handler records to the webhook
// event it emits once the request succeeded.
var webhookEvents = map[string]string{
	"memory.store":        webhook.MemoryStored,
	"memory.store_batch":  webhook.MemoryStored,
	"memory.update":       webhook.MemoryUpdated,
	"memory.forget":       webhook.MemoryForgotten,
	"memory.forget_batch": webhook.MemoryForgotten,
	"namespace.import":    webhook.ImportCompleted,
	"namespace.delete":    webhook.NamespaceDeleted,
}

// capturedRoutes are the routes whose answer carries the event's ids,
// counts or contents.
var capturedRoutes = map[string]bool{
	"POST /v1/memory/store":            true,
	"POST /v1/memories/store/batch":    true,
	"PUT /v1/memory/update/:id":        true,
	"POST /v1/memory/forget":           true,
	"DELETE /v1/memories/forget/batch": true,
	"POST /v1/memories/forget/batch":   true,
}

const ctxCapture = "engram.webhook_capture"

// captureWriter copies the answer (up to limit bytes) for emitEvent.
type captureWriter struct {
	http.ResponseWriter
	buf   bytes.Buffer
	limit int
	over  bool
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if !w.over {
		if w.buf.Len()+len(b) > w.limit {
			w.over = true
			w.buf = bytes.Buffer{}
		} else {
			w.buf.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// captureForWebhooks runs before the handler: when some subscription is
// active, it keeps a copy of a memory route's answer.
func (s *Server) captureForWebhooks(c echo.Context) {
	if s.opts.Webhooks == nil || !s.opts.Webhooks.Enabled() || !capturedRoutes[c.Request().Method+" "+c.Path()] {
		return
	}
	cw := &captureWriter{ResponseWriter: c.Response().Writer, limit: int(s.opts.MaxBodyBytes) + 1<<20}
	c.Response().Writer = cw
	c.Set(ctxCapture, cw)
}

// answerEvent is what emitEvent reads of a captured answer.
type answerEvent struct {
	Memory *struct {
		ID      string `json:"id"`
		Content string `json:"content"`
	} `json:"memory"`
	Stored []struct {
		ID      string `json:"id"`
		Content string `json:"content"`
	} `json:"stored"`
	DeletedCount *int `json:"deleted_count"`
}

// emitEvent runs in the access log once the status is known: a successful
// mutation with a webhook event is handed to the webhook service, which
// stores the deliveries and returns without waiting for any receiver.
func (s *Server) emitEvent(c echo.Context, k *auth.Key, ns string, status int) {
	if s.opts.Webhooks == nil || status >= 300 || !s.opts.Webhooks.Enabled() {
		return
	}
	act, ok := c.Get(ctxAudit).([2]string)
	if !ok || webhookEvents[act[0]] == "" {
		return
	}
	ev := webhook.Event{Type: webhookEvents[act[0]], Organization: k.OrganizationID, Namespace: ns}
	u, _ := c.Get(ctxUsage).(usageDelta)
	var ans answerEvent
	if cw, _ := c.Get(ctxCapture).(*captureWriter); cw != nil && !cw.over {
		_ = json.Unmarshal(cw.buf.Bytes(), &ans)
	}
	switch act[0] {
	case "memory.store", "memory.update":
		ev.MemoryIDs = []string{act[1]}
		if ans.Memory != nil && ans.Memory.ID == act[1] {
			ev.Contents = map[string]string{act[1]: ans.Memory.Content}
		}
	case "memory.store_batch":
		ev.Contents = make(map[string]string, len(ans.Stored))
		for _, m := range ans.Stored {
			ev.MemoryIDs = append(ev.MemoryIDs, m.ID)
			ev.Contents[m.ID] = m.Content
		}
		ev.Count = int(u.stores)
	case "memory.forget", "memory.forget_batch":
		if ans.DeletedCount == nil || *ans.DeletedCount == 0 {
			return
		}
		ev.Count = *ans.DeletedCount
	case "namespace.import":
		ev.Namespace, ev.Count = act[1], int(u.stores)
	case "namespace.delete":
		ev.Namespace = act[1]
	}
	if ev.Namespace == "" {
		return
	}
	if err := s.opts.Webhooks.Emit(context.WithoutCancel(c.Request().Context()), ev); err != nil {
		s.log.Error("webhook emit", "request_id", requestID(c), "op", ev.Type, "err", err)
	}
}
