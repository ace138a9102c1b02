package enumeration

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func benchConfig() Config {
	return Config{Window: time.Minute, MaxDistinct: 30, MinRequests: 10, MaxDeniedShare: 0.5, Sequential: 10, BlockFor: time.Minute}
}

// BenchmarkObserve is the steady state: a known pair touching its usual ids.
func BenchmarkObserve(b *testing.B) {
	clock := newClock()
	d := newDetector(b, benchConfig(), clock)
	objs := make([]string, 20)
	for i := range objs {
		objs[i] = strconv.Itoa(i * 7)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if a := d.Observe("alice", "GET /orders/{id}", objs[i%len(objs)], 200); a != nil {
			b.Fatalf("alert %+v", a)
		}
		i++
	}
}

// BenchmarkObserveParallel spreads many principals over the shards.
func BenchmarkObserveParallel(b *testing.B) {
	d, err := New(benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	principals := make([]string, 1024)
	for i := range principals {
		principals[i] = "user" + strconv.Itoa(i)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		n := int(next.Add(1)) * 7919
		for pb.Next() {
			n++
			p := principals[n%len(principals)]
			if _, blocked := d.Blocked(p, "r"); !blocked {
				d.Observe(p, "r", p, 200)
			}
		}
	})
}
