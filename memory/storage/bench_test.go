package storage_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/engramhq/engram/memory/storage"
)

func BenchmarkBadgerUpdate(b *testing.B) {
	for _, sync := range []bool{true, false} {
		b.Run(fmt.Sprintf("sync=%v/value=1KiB", sync), func(b *testing.B) {
			db, err := storage.OpenBadger(b.TempDir(), &storage.Options{EncryptionKey: testKey(1), SyncWrites: &sync})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			val := bytes.Repeat([]byte{'v'}, 1024)
			ns := []byte("ns01")
			var i uint64
			b.ReportAllocs()
			for b.Loop() {
				i++
				err := db.Update(ctx, func(tx storage.Txn) error {
					if err := tx.Set(binary.BigEndian.AppendUint64([]byte("ns01m"), i), val); err != nil {
						return err
					}
					_, err := tx.AppendChange(ns, []byte("put"))
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBadgerUpdateParallel commits from several goroutines, each in its
// own namespace, where Badger batches concurrent commits into one sync.
func BenchmarkBadgerUpdateParallel(b *testing.B) {
	db, err := storage.OpenBadger(b.TempDir(), &storage.Options{EncryptionKey: testKey(1)})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := bytes.Repeat([]byte{'v'}, 1024)
	var nsSeq atomic.Uint32
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ns := binary.BigEndian.AppendUint32(nil, nsSeq.Add(1))
		var i uint64
		for pb.Next() {
			i++
			err := db.Update(ctx, func(tx storage.Txn) error {
				if err := tx.Set(binary.BigEndian.AppendUint64(append(bytes.Clone(ns), 'm'), i), val); err != nil {
					return err
				}
				_, err := tx.AppendChange(ns, []byte("put"))
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkBadgerRead(b *testing.B) {
	f := false
	db, err := storage.OpenBadger(b.TempDir(), &storage.Options{EncryptionKey: testKey(1), SyncWrites: &f})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const n = 10000
	val := bytes.Repeat([]byte{'v'}, 1024)
	for start := 0; start < n; start += 1000 {
		err := db.Update(ctx, func(tx storage.Txn) error {
			for i := start; i < start+1000; i++ {
				if err := tx.Set(binary.BigEndian.AppendUint64([]byte("ns01m"), uint64(i)), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Run("op=get", func(b *testing.B) {
		var i uint64
		b.ReportAllocs()
		for b.Loop() {
			i = (i + 7919) % n
			err := db.View(ctx, func(tx storage.Txn) error {
				_, err := tx.Get(binary.BigEndian.AppendUint64([]byte("ns01m"), i))
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=scan/rows=100", func(b *testing.B) {
		var i uint64
		b.ReportAllocs()
		for b.Loop() {
			i = (i + 7919) % (n - 100)
			start := binary.BigEndian.AppendUint64([]byte("ns01m"), i)
			rows := 0
			err := db.View(ctx, func(tx storage.Txn) error {
				return tx.Scan([]byte("ns01m"), start, false, func(k, v []byte) error {
					rows++
					if rows == 100 {
						return storage.ErrStop
					}
					return nil
				})
			})
			if err != nil || rows != 100 {
				b.Fatal(rows, err)
			}
		}
	})
}
