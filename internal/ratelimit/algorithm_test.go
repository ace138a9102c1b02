package ratelimit

import (
	"testing"
	"time"
)

// base is an arbitrary Unix time in ns, aligned to a day.
const base = int64(1_700_006_400) * int64(time.Second)

// checkRetry verifies a rejection's RetryAfter is exact: one nanosecond
// earlier is still rejected, at RetryAfter the request passes.
func checkRetry(t *testing.T, d Decision, decide func(now int64) Decision, now int64) {
	t.Helper()
	if d.Allowed || d.RetryAfter == RetryNever {
		return
	}
	if d.RetryAfter <= 0 {
		t.Fatalf("rejected with RetryAfter %s", d.RetryAfter)
	}
	if early := decide(now + int64(d.RetryAfter) - 1); early.Allowed {
		t.Fatalf("allowed 1ns before RetryAfter %s", d.RetryAfter)
	}
	if on := decide(now + int64(d.RetryAfter)); !on.Allowed {
		t.Fatalf("rejected at RetryAfter %s: %+v", d.RetryAfter, on)
	}
}

// checkRemaining verifies Remaining: exactly that many cost-1 requests pass now.
func checkRemaining(t *testing.T, d Decision, next func() Decision) {
	t.Helper()
	for i := range d.Remaining {
		if !next().Allowed {
			t.Fatalf("Remaining %d, but request %d rejected", d.Remaining, i+1)
		}
	}
	if n := next(); n.Allowed {
		t.Fatalf("Remaining %d, but one more passed", d.Remaining)
	}
}

func FuzzGCRA(f *testing.F) {
	f.Add(int64(0), uint16(10), uint16(1000), uint8(1), uint8(1))
	f.Add(int64(250_000_000), uint16(3), uint16(1000), uint8(5), uint8(2))
	f.Add(int64(-5), uint16(7), uint16(60000), uint8(0), uint8(9))
	f.Fuzz(func(t *testing.T, tatOff int64, rate, perMS uint16, burst, cost uint8) {
		l := Limit{Rate: int(rate), Per: time.Duration(perMS) * time.Millisecond, Burst: int(burst)}
		p, err := compile(l, int(cost))
		if err != nil {
			return
		}
		p1 := p
		p1.cost = 1
		tat := base + tatOff%(p.burst*p.interval+1)
		newTAT, d := gcra(tat, base, p)
		if !d.Allowed && newTAT != max(tat, base) {
			t.Fatalf("rejection changed state: %d -> %d", tat, newTAT)
		}
		checkRetry(t, d, func(now int64) Decision { _, d := gcra(tat, now, p); return d }, base)
		cur := newTAT
		checkRemaining(t, d, func() Decision { var d Decision; cur, d = gcra(cur, base, p1); return d })
	})
}

func FuzzSlide(f *testing.F) {
	f.Add(uint16(10), uint16(1000), uint8(10), uint8(0), uint16(0), uint8(1))
	f.Add(uint16(10), uint16(1000), uint8(3), uint8(4), uint16(500), uint8(2))
	f.Add(uint16(5), uint16(60000), uint8(5), uint8(5), uint16(59999), uint8(6))
	f.Fuzz(func(t *testing.T, rate, perMS uint16, prev, cur uint8, elapsedMS uint16, cost uint8) {
		l := Limit{Rate: int(rate), Per: time.Duration(perMS) * time.Millisecond, Algorithm: SlidingWindow}
		p, err := compile(l, int(cost))
		if err != nil {
			return
		}
		p1 := p
		p1.cost = 1
		now := base + (int64(elapsedMS)*int64(time.Millisecond))%p.per
		s := windowState{idx: now / p.per, prev: min(int64(prev), p.rate), cur: min(int64(cur), p.rate)}
		next, d := slide(s, now, p)
		if !d.Allowed && next != s {
			t.Fatalf("rejection changed state: %+v -> %+v", s, next)
		}
		checkRetry(t, d, func(at int64) Decision { _, d := slide(s, at, p); return d }, now)
		st := next
		checkRemaining(t, d, func() Decision { var d Decision; st, d = slide(st, now, p1); return d })
	})
}

func TestCompileBounds(t *testing.T) {
	cases := []struct {
		name string
		l    Limit
		ok   bool
	}{
		{"plain", Limit{Rate: 10, Per: time.Second}, true},
		{"one per ns", Limit{Rate: 1_000_000_000, Per: time.Second}, true},
		{"huge burst overflows", Limit{Rate: 1, Per: time.Hour, Burst: 1 << 40}, false},
		{"window rate above int32", Limit{Rate: 1 << 31, Per: time.Hour, Algorithm: SlidingWindow}, false},
		{"window rate below 1ns interval is fine", Limit{Rate: 1 << 30, Per: time.Millisecond, Algorithm: SlidingWindow}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := compile(c.l, 1); (err == nil) != c.ok {
				t.Fatalf("compile(%+v) error %v, want ok=%v", c.l, err, c.ok)
			}
		})
	}
}
