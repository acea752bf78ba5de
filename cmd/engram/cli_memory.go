package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/engramhq/engram/httpapi/client"
)

func runStore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return quiet(storeCmd(ctx, args, stdout, stderr))
}

func storeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("store", "store [flags] CONTENT...   (CONTENT \"-\" reads standard input)",
		"  engram store --agent support-bot \"Alice prefers email over phone\"\n  echo \"meeting moved to 3pm\" | engram store --agent bot --tags calendar -\n", stderr)
	agent := fs.String("agent", envOr("ENGRAM_AGENT_ID", "cli"), "agent id (env ENGRAM_AGENT_ID)")
	typ := fs.String("type", "", "episodic (default), semantic, procedural or working")
	imp := fs.Float64("importance", -1, "importance in [0,1] (default 0.5)")
	tags := fs.String("tags", "", "comma-separated tags")
	id := fs.String("id", "", "memory id (storing the same id again replaces it)")
	session := fs.String("session", "", "session id")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	content := strings.Join(pos, " ")
	if content == "-" {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
		if err != nil {
			return err
		}
		content = strings.TrimRight(string(b), "\n")
	}
	if strings.TrimSpace(content) == "" {
		fs.Usage()
		return errUsage
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	req := client.StoreRequest{AgentID: *agent, Content: content, Type: *typ, Tags: splitList(*tags), ID: *id, SessionID: *session}
	if *imp >= 0 {
		req.Importance = imp
	}
	res, err := c.Store(ctx, req)
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "stored %s in %s\n", res.Memory.ID, res.Memory.Namespace)
	return nil
}

func runRecall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return quiet(recallCmd(ctx, args, stdout, stderr))
}

func recallCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("recall", "recall [flags] QUERY...",
		"  engram recall --agent support-bot \"how does Alice like to be contacted?\"\n  engram recall --ns team --filter-agent planner --json \"deadlines\" | jq '.memories[].memory.content'\n", stderr)
	agent := fs.String("agent", envOr("ENGRAM_AGENT_ID", "cli"), "agent id (env ENGRAM_AGENT_ID)")
	topK := fs.Int("k", 5, "how many memories to return")
	typ := fs.String("type", "", "only memories of this type")
	tags := fs.String("tags", "", "only memories with all these comma-separated tags")
	byAgent := fs.String("filter-agent", "", "only memories stored by this agent (in a shared namespace)")
	search := fs.Bool("search", false, "search without reinforcing the memories' access")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	q := strings.Join(pos, " ")
	if strings.TrimSpace(q) == "" {
		fs.Usage()
		return errUsage
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	req := client.RecallRequest{AgentID: *agent, Query: q, TopK: *topK, Type: *typ, Tags: splitList(*tags), FilterAgentID: *byAgent}
	call := c.Recall
	if *search {
		call = c.Search
	}
	res, err := call(ctx, req)
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, res)
	}
	if len(res.Memories) == 0 {
		fmt.Fprintln(stderr, "no memories found")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORE\tTYPE\tAGENT\tCREATED\tID\tCONTENT")
	for _, it := range res.Memories {
		m := it.Memory
		fmt.Fprintf(tw, "%.3f\t%s\t%s\t%s\t%s\t%s\n", it.SmartScore, m.Type, m.AgentID, unixTime(m.CreatedAt), m.ID, oneLine(m.Content, 80))
	}
	return tw.Flush()
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
