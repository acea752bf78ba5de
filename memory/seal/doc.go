// Package seal holds Engram's key hierarchy and value sealing.
//
// It owns three things:
//
//   - the MasterKey (32 bytes, from ENGRAM_MASTER_KEY or a key file made by
//     LoadOrCreateMasterKey), from which purpose keys are derived with
//     HKDF-SHA256 (Derive: "badger" for Badger's at-rest encryption,
//     "api-key-pepper", "system" for the system sealer) and which wraps the
//     namespace data keys;
//   - per-namespace data keys (DEK): random 32 bytes with a version, stored
//     only wrapped (AES-256-GCM under a master-derived key, the namespace id
//     as additional data), so destroying the wrapped DEK crypto-shreds the
//     namespace;
//   - the Sealer of a namespace, which seals every value with AES-256-GCM
//     under the current DEK, binding it to the namespace id and row key so a
//     sealed value cannot be moved to another row or namespace, and opens
//     values sealed under any DEK version it was given.
//
// Stable keys: Sealer.Hash (keyed hashes of names and tags used in index
// keys) and Sealer.SubKey (keys for other components, such as the Bleve
// index encryption) derive from the version-1 DEK, not the current one, so
// that DEK rotation changes neither index keys nor the text index key. The
// version-1 DEK must therefore be kept for the life of the namespace, and a
// leak of it exposes those derived keys for good; only rebuilding the
// namespace under a new DEK set changes them.
//
// Nothing here logs, and no error message carries key material. The package
// starts no goroutines; a Sealer is immutable and safe for concurrent use.
package seal
