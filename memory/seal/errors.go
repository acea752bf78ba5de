package seal

import "errors"

var (
	// ErrMalformedKey means a master key (hex string or key file) is not
	// 64 hex characters.
	ErrMalformedKey = errors.New("seal: malformed master key")
	// ErrWrongKey means a wrapped DEK did not authenticate: a wrong master
	// key, another namespace's DEK, or an altered wrapped key.
	ErrWrongKey = errors.New("seal: wrong master key or wrapped key not for this namespace")
	// ErrTampered means a sealed value did not open: altered, truncated,
	// or sealed for another row, namespace or key. It is the error for any
	// failure to open other than an unknown version.
	ErrTampered = errors.New("seal: sealed value tampered or not for this row")
	// ErrUnknownVersion means a sealed value names a DEK version the
	// Sealer was not given.
	ErrUnknownVersion = errors.New("seal: unknown data key version")
	// ErrInvalid means an invalid argument, such as no DEKs, a duplicate or
	// zero version, or a missing version-1 DEK.
	ErrInvalid = errors.New("seal: invalid argument")
	// ErrKeyFilePerm means a master key file is readable or writable by
	// group or others (see CheckKeyFilePerm).
	ErrKeyFilePerm = errors.New("seal: master key file accessible by group or others")
)
