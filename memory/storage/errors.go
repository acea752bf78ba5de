package storage

import "errors"

// ErrWrongKey is returned by OpenBadger when the encryption key does not match
// the one the existing database was created with. Nothing on disk is modified
// when it is returned.
var ErrWrongKey = errors.New("storage: wrong encryption key")

// ErrInvalid is returned for invalid arguments, such as an empty prefix passed
// to DeletePrefix or bad Options.
var ErrInvalid = errors.New("storage: invalid argument")
