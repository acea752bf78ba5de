package decay

import (
	"testing"
	"time"
)

func BenchmarkRetention(b *testing.B) {
	it := Item{Type: Episodic, Importance: 0.6, AccessCount: 7, CreatedAt: t0, LastAccessedAt: t0.Add(30 * time.Hour)}
	now := t0.Add(100 * time.Hour)
	for _, c := range allCurves {
		b.Run("curve="+string(c), func(b *testing.B) {
			p := policyWith(c, 168, 0.05)
			b.ReportAllocs()
			var sink float64
			for b.Loop() {
				sink += Retention(&p, it, now)
			}
			_ = sink
		})
	}
}

func BenchmarkScore(b *testing.B) {
	it := Item{Type: Semantic, Importance: 0.6, AccessCount: 7, CreatedAt: t0, LastAccessedAt: t0.Add(30 * time.Hour)}
	now := t0.Add(100 * time.Hour)
	p := DefaultPolicy()
	b.ReportAllocs()
	var sink float64
	for b.Loop() {
		_, s := Score(&p, 0.8, it, now)
		sink += s
	}
	_ = sink
}
