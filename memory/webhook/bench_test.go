package webhook_test

import (
	"fmt"
	"testing"

	"github.com/engramhq/engram/memory/webhook"
)

// BenchmarkEmit is what a write pays for webhooks once its response is
// ready: nothing without subscriptions; with them, one Badger transaction
// storing a sealed delivery row per subscription (the receivers, a local
// 204 server, are reached by the worker pool, not by Emit).
func BenchmarkEmit(b *testing.B) {
	for _, subs := range []int{0, 1, 4} {
		b.Run(fmt.Sprintf("subscriptions=%d", subs), func(b *testing.B) {
			e := openEnv(b, b.TempDir(), nil)
			r := newReceiver(b)
			go func() { // drain what the receiver got
				for range r.got {
				}
			}()
			for range subs {
				e.subscribe(org, ns, webhook.SubscribeInput{URL: r.url("/"), Events: []string{webhook.MemoryStored}})
			}
			ev := webhook.Event{Type: webhook.MemoryStored, Organization: org, Namespace: ns, MemoryIDs: []string{"mem_0123456789abcdef01234567"}}
			b.ReportAllocs()
			for b.Loop() {
				if err := e.svc.Emit(b.Context(), ev); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
