package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/engramhq/engram/httpapi/client"
)

func runNS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch("ns", []subcommand{
		{"create", "create a namespace", func(a []string, o, e io.Writer) error { return nsCreate(ctx, a, o, e) }},
		{"list", "list the namespaces the key may see", func(a []string, o, e io.Writer) error { return nsList(ctx, a, o, e) }},
		{"delete", "delete a namespace and everything in it", func(a []string, o, e io.Writer) error { return nsDelete(ctx, a, o, e) }},
		{"policy", "show a namespace's memory policy, or change it with --set", func(a []string, o, e io.Writer) error { return nsPolicy(ctx, a, o, e) }},
	}, args, stdout, stderr)
}

func nsCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("ns create", "ns create NAME [--dimension N] [--distance cosine|euclidean|dot_product] [flags]",
		"  engram ns create user-alice --description \"Alice's agent\"\n", stderr)
	dim := fs.Int("dimension", 0, "vector dimension (0: the embedder's)")
	dist := fs.String("distance", "", "cosine (default), euclidean or dot_product")
	desc := fs.String("description", "", "free text")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	info, err := c.CreateNamespace(ctx, client.CreateNamespaceRequest{Name: pos[0], Dimension: *dim, Distance: *dist, Description: *desc})
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, info)
	}
	fmt.Fprintf(stdout, "created %s (%s, %d dimensions, %s)\n", info.Namespace, info.NamespaceID, info.Dimension, info.Distance)
	return nil
}

func nsList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("ns list", "ns list [--details] [flags]", "", stderr)
	details := fs.Bool("details", false, "fetch each namespace's counts")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	names, err := c.ListNamespaces(ctx)
	if err != nil {
		return err
	}
	if !*details {
		if f.json {
			return printJSON(stdout, map[string]any{"namespaces": names})
		}
		for _, n := range names {
			fmt.Fprintln(stdout, n)
		}
		return nil
	}
	infos := make([]*client.NamespaceInfo, 0, len(names))
	for _, n := range names {
		info, err := c.GetNamespace(ctx, n)
		if err != nil {
			return fmt.Errorf("namespace %s: %w", n, err)
		}
		infos = append(infos, info)
	}
	if f.json {
		return printJSON(stdout, infos)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tID\tMEMORIES\tDIMENSION\tDISTANCE\tCREATED")
	for _, i := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", i.Namespace, i.NamespaceID, i.MemoryCount, i.Dimension, i.Distance, unixTime(i.CreatedAt))
	}
	return tw.Flush()
}

func nsDelete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("ns delete", "ns delete NAME --yes [flags]", "", stderr)
	yes := fs.Bool("yes", false, "confirm: the namespace and its memories are destroyed")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	if !*yes {
		fmt.Fprintf(stderr, "engram ns delete: deleting %s destroys its memories; add --yes to confirm\n", pos[0])
		return errUsage
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	if err := c.DeleteNamespace(ctx, pos[0]); err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, map[string]any{"deleted": pos[0]})
	}
	fmt.Fprintf(stdout, "deleted %s\n", pos[0])
	return nil
}

// setFlags collects repeated --set key=value flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, ",") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func nsPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("ns policy", "ns policy NAME [--set field=value ...] [flags]",
		"  engram ns policy user-alice\n  engram ns policy user-alice --set episodic_ttl_seconds=604800 --set dedup_on_store=true\n", stderr)
	var sets setFlags
	fs.Var(&sets, "set", "change a policy field (repeatable); the value is JSON or a string")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	var p *client.MemoryPolicy
	if len(sets) == 0 {
		p, err = c.GetMemoryPolicy(ctx, pos[0])
	} else {
		patch := map[string]json.RawMessage{}
		for _, s := range sets {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				return fmt.Errorf("--set %q: want field=value", s)
			}
			if !json.Valid([]byte(v)) {
				b, _ := json.Marshal(v)
				v = string(b)
			}
			patch[k] = json.RawMessage(v)
		}
		var mp client.MemoryPolicy
		b, _ := json.Marshal(patch)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&mp); err != nil {
			return fmt.Errorf("--set: %v", err)
		}
		p, err = c.UpdateMemoryPolicy(ctx, pos[0], mp)
	}
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, p)
	}
	var m map[string]any
	b, _ := json.Marshal(p)
	_ = json.Unmarshal(b, &m)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(tw, "%s\t%v\n", k, m[k])
	}
	return tw.Flush()
}
