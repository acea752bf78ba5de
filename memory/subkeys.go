package memory

// SubKey returns a 32-byte key for purpose, derived (HKDF-SHA256) from the
// system key held in the keyring, so it survives a master-key rekey. It is
// for components that keep their own sealed system rows in the store's
// database, such as memory/webhook ("webhooks"). It is key material: never
// log it.
func (s *Store) SubKey(purpose string) []byte {
	return s.sys.SubKey("store/" + purpose)
}
