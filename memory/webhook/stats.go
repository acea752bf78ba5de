package webhook

import "sync/atomic"

// Stats count the delivery attempts a Service recorded since Open. Every
// attempt is exactly one of Delivered, Retried or Failed; attempts cut
// short by Close are not counted (they stay pending).
type Stats struct {
	// Delivered counts attempts answered 2xx.
	Delivered uint64
	// Retried counts failed attempts after which the delivery stays
	// pending for another attempt.
	Retried uint64
	// Failed counts failed last attempts: the delivery is failed.
	Failed uint64
}

// Stats returns the delivery counters.
func (s *Service) Stats() Stats {
	return Stats{Delivered: s.stats.delivered.Load(), Retried: s.stats.retried.Load(), Failed: s.stats.failed.Load()}
}

// deliveryStats are the counters behind Stats.
type deliveryStats struct {
	delivered, retried, failed atomic.Uint64
}

// count records the outcome of one attempt whose delivery is now in status.
func (d *deliveryStats) count(status string) {
	switch status {
	case StatusDelivered:
		d.delivered.Add(1)
	case StatusPending:
		d.retried.Add(1)
	case StatusFailed:
		d.failed.Add(1)
	}
}
