package memory

// SetFailWrites installs the test-only write fault hook on o, for the
// external tests of this directory (keyring_http_test.go).
func SetFailWrites(o *Options, f func() error) { o.failWrites = f }
