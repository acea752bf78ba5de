package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/engramhq/engram/httpapi/client/clienttest"
)

func TestQuickstart(t *testing.T) {
	srv := clienttest.Start(t, nil)
	t.Setenv("ENGRAM_URL", srv.URL)
	t.Setenv("ENGRAM_API_KEY", clienttest.RootKey)
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "loves hiking") {
		t.Fatalf("output %q lacks the stored memory", out.String())
	}
}
