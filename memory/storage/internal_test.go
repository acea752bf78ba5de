package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		name string
		in   error
		want error
	}{
		{"err=not_found", badger.ErrKeyNotFound, ErrNotFound},
		{"err=conflict", badger.ErrConflict, ErrConflict},
		{"err=too_big", badger.ErrTxnTooBig, ErrTooLarge},
		{"err=enospc", &os.PathError{Op: "write", Path: "x.vlog", Err: syscall.ENOSPC}, ErrNoSpace},
		{"err=enospc_wrapped", fmt.Errorf("sync: %w", syscall.ENOSPC), ErrNoSpace},
		{"err=closed", badger.ErrDBClosed, ErrClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := translate(tc.in); !errors.Is(got, tc.want) {
				t.Fatalf("translate(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
	other := errors.New("other")
	if translate(other) != other || translate(nil) != nil {
		t.Fatal("translate changed an unknown error or nil")
	}
}

func TestBadgerLogger(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o, err := (&Options{Logger: l}).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	bo := badgerOptions(t.TempDir(), o)
	bo.Infof("info %d", 1)
	bo.Debugf("debug %d", 2)
	bo.Warningf("warn %d\n", 3)
	bo.Errorf("error %d", 4)
	out := buf.String()
	for _, want := range []string{"level=WARN msg=\"warn 3\"", "level=ERROR msg=\"error 4\""} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "info 1") || strings.Contains(out, "debug 2") {
		t.Errorf("info/debug reached slog:\n%s", out)
	}
}

func TestTooLarge(t *testing.T) {
	b, err := OpenBadger(t.TempDir(), &Options{EncryptionKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	val := bytes.Repeat([]byte{1}, 4<<10) // inline: below the value threshold
	err = b.Update(context.Background(), func(tx Txn) error {
		for i := range 4096 { // 16 MiB, more than one batch holds
			if err := tx.Set(fmt.Appendf(nil, "k%06d", i), val); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestGCLoopStops(t *testing.T) {
	b, err := OpenBadger(t.TempDir(), &Options{GCInterval: time.Millisecond, ValueLogFileSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte{2}, 64<<10)
	for i := range 40 {
		err := b.Update(context.Background(), func(tx Txn) error { return tx.Set([]byte("big"), append(big, byte(i))) })
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.gcDone:
	default:
		t.Fatal("GC goroutine still running after Close")
	}
}
