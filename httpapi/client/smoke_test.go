package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
)

// TestEveryRouteAnswers calls the routes the other tests do not, checking
// that each answers and decodes into its typed result.
func TestEveryRouteAnswers(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.Start(t, nil)
	c := newClient(t, srv.URL, clienttest.RootKey, &client.Options{Namespace: "s"})
	if _, err := c.PutNamespace(ctx, "s", client.PutNamespaceRequest{}); err != nil {
		t.Fatal(err)
	}
	st, err := c.Store(ctx, client.StoreRequest{AgentID: "bot", Content: "the backup runs nightly at two", Tags: []string{"ops"}})
	if err != nil {
		t.Fatal(err)
	}
	id := st.Memory.ID
	dim := 0
	checks := []struct {
		name string
		call func() error
	}{
		{"health", func() error { h, err := c.Health(ctx); return want(err, h != nil && h.Status == "healthy") }},
		{"ready", func() error { r, err := c.Ready(ctx); return want(err, r != nil && r.Ready) }},
		{"live", func() error { l, err := c.Live(ctx); return want(err, l != nil && l.Alive) }},
		{"metrics", func() error { m, err := c.Metrics(ctx); return want(err, strings.Contains(m, "# ")) }},
		{"capabilities", func() error { m, err := c.Capabilities(ctx); return want(err, len(m) > 0) }},
		{"get_namespace", func() error {
			i, err := c.GetNamespace(ctx, "")
			if i != nil {
				dim = i.Dimension
			}
			return want(err, i != nil && i.MemoryCount == 1 && strings.HasPrefix(i.NamespaceID, "ns_"))
		}},
		{"policy", func() error {
			ttl := int64(3600)
			p, err := c.UpdateMemoryPolicy(ctx, "", client.MemoryPolicy{EpisodicTTLSeconds: &ttl})
			return want(err, p != nil && p.EpisodicTTLSeconds != nil && *p.EpisodicTTLSeconds == 3600)
		}},
		{"get_policy", func() error { p, err := c.GetMemoryPolicy(ctx, ""); return want(err, p != nil) }},
		{"config", func() error {
			on := true
			cf, err := c.UpdateNamespaceConfig(ctx, "", client.NamespaceConfig{ExtractEntities: &on})
			return want(err, cf != nil && cf.ExtractEntities != nil && *cf.ExtractEntities)
		}},
		{"get_config", func() error { cf, err := c.GetNamespaceConfig(ctx, ""); return want(err, cf != nil) }},
		{"search", func() error {
			r, err := c.Search(ctx, client.RecallRequest{Query: "backup"})
			return want(err, r != nil && len(r.Memories) == 1)
		}},
		{"recall_batch", func() error {
			r, err := c.RecallBatch(ctx, client.FilterRequest{Filter: client.Filter{Tags: []string{"ops"}}})
			return want(err, r != nil && len(r.Memories) == 1)
		}},
		{"importance", func() error { n, err := c.SetImportance(ctx, []string{id}, 0.8); return want(err, n == 1) }},
		{"feedback", func() error {
			f, err := c.Feedback(ctx, id, "upvote")
			return want(err, f != nil && f.NewImportance > 0.8)
		}},
		{"consolidate", func() error {
			_, err := c.Consolidate(ctx, client.ConsolidateRequest{AgentID: "bot", DryRun: true})
			return err
		}},
		{"agents", func() error { a, err := c.ListAgents(ctx); return want(err, len(a) == 1 && a[0].AgentID == "bot") }},
		{"agent_memories", func() error { m, err := c.AgentMemories(ctx, "bot", "", 10, 0); return want(err, len(m) == 1) }},
		{"agent_stats", func() error {
			s, err := c.GetAgentStats(ctx, "bot")
			return want(err, s != nil && s.TotalMemories == 1)
		}},
		{"wake_up", func() error {
			w, err := c.WakeUp(ctx, "bot", 3, nil)
			return want(err, w != nil && len(w.Memories) == 1)
		}},
		{"sessions", func() error {
			s, err := c.StartSession(ctx, client.StartSessionRequest{AgentID: "bot"})
			if err != nil {
				return err
			}
			if _, err := c.GetSession(ctx, s.ID); err != nil {
				return err
			}
			if m, err := c.GetSessionMemories(ctx, s.ID, 10, 0); err != nil || m.Session.ID != s.ID {
				return want(err, false)
			}
			l, err := c.ListSessions(ctx, client.ListSessionsRequest{AgentID: "bot", ActiveOnly: true})
			return want(err, l != nil && l.Total == 1)
		}},
		{"vectors", func() error {
			v := make([]float32, dim)
			v[0] = 1
			if _, err := c.UpsertVectors(ctx, "", []client.Vector{{ID: "v1", Values: v}}); err != nil {
				return err
			}
			hits, err := c.QueryVectors(ctx, "", client.QueryRequest{Vector: v, TopK: 1})
			return want(err, len(hits) == 1 && hits[0].ID == "v1")
		}},
		{"text_queries", func() error {
			if _, err := c.UpsertText(ctx, "", []client.Document{{ID: "t1", Text: "invoices are paid monthly"}}); err != nil {
				return err
			}
			b, err := c.BatchQueryText(ctx, "", []string{"invoices", "payments"}, 1)
			if err != nil || len(b.Results) != 2 {
				return want(err, false)
			}
			h, err := c.Hybrid(ctx, "", client.HybridRequest{Text: "invoices", TopK: 1})
			return want(err, len(h) == 1 && h[0].ID == "t1")
		}},
		{"fulltext_delete", func() error {
			if _, err := c.FulltextIndex(ctx, "", []client.Document{{ID: "f9", Text: "x"}}); err != nil {
				return err
			}
			n, err := c.FulltextDelete(ctx, "", []string{"f9"})
			return want(err, n == 1)
		}},
		{"namespace_keys", func() error {
			k, err := c.CreateNamespaceKey(ctx, "", "reader", "read", 0)
			if err != nil {
				return err
			}
			l, err := c.ListNamespaceKeys(ctx, "")
			if err != nil || len(l.Keys) == 0 {
				return want(err, false)
			}
			return c.DeleteNamespaceKey(ctx, "", k.KeyID)
		}},
		{"organizations", func() error {
			o, err := c.CreateOrganization(ctx, "acme")
			if err != nil {
				return err
			}
			l, err := c.ListOrganizations(ctx)
			return want(err, strings.HasPrefix(o.OrganizationID, "org_") && len(l) >= 2)
		}},
		{"usage", func() error { _, err := c.Usage(ctx, "", time.Time{}, time.Time{}); return err }},
		{"forget_batch", func() error {
			n, err := c.ForgetBatch(ctx, client.FilterRequest{Filter: client.Filter{Tags: []string{"ops"}}})
			return want(err, n == 1)
		}},
		{"delete_namespace", func() error {
			if err := c.DeleteNamespace(ctx, ""); err != nil {
				return err
			}
			_, err := c.GetNamespace(ctx, "")
			return want(nil, client.IsNotFound(err))
		}},
	}
	for _, tc := range checks {
		t.Run("route="+tc.name, func(t *testing.T) {
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// want returns err, or an error when ok is false.
func want(err error, ok bool) error {
	if err != nil {
		return err
	}
	if !ok {
		return errUnexpected
	}
	return nil
}

var errUnexpected = errors.New("unexpected answer")
