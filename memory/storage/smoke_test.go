package storage

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	key := make([]byte, 32)
	b, err := OpenBadger(t.TempDir(), &Options{EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = b.Update(ctx, func(tx Txn) error {
		if err := tx.Set([]byte("nsa1"), []byte("v")); err != nil {
			return err
		}
		_, err := tx.AppendChange([]byte("ns"), []byte("c1"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	err = b.View(ctx, func(tx Txn) error { got, err = tx.Get([]byte("nsa1")); return err })
	if err != nil || string(got) != "v" {
		t.Fatal(got, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}
