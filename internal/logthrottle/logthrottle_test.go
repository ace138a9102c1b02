package logthrottle

import (
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestAllow(t *testing.T) {
	type call struct {
		key        string
		at         time.Duration // after t0
		ok         bool
		suppressed int
	}
	cases := []struct {
		name  string
		calls []call
	}{
		{"first line of a key is logged", []call{{"a", 0, true, 0}}},
		{"repeat within the interval is held back", []call{{"a", 0, true, 0}, {"a", time.Second, false, 0}}},
		{"held-back lines are reported by the next one logged", []call{
			{"a", 0, true, 0}, {"a", 1, false, 0}, {"a", 2, false, 0}, {"a", Every, true, 2}}},
		{"the interval counts from the last line logged", []call{
			{"a", 0, true, 0}, {"a", Every - 1, false, 0}, {"a", Every, true, 1}, {"a", Every + Every - 1, false, 0}}},
		{"keys are independent", []call{{"a", 0, true, 0}, {"b", 1, true, 0}, {"a", 2, false, 0}, {"b", 3, false, 0}}},
		{"the count starts again after a line", []call{
			{"a", 0, true, 0}, {"a", 1, false, 0}, {"a", Every, true, 1}, {"a", 2 * Every, true, 0}}},
		{"a clock going back holds the line", []call{{"a", Every, true, 0}, {"a", 0, false, 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var k Keys
			for i, cl := range c.calls {
				ok, n := k.Allow(cl.key, t0.Add(cl.at))
				if ok != cl.ok || n != cl.suppressed {
					t.Fatalf("call %d (%s at +%v): %v, %d; want %v, %d", i, cl.key, cl.at, ok, n, cl.ok, cl.suppressed)
				}
			}
		})
	}
}

// TestAllowOutage: an outage refuses every request with one code; one line
// is logged, the next one reports every request held back.
func TestAllowOutage(t *testing.T) {
	var k Keys
	if ok, _ := k.Allow("rate_limiter_unavailable", t0); !ok {
		t.Fatal("first failure not logged")
	}
	var wg sync.WaitGroup
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := k.Allow("rate_limiter_unavailable", t0.Add(time.Duration(i)*time.Millisecond)); ok {
				t.Errorf("failure %d within the interval was logged", i)
			}
		}()
	}
	wg.Wait()
	if ok, n := k.Allow("rate_limiter_unavailable", t0.Add(Every)); !ok || n != 1000 {
		t.Fatalf("after the interval: %v, %d suppressed; want logged with 1000", ok, n)
	}
}
