package llm

import "errors"

var (
	// ErrConfig is returned by New for an invalid configuration.
	ErrConfig = errors.New("llm: invalid config")
	// ErrBadResponse is returned when the endpoint answers 2xx with a body
	// that is too large, not the provider's envelope, truncated, refused,
	// or whose content is not the requested JSON object. It is not retried.
	ErrBadResponse = errors.New("llm: bad model response")
	// ErrRequest is returned when the endpoint rejects a request with a 4xx
	// status other than 429; it is not retried.
	ErrRequest = errors.New("llm: request rejected")
	// ErrUnavailable is returned when retries are exhausted on 429, 5xx,
	// timeouts or network errors.
	ErrUnavailable = errors.New("llm: endpoint unavailable")
	// ErrEmptyText is returned for a text that is empty or only whitespace.
	ErrEmptyText = errors.New("llm: empty text")
)
