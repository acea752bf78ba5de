// Package storage is Engram's ordered key-value layer: the DB/Txn interface
// the engine is written against (storage.go) and its implementation on one
// Badger v4 database shared by every namespace (badger.go).
//
// It owns the Badger directory, the change-log keys it derives from a
// namespace prefix (layout in changelog.go), and the translation of Badger
// and OS errors to this package's sentinels. It knows nothing about
// sealing: values arrive already sealed and are stored as they are.
// Badger's own at-rest encryption (AES-CTR, unauthenticated) is turned on
// with Options.EncryptionKey so keys and metadata are not plain on disk.
//
// Tuning, for one database serving every namespace with a small footprint:
// two 16 MiB memtables (so one transaction holds at most about 2.4 MiB of
// keys and inline values, else ErrTooLarge: bulk writers chunk), values over
// 8 KiB in the value log, 64 MiB value-log files, 2 compactors, 16 MiB index
// and 32 MiB block caches. Update is optimistic and, after 3 conflicts,
// runs its fn exclusively of other Updates so a hot key cannot starve it.
//
// Goroutines: besides Badger's own, OpenBadger starts one, the value-log GC
// loop, which runs RunValueLogGC every Options.GCInterval (default 5 min)
// while it reclaims files. Close stops it and waits for it, then waits for
// operations already admitted, then closes Badger.
//
// The conformance suite every DB implementation must pass lives in
// storage/storagetest.
package storage
