// Command saas-per-user shows one namespace and one scoped API key per end
// user of a SaaS: an admin key provisions them, each user's agent works
// only inside its own namespace, and a cross-tenant attempt gets 403.
//
//	ENGRAM_URL=http://127.0.0.1:3000 ENGRAM_API_KEY=<admin key> go run ./examples/saas-per-user
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/engramhq/engram/httpapi/client"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// tenant is one end user: a namespace and a key that may use only it.
type tenant struct {
	user, namespace string
	agent           *client.Client
}

func run(ctx context.Context, w io.Writer) error {
	url := os.Getenv("ENGRAM_URL")
	admin, err := client.New(client.Options{BaseURL: url, APIKey: os.Getenv("ENGRAM_API_KEY")})
	if err != nil {
		return err
	}
	facts := map[string]string{
		"alice": "Alice is allergic to peanuts",
		"bob":   "Bob is training for a marathon in April",
	}
	tenants := map[string]*tenant{}
	for _, user := range []string{"alice", "bob"} {
		t, err := provision(ctx, admin, url, user)
		if err != nil {
			return err
		}
		tenants[user] = t
		if _, err := t.agent.Store(ctx, client.StoreRequest{AgentID: "assistant", Content: facts[user]}); err != nil {
			return fmt.Errorf("%s stores: %w", user, err)
		}
	}
	for _, user := range []string{"alice", "bob"} {
		res, err := tenants[user].agent.Recall(ctx, client.RecallRequest{AgentID: "assistant", Query: "what should I know about the user?", TopK: 3})
		if err != nil {
			return fmt.Errorf("%s recalls: %w", user, err)
		}
		for _, m := range res.Memories {
			fmt.Fprintf(w, "%s sees: %s\n", user, m.Memory.Content)
		}
	}
	// Alice's key reaching into Bob's namespace is refused.
	_, err = tenants["alice"].agent.Recall(ctx, client.RecallRequest{Namespace: tenants["bob"].namespace, Query: "anything"})
	if !client.IsForbidden(err) {
		return fmt.Errorf("cross-tenant recall: got %v, want 403", err)
	}
	var e *client.Error
	errors.As(err, &e)
	fmt.Fprintf(w, "alice -> %s: %d %s\n", tenants["bob"].namespace, e.Status, e.Code)
	return nil
}

// provision creates the user's namespace and a write key granted only it,
// and returns a client with that key and namespace.
func provision(ctx context.Context, admin *client.Client, url, user string) (*tenant, error) {
	ns := "user-" + user
	if _, err := admin.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: ns}); err != nil && !client.IsConflict(err) {
		return nil, fmt.Errorf("create namespace %s: %w", ns, err)
	}
	key, err := admin.CreateKey(ctx, client.CreateKeyRequest{Name: user + "-agent", Scope: "write", Namespaces: []string{ns}})
	if err != nil {
		return nil, fmt.Errorf("create key for %s: %w", user, err)
	}
	agent, err := client.New(client.Options{BaseURL: url, APIKey: key.Key, Namespace: ns})
	if err != nil {
		return nil, err
	}
	return &tenant{user: user, namespace: ns, agent: agent}, nil
}
