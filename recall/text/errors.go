package text

import "errors"

var (
	// ErrWrongKey means the key given to Open is not the key the index was
	// created with. Nothing was read with it.
	ErrWrongKey = errors.New("text: wrong key for index")
	// ErrClosed means the Index or Pool was used after Close.
	ErrClosed = errors.New("text: index closed")
	// ErrBusy means the directory is already open in this process (Open) or
	// still open (Destroy).
	ErrBusy = errors.New("text: index already open")
	// ErrInvalid means an argument was rejected: a bad key, an empty
	// document id, an unknown analyzer.
	ErrInvalid = errors.New("text: invalid argument")
	// ErrCorrupt means bytes on disk could not be authenticated or parsed.
	ErrCorrupt = errors.New("text: index corrupt")
)
