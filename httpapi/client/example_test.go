package client_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"testing"

	"github.com/engramhq/engram/httpapi/client"
	"github.com/engramhq/engram/httpapi/client/clienttest"
)

// exampleURL is the test server TestMain starts; an SDK user passes the
// server's address, e.g. "http://127.0.0.1:3000".
var exampleURL string

func Example() {
	ctx := context.Background()
	c, err := client.New(client.Options{BaseURL: exampleURL, APIKey: clienttest.RootKey})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Store(ctx, client.StoreRequest{AgentID: "assistant", Content: "Alice's favourite drink is green tea"}); err != nil {
		log.Fatal(err)
	}
	res, err := c.Recall(ctx, client.RecallRequest{AgentID: "assistant", Query: "what does Alice like to drink?", TopK: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Memories[0].Memory.Content)
	// Output: Alice's favourite drink is green tea
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "engram-example-")
	if err != nil {
		log.Fatal(err)
	}
	srv, err := clienttest.New(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	exampleURL = srv.URL
	code := m.Run()
	srv.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}
