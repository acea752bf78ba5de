// Package storagetest is the conformance suite every storage.DB
// implementation must pass: Run(t, open) exercises the whole contract of
// storage.DB and storage.Txn on fresh databases made by open.
package storagetest
