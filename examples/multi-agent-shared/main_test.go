package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/engramhq/engram/httpapi/client/clienttest"
)

func TestMultiAgentShared(t *testing.T) {
	srv := clienttest.Start(t, nil)
	t.Setenv("ENGRAM_URL", srv.URL)
	t.Setenv("ENGRAM_API_KEY", clienttest.RootKey)
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	sharedPart, rest, _ := strings.Cut(got, "planner only:")
	plannerPart, privatePart, _ := strings.Cut(rest, "writer's private namespace:")
	if !strings.Contains(sharedPart, "shared recall: 3 memories") {
		t.Fatalf("shared recall should see the 3 shared memories:\n%s", got)
	}
	if !strings.HasPrefix(strings.TrimSpace(plannerPart), "1 memories") || !strings.Contains(plannerPart, "[planner] The design review") {
		t.Fatalf("filter_agent_id=planner should keep only the planner's memory:\n%s", got)
	}
	if strings.Contains(sharedPart+privatePart, "meeting room") || !strings.Contains(privatePart, "Draft 3") || strings.Contains(privatePart, "[planner]") {
		t.Fatalf("private memories leaked or are missing:\n%s", got)
	}
}
