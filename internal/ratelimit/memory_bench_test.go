package ratelimit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

// benchLimit is high enough that the benchmark measures the limiter, not
// rejections (both paths cost the same).
var benchLimit = ratelimit.Limit{Rate: 1_000_000, Per: time.Second, Burst: 1000}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "client:" + strconv.Itoa(i)
	}
	return keys
}

func BenchmarkMemoryAllow(b *testing.B) {
	for _, alg := range []struct {
		name string
		a    ratelimit.Algorithm
	}{{"GCRA", ratelimit.GCRA}, {"Window", ratelimit.SlidingWindow}} {
		for _, n := range []int{1, 100_000} {
			keys := benchKeys(n)
			l := benchLimit
			l.Algorithm = alg.a
			name := alg.name + "/keys=" + strconv.Itoa(n)
			b.Run(name, func(b *testing.B) {
				m, ctx := warm(keys, l), context.Background()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					_, _ = m.Allow(ctx, keys[i%n], l, 1)
					i++
				}
			})
			b.Run(name+"/parallel", func(b *testing.B) {
				m, ctx := warm(keys, l), context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						_, _ = m.Allow(ctx, keys[i%n], l, 1)
						i += 7919
					}
				})
			})
		}
	}
}

// warm returns a Memory holding every key, so the benchmark measures the
// steady state rather than first inserts.
func warm(keys []string, l ratelimit.Limit) *ratelimit.Memory {
	m := ratelimit.NewMemory(ratelimit.MemoryConfig{})
	for _, k := range keys {
		_, _ = m.Allow(context.Background(), k, l, 1)
	}
	return m
}

func BenchmarkMemory1MKeys(b *testing.B) {
	for b.Loop() {
		b.ReportMetric(millionKeys(b), "bytes/key")
	}
}
