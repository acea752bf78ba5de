package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/engramhq/engram/memory"
)

// runBackup implements `engram backup --data DIR --out FILE`: a consistent
// backup of a stopped server's data directory (for a running server use
// GET /v1/admin/backup). The format is memory.Store.Backup's.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("ENGRAM_DATA", "./engram-data"), "data directory (server stopped)")
	keyFile := fs.String("master-key-file", envOr("ENGRAM_MASTER_KEY_FILE", ""), "master key file (default <data>/master.key; env ENGRAM_MASTER_KEY takes precedence)")
	out := fs.String("out", "", "backup file to write (must not exist)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	mk, _, err := readMasterKey(*data, *keyFile)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*data, "db")); err != nil {
		return fmt.Errorf("%s is not a data directory: %w", *data, err)
	}
	s, err := memory.Open(*data, &memory.Options{MasterKey: mk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		if errors.Is(err, memory.ErrLocked) {
			return fmt.Errorf("%w (the server runs: use GET /v1/admin/backup)", err)
		}
		return err
	}
	defer s.Close()
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	info, err := s.Backup(ctx, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(stdout, "backup %s: %d bytes, version %d, master key %s\n", *out, info.Bytes, info.Version, mk.Fingerprint())
	return nil
}

// runRestore implements `engram restore --in FILE --data DIR` into an empty
// directory, with the master key the backup was taken under.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory to create (must not exist or be empty)")
	keyFile := fs.String("master-key-file", envOr("ENGRAM_MASTER_KEY_FILE", ""), "master key file of the backup (env ENGRAM_MASTER_KEY takes precedence)")
	in := fs.String("in", "", "backup file")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if *in == "" || *data == "" {
		return errors.New("--in and --data are required")
	}
	if os.Getenv("ENGRAM_MASTER_KEY") == "" && *keyFile == "" {
		return errors.New("give the backup's master key with --master-key-file or ENGRAM_MASTER_KEY (the backup does not contain it)")
	}
	mk, _, err := readMasterKey(*data, *keyFile)
	if err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := memory.Restore(ctx, f, *data, mk); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s; text indexes rebuild when namespaces first open\n", *in, *data)
	return nil
}
