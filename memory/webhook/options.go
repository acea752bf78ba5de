package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Options configure Open. Nil options are valid; every zero field means its
// documented default.
type Options struct {
	// Logger receives delivery failures by subscription and delivery id,
	// never URLs, secrets or payloads. Nil discards.
	Logger *slog.Logger
	// Now is the clock for event, delivery and signature times. Nil means
	// time.Now.
	Now func() time.Time
	// Workers is the number of delivery goroutines. Zero means 4.
	Workers int
	// QueueSize bounds the deliveries scheduled in memory; the rest stay
	// pending on disk until the queue drains. Zero means 10,000.
	QueueSize int
	// AttemptTimeout bounds one delivery attempt, from dialing to reading
	// the (discarded) response. Zero means 10s.
	AttemptTimeout time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is
	// failed (and again after each Retry). Zero means 8.
	MaxAttempts int
	// BaseBackoff is the delay after the first failed attempt; it doubles
	// per attempt (with jitter: half fixed, half random). Zero means 1s.
	BaseBackoff time.Duration
	// MaxBackoff caps the delay between attempts. Zero means 1m.
	MaxBackoff time.Duration
	// Retention is how long delivered and failed deliveries are kept.
	// Zero means 7 days.
	Retention time.Duration
	// MaxPerNamespace bounds a namespace's subscriptions. Zero means 25.
	MaxPerNamespace int
	// MaxIDsPerEvent bounds the memory ids of one payload; larger events
	// are split into chunks (data.chunk, data.chunks). Zero means 100.
	MaxIDsPerEvent int
	// AllowedHosts, when not empty, restricts targets to these host names:
	// exact ("hooks.example.com") or a suffix pattern ("*.example.com").
	// Empty means any host.
	AllowedHosts []string
	// DenyPrivate refuses loopback, private, link-local and unspecified
	// target addresses, checked at subscribe time for IP literals and at
	// every dial after DNS resolution. False (the default, which tests on
	// 127.0.0.1 need) allows them: production deployments should set it.
	DenyPrivate bool
}

func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	var errs []error
	for _, f := range []struct {
		name string
		v    int
	}{{"Workers", c.Workers}, {"QueueSize", c.QueueSize}, {"MaxAttempts", c.MaxAttempts},
		{"MaxPerNamespace", c.MaxPerNamespace}, {"MaxIDsPerEvent", c.MaxIDsPerEvent}} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("webhook: %s must not be negative", f.name))
		}
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"AttemptTimeout", c.AttemptTimeout}, {"BaseBackoff", c.BaseBackoff}, {"MaxBackoff", c.MaxBackoff}, {"Retention", c.Retention}} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("webhook: %s must not be negative", f.name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.Workers = cmpOr(c.Workers, 4)
	c.QueueSize = cmpOr(c.QueueSize, 10_000)
	c.MaxAttempts = cmpOr(c.MaxAttempts, 8)
	c.MaxPerNamespace = cmpOr(c.MaxPerNamespace, 25)
	c.MaxIDsPerEvent = cmpOr(c.MaxIDsPerEvent, 100)
	c.AttemptTimeout = cmpOr(c.AttemptTimeout, 10*time.Second)
	c.BaseBackoff = cmpOr(c.BaseBackoff, time.Second)
	c.MaxBackoff = cmpOr(c.MaxBackoff, time.Minute)
	c.Retention = cmpOr(c.Retention, 7*24*time.Hour)
	return c, nil
}

func cmpOr[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
