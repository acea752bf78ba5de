package httpapi

import (
	"testing"
	"time"
)

// TestBlockedAddressIsReleasedWhenItsTimeIsUp: a block past its time
// admits the address again and is forgotten.
func TestBlockedAddressIsReleasedWhenItsTimeIsUp(t *testing.T) {
	s := &Server{authGuard: newAuthGuard(defaultAuthFailureLimit), metrics: newMetrics()}
	s.authGuard.blocked.Add("192.0.2.1", time.Now().Add(time.Hour))
	s.authGuard.blocked.Add("192.0.2.2", time.Now().Add(-time.Second))
	if err := s.tooManyFailures("192.0.2.1"); err == nil {
		t.Fatal("an address blocked for an hour was admitted")
	}
	if err := s.tooManyFailures("192.0.2.2"); err != nil {
		t.Fatalf("an address whose block ended was refused: %v", err)
	}
	if s.authGuard.blocked.Contains("192.0.2.2") {
		t.Fatal("an ended block was not forgotten")
	}
	if err := s.tooManyFailures("192.0.2.3"); err != nil {
		t.Fatalf("an address never blocked was refused: %v", err)
	}
}
