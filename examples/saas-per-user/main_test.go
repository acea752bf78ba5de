package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/engramhq/engram/httpapi/client/clienttest"
)

func TestSaaSPerUser(t *testing.T) {
	srv := clienttest.Start(t, nil)
	t.Setenv("ENGRAM_URL", srv.URL)
	t.Setenv("ENGRAM_API_KEY", clienttest.RootKey)
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"alice sees: Alice is allergic", "bob sees: Bob is training", "alice -> user-bob: 403 NAMESPACE_ACCESS_DENIED"} {
		if !strings.Contains(got, want) {
			t.Fatalf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "alice sees: Bob") || strings.Contains(got, "bob sees: Alice") {
		t.Fatalf("a tenant saw another's memory:\n%s", got)
	}
}
