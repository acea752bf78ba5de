// Command multi-agent-shared shows three agents of one team: each writes
// into a shared namespace and into a private one; recall runs across the
// shared namespace, or only over one agent's memories with filter_agent_id.
//
//	ENGRAM_URL=http://127.0.0.1:3000 ENGRAM_API_KEY=... go run ./examples/multi-agent-shared
package main

import (
	"context"
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

type note struct{ shared, private string }

var agents = []struct {
	id    string
	notes note
}{
	{"researcher", note{"The customer's launch date is June 12", "Source for the launch date: the kickoff call notes"}},
	{"planner", note{"The design review is scheduled for June 2", "Remember to book the large meeting room"}},
	{"writer", note{"The press release needs legal approval before June 10", "Draft 3 of the press release is in the shared drive"}},
}

func run(ctx context.Context, w io.Writer) error {
	c, err := client.New(client.Options{BaseURL: os.Getenv("ENGRAM_URL"), APIKey: os.Getenv("ENGRAM_API_KEY")})
	if err != nil {
		return err
	}
	const shared = "team-launch"
	for _, ns := range []string{shared, "agent-researcher", "agent-planner", "agent-writer"} {
		if _, err := c.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: ns}); err != nil && !client.IsConflict(err) {
			return err
		}
	}
	for _, a := range agents {
		if _, err := c.Store(ctx, client.StoreRequest{AgentID: a.id, Namespace: shared, Content: a.notes.shared, Tags: []string{"deadline"}}); err != nil {
			return err
		}
		if _, err := c.Store(ctx, client.StoreRequest{AgentID: a.id, Namespace: "agent-" + a.id, Content: a.notes.private}); err != nil {
			return err
		}
	}
	all, err := c.Recall(ctx, client.RecallRequest{Namespace: shared, Query: "what are the June deadlines?", TopK: 10})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "shared recall: %d memories\n", len(all.Memories))
	for _, m := range all.Memories {
		fmt.Fprintf(w, "  [%s] %s\n", m.Memory.AgentID, m.Memory.Content)
	}
	mine, err := c.Recall(ctx, client.RecallRequest{Namespace: shared, Query: "what are the June deadlines?", FilterAgentID: "planner"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "planner only: %d memories\n", len(mine.Memories))
	for _, m := range mine.Memories {
		fmt.Fprintf(w, "  [%s] %s\n", m.Memory.AgentID, m.Memory.Content)
	}
	private, err := c.Recall(ctx, client.RecallRequest{Namespace: "agent-writer", Query: "press release draft"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "writer's private namespace: %d memories\n", len(private.Memories))
	for _, m := range private.Memories {
		fmt.Fprintf(w, "  [%s] %s\n", m.Memory.AgentID, m.Memory.Content)
	}
	return nil
}
