package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/engramhq/engram/memory"
	"github.com/engramhq/engram/memory/seal"
)

// readMasterKey returns the master key from ENGRAM_MASTER_KEY, else the key
// file (default <data>/master.key). Unlike serve, it never creates one.
func readMasterKey(data, file string) (seal.MasterKey, string, error) {
	if v := os.Getenv("ENGRAM_MASTER_KEY"); v != "" {
		mk, err := seal.ParseMasterKeyHex(v)
		if err != nil {
			return mk, "", fmt.Errorf("ENGRAM_MASTER_KEY: %w", err)
		}
		return mk, "", nil
	}
	if file == "" {
		file = filepath.Join(data, "master.key")
	}
	mk, err := readKeyFile(file)
	return mk, file, err
}

func readKeyFile(file string) (seal.MasterKey, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return seal.MasterKey{}, fmt.Errorf("master key: %w", err)
	}
	defer clear(b)
	mk, err := seal.ParseMasterKeyHex(string(b))
	if err != nil {
		return mk, fmt.Errorf("master key file %s: %w", file, err)
	}
	return mk, nil
}

// runRekey implements `engram rekey`: offline, it rewraps the keyring and
// every namespace data key under a new master key (memory.Rekey).
func runRekey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rekey", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("ENGRAM_DATA", "./engram-data"), "data directory (server stopped)")
	keyFile := fs.String("master-key-file", envOr("ENGRAM_MASTER_KEY_FILE", ""), "current master key file (default <data>/master.key; env ENGRAM_MASTER_KEY takes precedence)")
	newFile := fs.String("new-master-key-file", "", "file holding the new 64-hex-char master key (or env ENGRAM_NEW_MASTER_KEY)")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	oldKey, oldFile, err := readMasterKey(*data, *keyFile)
	if err != nil {
		return err
	}
	var newKey seal.MasterKey
	switch v := os.Getenv("ENGRAM_NEW_MASTER_KEY"); {
	case *newFile != "":
		newKey, err = readKeyFile(*newFile)
	case v != "":
		newKey, err = seal.ParseMasterKeyHex(v)
	default:
		return errors.New("give the new master key with --new-master-key-file or ENGRAM_NEW_MASTER_KEY")
	}
	if err != nil {
		return fmt.Errorf("new master key: %w", err)
	}
	if err := memory.Rekey(ctx, *data, oldKey, newKey, nil); err != nil {
		if errors.Is(err, memory.ErrLocked) {
			return fmt.Errorf("%w (stop the server first)", err)
		}
		return err
	}
	fmt.Fprintf(stdout, "rekeyed %s: master key %s -> %s\n", *data, oldKey.Fingerprint(), newKey.Fingerprint())
	if oldFile != "" && oldFile == filepath.Join(*data, "master.key") {
		// The server reads <data>/master.key by default: keep it current.
		if err := replaceKeyFile(oldFile, newKey); err != nil {
			return fmt.Errorf("rekeyed, but %s still holds the old key: %w", oldFile, err)
		}
		fmt.Fprintf(stdout, "%s now holds the new key\n", oldFile)
	} else {
		fmt.Fprintln(stdout, "start the server with the new key (--master-key-file or ENGRAM_MASTER_KEY)")
	}
	return nil
}

// replaceKeyFile writes key to path atomically (0600).
func replaceKeyFile(path string, key seal.MasterKey) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".master.key.tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	buf := fmt.Appendf(nil, "%x\n", key[:])
	defer clear(buf)
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(buf)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}
