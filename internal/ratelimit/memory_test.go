package ratelimit_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/ratelimittest"
)

func TestMemoryConformance(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, now func() time.Time) ratelimit.Limiter {
		return ratelimit.NewMemory(ratelimit.MemoryConfig{Now: now})
	})
}

func TestMemoryConformanceOneShard(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, now func() time.Time) ratelimit.Limiter {
		return ratelimit.NewMemory(ratelimit.MemoryConfig{Shards: 1, MaxKeys: 16, Now: now})
	})
}

// fakeClock is a settable clock for tests outside the suite.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestMemoryEviction(t *testing.T) {
	l := ratelimit.Limit{Rate: 1, Per: time.Hour, Burst: 1}
	cases := []struct {
		name     string
		idleKeys bool // the full shard's keys are expired
	}{
		{"evicts expired keys first", true},
		{"evicts the oldest when none expired", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := &fakeClock{t: ratelimittest.Epoch()}
			m := ratelimit.NewMemory(ratelimit.MemoryConfig{Shards: 1, MaxKeys: 100, Now: clk.now})
			for i := range 100 {
				clk.t = clk.t.Add(time.Second) // key i is older than key i+1
				mustAllow(t, m, "old"+strconv.Itoa(i), l, true)
			}
			if c.idleKeys {
				clk.t = clk.t.Add(2 * time.Hour)
			}
			for i := range 1000 {
				mustAllow(t, m, "new"+strconv.Itoa(i), l, true)
				if n := m.Len(); n > 100 {
					t.Fatalf("after %d new keys: %d keys held, bound 100", i+1, n)
				}
			}
			// The newest keys survive: eviction takes the oldest sampled.
			mustAllow(t, m, "new999", l, false)
		})
	}
}

func TestMemorySweep(t *testing.T) {
	clk := &fakeClock{t: ratelimittest.Epoch()}
	m := ratelimit.NewMemory(ratelimit.MemoryConfig{Now: clk.now})
	g := ratelimit.Limit{Rate: 10, Per: time.Second, Burst: 5}
	w := ratelimit.Limit{Rate: 10, Per: time.Second, Algorithm: ratelimit.SlidingWindow}
	for i := range 1000 {
		mustAllow(t, m, strconv.Itoa(i), g, true)
		mustAllow(t, m, strconv.Itoa(i), w, true)
	}
	if n := m.Len(); n != 2000 {
		t.Fatalf("Len = %d, want 2000", n)
	}
	clk.t = clk.t.Add(time.Second) // GCRA keys expired, windows not yet
	if n := m.Sweep(); n != 1000 {
		t.Fatalf("Sweep removed %d, want the 1000 GCRA keys", n)
	}
	clk.t = clk.t.Add(time.Second)
	if n := m.Sweep(); n != 1000 || m.Len() != 0 {
		t.Fatalf("Sweep removed %d, %d left; want 1000 and 0", n, m.Len())
	}
}

func TestMemoryShardsRounded(t *testing.T) {
	for _, shards := range []int{-1, 0, 1, 3, 64, 100} {
		m := ratelimit.NewMemory(ratelimit.MemoryConfig{Shards: shards})
		mustAllow(t, m, "k", ratelimit.Limit{Rate: 1, Per: time.Second}, true)
	}
}

// TestMemoryMillionKeys checks the memory budget: a million GCRA keys in at
// most ~150 MB of heap.
func TestMemoryMillionKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a million keys")
	}
	perKey := millionKeys(t)
	t.Logf("%.0f bytes/key", perKey)
	if perKey > 150 {
		t.Fatalf("%.0f bytes/key, budget 150", perKey)
	}
}

// millionKeys inserts 1M keys and returns the heap growth per key.
func millionKeys(tb testing.TB) float64 {
	const n = 1_000_000
	// A frozen clock: on a slow run (-race) early keys would otherwise be back to
	// their full allowance before the last is inserted, and swept.
	t0 := time.Now()
	m := ratelimit.NewMemory(ratelimit.MemoryConfig{MaxKeys: 2 * n, Now: func() time.Time { return t0 }})
	l := ratelimit.Limit{Rate: 10, Per: time.Minute, Burst: 10}
	before := heap()
	buf := make([]byte, 0, 32)
	for i := range n {
		buf = strconv.AppendInt(append(buf[:0], "client:"...), int64(i), 10)
		if _, err := m.Allow(context.Background(), string(buf), l, 1); err != nil {
			tb.Fatal(err)
		}
	}
	after := heap()
	if got := m.Len(); got != n {
		tb.Fatalf("Len = %d, want %d", got, n)
	}
	runtime.KeepAlive(m)
	return float64(after-before) / n
}

func heap() uint64 {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return s.HeapAlloc
}

func mustAllow(t *testing.T, lim ratelimit.Limiter, key string, l ratelimit.Limit, allowed bool) {
	t.Helper()
	d, err := lim.Allow(context.Background(), key, l, 1)
	if err != nil {
		t.Fatalf("Allow(%q): %v", key, err)
	}
	if d.Allowed != allowed {
		t.Fatalf("Allow(%q) = %+v, want Allowed=%v", key, d, allowed)
	}
}
