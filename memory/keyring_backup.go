package memory

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/engramhq/engram/memory/seal"
	"github.com/engramhq/engram/memory/storage"
)

// Backup file format (all integers big-endian):
//
//	magic "ENGRAMBK" (8) | format (1) = 1 | master fingerprint (16 ASCII hex)
//	keyring length (4) | keyring file bytes (sealed by the master key)
//	chunks: length (4) | bytes ...   the Badger backup stream
//	a zero-length chunk
//	SHA-256 (32) of the concatenated chunk bytes
//
// The Badger stream holds every key in the clear (keys hold no user content
// by design: ids and keyed hashes) and every value exactly as stored, sealed
// under its namespace's data key or the system key. Nothing in the file is
// readable without the master key. The Bleve folders are not included:
// they are derived state, rebuilt from the change log when a restored
// directory opens (a missing text folder starts at checkpoint 0).
const (
	backupMagic  = "ENGRAMBK"
	backupFormat = 1
	backupChunk  = 1 << 20
)

// BackupInfo describes a written backup.
type BackupInfo struct {
	// Version is the Badger version the snapshot was taken at.
	Version uint64
	// Bytes is the size of the backup file.
	Bytes int64
}

// Backup writes an online, consistent backup of the whole store to w (see
// the format above). It runs while the store serves.
func (s *Store) Backup(ctx context.Context, w io.Writer) (BackupInfo, error) {
	kb, err := os.ReadFile(filepath.Join(s.dir, keyringFile))
	if err != nil {
		return BackupInfo{}, fmt.Errorf("memory: backup: read keyring: %w", err)
	}
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	head := make([]byte, 0, 64+len(kb))
	head = append(head, backupMagic...)
	head = append(head, backupFormat)
	head = append(head, s.master.Fingerprint()...)
	head = binary.BigEndian.AppendUint32(head, uint32(len(kb)))
	head = append(head, kb...)
	if _, err := bw.Write(head); err != nil {
		return BackupInfo{}, fmt.Errorf("memory: backup: %w", err)
	}
	ch := &chunkWriter{w: bw, sum: sha256.New(), ctx: ctx}
	v, err := s.db.Backup(ch)
	if err == nil {
		err = ch.Close()
	}
	if err == nil {
		_, err = bw.Write(ch.sum.Sum(nil))
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return BackupInfo{}, fmt.Errorf("memory: backup: %w", storageErr(err))
	}
	return BackupInfo{Version: v, Bytes: cw.n}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// chunkWriter frames the Badger stream in length-prefixed chunks and hashes
// it, so a truncated or altered file is detected on restore.
type chunkWriter struct {
	w   io.Writer
	sum hash.Hash
	buf []byte
	ctx context.Context
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), backupChunk-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == backupChunk {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(c.buf)))
	if _, err := c.w.Write(l[:]); err != nil {
		return err
	}
	if _, err := c.w.Write(c.buf); err != nil {
		return err
	}
	c.sum.Write(c.buf)
	c.buf = c.buf[:0]
	return nil
}

// Close writes the last chunk and the end marker.
func (c *chunkWriter) Close() error {
	if err := c.flush(); err != nil {
		return err
	}
	_, err := c.w.Write([]byte{0, 0, 0, 0})
	return err
}

// chunkReader reads the chunks back as one stream, hashing them; it
// returns io.EOF at the end marker.
type chunkReader struct {
	r    *bufio.Reader
	sum  hash.Hash
	left int
	end  bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.left == 0 {
		if c.end {
			return 0, io.EOF
		}
		var l [4]byte
		if _, err := io.ReadFull(c.r, l[:]); err != nil {
			return 0, fmt.Errorf("%w: truncated backup", ErrInvalidBackup)
		}
		c.left = int(binary.BigEndian.Uint32(l[:]))
		if c.left > backupChunk {
			return 0, fmt.Errorf("%w: chunk of %d bytes", ErrInvalidBackup, c.left)
		}
		if c.left == 0 {
			c.end = true
		}
	}
	n, err := c.r.Read(p[:min(len(p), c.left)])
	c.sum.Write(p[:n])
	c.left -= n
	if errors.Is(err, io.EOF) {
		err = fmt.Errorf("%w: truncated backup", ErrInvalidBackup)
	}
	return n, err
}

// Restore creates a data directory in dir (which must not exist or be
// empty) from a backup written by Store.Backup. mk must be the master key
// the backup was taken under (ErrWrongMasterKey otherwise, before anything
// is written). Text indexes are rebuilt when namespaces first open.
func Restore(ctx context.Context, r io.Reader, dir string, mk seal.MasterKey) (err error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("memory: restore: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("memory: restore: %s is not empty", dir)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head := make([]byte, len(backupMagic)+1+16+4)
	if _, err := io.ReadFull(br, head); err != nil || string(head[:len(backupMagic)]) != backupMagic {
		return fmt.Errorf("%w: no backup header", ErrInvalidBackup)
	}
	if head[len(backupMagic)] != backupFormat {
		return fmt.Errorf("%w: unknown format %d", ErrInvalidBackup, head[len(backupMagic)])
	}
	master := mk
	if string(head[len(backupMagic)+1:len(backupMagic)+17]) != master.Fingerprint() {
		return ErrWrongMasterKey
	}
	kl := binary.BigEndian.Uint32(head[len(head)-4:])
	if kl > 4096 {
		return fmt.Errorf("%w: keyring of %d bytes", ErrInvalidBackup, kl)
	}
	kb := make([]byte, kl)
	if _, err := io.ReadFull(br, kb); err != nil {
		return fmt.Errorf("%w: truncated keyring", ErrInvalidBackup)
	}
	kr, err := openKeyring(master, kb)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("memory: restore: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	defer func() {
		if err != nil { // leave no half-restored directory behind
			_ = os.RemoveAll(filepath.Join(dir, "db"))
			_ = os.Remove(filepath.Join(dir, keyringFile))
			_ = os.Remove(filepath.Join(dir, "master.fingerprint"))
		}
	}()
	if err := writeFileAtomic(dir, keyringFile, kb); err != nil {
		return err
	}
	if err := ensureFingerprint(dir, master); err != nil {
		return err
	}
	cr := &chunkReader{r: br, sum: sha256.New()}
	if err := storage.RestoreBadger(filepath.Join(dir, "db"), cr, &storage.Options{EncryptionKey: kr.badger}); err != nil {
		return fmt.Errorf("memory: restore: %w", err)
	}
	if !cr.end {
		return fmt.Errorf("%w: stream ended early", ErrInvalidBackup)
	}
	var want [32]byte
	if _, err := io.ReadFull(br, want[:]); err != nil {
		return fmt.Errorf("%w: missing checksum", ErrInvalidBackup)
	}
	if string(cr.sum.Sum(nil)) != string(want[:]) {
		return fmt.Errorf("%w: checksum mismatch", ErrInvalidBackup)
	}
	return ctx.Err()
}
