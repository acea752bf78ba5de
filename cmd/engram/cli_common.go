package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/engramhq/engram/httpapi/client"
)

// cliFlags are the connection flags every client command takes.
type cliFlags struct {
	url, key, namespace string
	json                bool
	timeout             time.Duration
}

// newCLIFlags returns a flag set for a client command with the connection
// flags registered; synopsis and examples are printed by -h.
func newCLIFlags(name, synopsis, examples string, stderr io.Writer) (*flag.FlagSet, *cliFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f cliFlags
	fs.StringVar(&f.url, "url", envOr("ENGRAM_URL", "http://127.0.0.1:3000"), "server URL (env ENGRAM_URL)")
	fs.StringVar(&f.key, "key", os.Getenv("ENGRAM_API_KEY"), "API key (env ENGRAM_API_KEY)")
	fs.StringVar(&f.namespace, "ns", os.Getenv("ENGRAM_NAMESPACE"), "namespace (env ENGRAM_NAMESPACE)")
	fs.BoolVar(&f.json, "json", false, "print JSON instead of a table")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "timeout of each request")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: engram %s\n\n", synopsis)
		if examples != "" {
			fmt.Fprintf(w, "Examples:\n%s\n", examples)
		}
		fmt.Fprintln(w, "Flags (may follow the arguments):")
		fs.PrintDefaults()
	}
	return fs, &f
}

// parseArgs parses flags anywhere among args and returns the positional
// arguments; -h prints the usage and returns errHelp.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// errHelp ends a command after -h printed its usage.
var errHelp = errors.New("help shown")

func (f *cliFlags) client() (*client.Client, error) {
	if f.key == "" {
		return nil, errors.New("no API key: pass --key or set ENGRAM_API_KEY")
	}
	return client.New(client.Options{BaseURL: f.url, APIKey: f.key, Namespace: f.namespace,
		Timeout: f.timeout, UserAgent: "engram-cli/" + version()})
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// oneLine shortens s to n runes on one line for a table cell.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func unixTime(sec int64) string {
	if sec == 0 {
		return "-"
	}
	return time.Unix(sec, 0).UTC().Format("2006-01-02 15:04")
}

// subcommand dispatches "engram <group> <sub> ..." commands.
type subcommand struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

func dispatch(group string, subs []subcommand, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprintf(w, "Usage: engram %s <command> [flags]\n\nCommands:\n", group)
		for _, s := range subs {
			fmt.Fprintf(w, "  %-8s %s\n", s.name, s.summary)
		}
		fmt.Fprintf(w, "\nRun `engram %s <command> -h` for a command's flags.\n", group)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, s := range subs {
		if s.name == args[0] {
			return quiet(s.run(args[1:], stdout, stderr))
		}
	}
	fmt.Fprintf(stderr, "engram %s: unknown command %q\n", group, args[0])
	return errUsage
}
