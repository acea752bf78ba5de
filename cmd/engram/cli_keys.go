package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/engramhq/engram/httpapi/client"
)

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return dispatch("keys", []subcommand{
		{"create", "create an API key (its secret is printed once)", func(a []string, o, e io.Writer) error { return keysCreate(ctx, a, o, e) }},
		{"list", "list the organization's API keys", func(a []string, o, e io.Writer) error { return keysList(ctx, a, o, e) }},
		{"rotate", "replace a key's secret (the old one works during --grace)", func(a []string, o, e io.Writer) error { return keysRotate(ctx, a, o, e) }},
		{"revoke", "delete an API key", func(a []string, o, e io.Writer) error { return keysRevoke(ctx, a, o, e) }},
	}, args, stdout, stderr)
}

func keysCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("keys create", "keys create --name NAME [--scope read|write|admin] [--grants ns1,team-*] [flags]",
		"  engram keys create --name alice-agent --scope write --grants user-alice\n", stderr)
	name := fs.String("name", "", "the key's name (required)")
	scope := fs.String("scope", "write", "read, write, admin or super_admin")
	grants := fs.String("grants", "", "comma-separated namespaces or prefix* patterns the key may use (default: all)")
	days := fs.Int("expires-days", 0, "days until the key expires (0: never)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *name == "" {
		fmt.Fprintln(stderr, "engram keys create: --name is required")
		return errUsage
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	k, err := c.CreateKey(ctx, client.CreateKeyRequest{Name: *name, Scope: *scope, Namespaces: splitList(*grants), ExpiresInDays: *days})
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, k)
	}
	fmt.Fprintf(stdout, "key_id  %s\nkey     %s\n", k.KeyID, k.Key)
	fmt.Fprintln(stderr, "Store the key now: it is not shown again.")
	return nil
}

func keysList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("keys list", "keys list [flags]", "", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	l, err := c.ListKeys(ctx)
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, l)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY ID\tNAME\tSCOPE\tNAMESPACES\tACTIVE\tCREATED\tEXPIRES")
	for _, k := range l.Keys {
		grants := "*"
		if k.Namespaces != nil {
			grants = oneLine(fmt.Sprint(k.Namespaces), 40)
		}
		exp := "-"
		if k.ExpiresAt != nil {
			exp = unixTime(*k.ExpiresAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%s\n", k.KeyID, k.Name, k.Scope, grants, k.Active, unixTime(k.CreatedAt), exp)
	}
	return tw.Flush()
}

func keysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("keys rotate", "keys rotate KEY_ID [--grace 24h] [flags]", "", stderr)
	grace := fs.Duration("grace", 0, "how long the old secret keeps working (at most 168h; 0: server default)")
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
	r, err := c.RotateKey(ctx, pos[0], *grace)
	if err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, r)
	}
	fmt.Fprintf(stdout, "key_id  %s\nkey     %s\n", r.KeyID, r.NewKey)
	if r.OldKeyExpiresAt != nil {
		fmt.Fprintf(stderr, "The old secret works until %s.\n", time.Unix(*r.OldKeyExpiresAt, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

func keysRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("keys revoke", "keys revoke KEY_ID [flags]", "", stderr)
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
	if err := c.DeleteKey(ctx, pos[0]); err != nil {
		return err
	}
	if f.json {
		return printJSON(stdout, map[string]any{"revoked": pos[0]})
	}
	fmt.Fprintf(stdout, "revoked %s\n", pos[0])
	return nil
}

// quiet turns the end of a -h into success and a server's error into
// one readable line: "namespace not found (404 NAMESPACE_NOT_FOUND)".
func quiet(err error) error {
	var e *client.Error
	switch {
	case errors.Is(err, errHelp):
		return nil
	case errors.As(err, &e):
		msg := fmt.Sprintf("%s (%d %s", e.Message, e.Status, e.Code)
		if e.Details != "" {
			msg += "; " + e.Details
		}
		return errors.New(msg + ")")
	}
	return err
}
