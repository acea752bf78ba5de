// Command engram is the Engram server and its command-line tools.
//
//	engram serve    run the server (the default when no command is given)
//	engram version  print the version
//
// Run `engram help` for every command.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server (default)", runServe},
		{"bench", "run benchmarks (locomo, recall, ingest, ann, extract)", runBench},
		{"rekey", "rewrap the keyring and namespace keys under a new master key (offline)", runRekey},
		{"backup", "write a backup of a stopped server's data directory", runBackup},
		{"restore", "restore a backup into an empty data directory", runRestore},
		{"reliability", "run the reliability battery (crash, load, hostile input, isolation, canary)", runReliability},
		{"version", "print the version", runVersion},
		{"keys", "create, list, rotate and revoke API keys", runKeys},
		{"ns", "create, list and delete namespaces; show or set their memory policy", runNS},
		{"store", "store a memory", runStore},
		{"recall", "recall the memories relevant to a query", runRecall},
		{"export", "export a namespace as NDJSON", runExport},
		{"import", "import NDJSON into a namespace (idempotent by id)", runImport},
		{"mcp", "serve Engram's tools to MCP clients (stdio, or --http ADDR)", runMCP},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 && (len(args[0]) == 0 || args[0][0] != '-') {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == name {
			if err := c.run(ctx, args, stdout, stderr); err != nil {
				if err == errUsage {
					return 2
				}
				fmt.Fprintf(stderr, "engram %s: %v\n", name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "engram: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

var errUsage = fmt.Errorf("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "Engram: an agent memory engine with a knowledge graph.\n\nUsage: engram <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `engram <command> -h` for a command's flags.")
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fmt.Fprintln(stdout, "engram", version())
	return nil
}
