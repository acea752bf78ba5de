// Command quickstart stores a memory and recalls it.
//
//	ENGRAM_URL=http://127.0.0.1:3000 ENGRAM_API_KEY=... go run ./examples/quickstart
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

func run(ctx context.Context, w io.Writer) error {
	c, err := client.New(client.Options{BaseURL: os.Getenv("ENGRAM_URL"), APIKey: os.Getenv("ENGRAM_API_KEY")})
	if err != nil {
		return err
	}
	if _, err := c.Store(ctx, client.StoreRequest{AgentID: "assistant", Content: "The user's name is Ada and she loves hiking"}); err != nil {
		return err
	}
	res, err := c.Recall(ctx, client.RecallRequest{AgentID: "assistant", Query: "What does the user enjoy?"})
	if err != nil {
		return err
	}
	for _, m := range res.Memories {
		fmt.Fprintf(w, "%.2f  %s\n", m.SmartScore, m.Memory.Content)
	}
	return nil
}
