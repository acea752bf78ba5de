package storage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Backup writes an online, consistent (one snapshot) full backup of the
// database to w as Badger's backup stream, and returns the version it was
// taken at. Badger's at-rest encryption does not apply to the stream: keys
// are written in the clear, values exactly as stored (sealed by the caller).
func (b *Badger) Backup(w io.Writer) (uint64, error) {
	if err := b.acquire(); err != nil {
		return 0, err
	}
	defer b.done()
	v, err := b.db.Backup(w, 0)
	if err != nil {
		return 0, fmt.Errorf("storage: backup: %w", translate(err))
	}
	return v, nil
}

// RestoreBadger creates a new database in dir (which must not exist or be
// empty) with opts, loads the backup stream r written by Backup into it, and
// closes it.
func RestoreBadger(dir string, r io.Reader, opts *Options) (err error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage: restore: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%w: restore into non-empty directory %s", ErrInvalid, dir)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	o.GCInterval = -1
	b, err := OpenBadger(dir, &o)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := b.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := b.db.Load(r, 256); err != nil {
		return fmt.Errorf("storage: restore: %w", translate(err))
	}
	return nil
}
