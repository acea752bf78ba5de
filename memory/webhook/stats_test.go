package webhook_test

import (
	"fmt"
	"testing"

	"github.com/engramhq/engram/memory/webhook"
)

// TestStatsCountAttempts fails every attempt of one delivery (3 attempts:
// 2 retried, 1 failed), then delivers another on its first attempt.
func TestStatsCountAttempts(t *testing.T) {
	e := openEnv(t, t.TempDir(), fastOptions())
	r := newReceiver(t)
	r.setFailures(-1)
	sub, _ := e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.MemoryForgotten}})
	e.emit(webhook.Event{Type: webhook.MemoryForgotten, Organization: org, Namespace: ns, Count: 1})
	e.waitDeliveries(org, ns, sub.ID, oneStatus(webhook.StatusFailed, 3))
	r.setFailures(0)
	e.emit(webhook.Event{Type: webhook.MemoryForgotten, Organization: org, Namespace: ns, Count: 2})
	want := webhook.Stats{Delivered: 1, Retried: 2, Failed: 1}
	// The counters move just after the delivery row is written.
	eventually(t, func() bool { return e.svc.Stats() == want },
		func() string { return fmt.Sprintf("stats %+v, want %+v", e.svc.Stats(), want) })
}
