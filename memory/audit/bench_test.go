package audit

import (
	"context"
	"fmt"
	"testing"
)

func BenchmarkAppend(b *testing.B) {
	l, _, _ := newTestLog(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := Event{RequestID: fmt.Sprint("req", i), KeyID: "key_a", Namespace: "ns_1", Action: "memory.store", Target: "mem_1", Status: 200}
		if err := l.Append(ctx, ev); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, n := range []int{10_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			l, clk, _ := newTestLog(b)
			fill(b, l, clk, n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if ok, c, err := l.Verify(ctx); !ok || c != n || err != nil {
					b.Fatal(ok, c, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
