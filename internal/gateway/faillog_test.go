package gateway

import (
	"testing"
	"time"
)

func TestFailLogKeepsOneLinePerCodeAndInterval(t *testing.T) {
	var f failLog
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if ok, n := f.allow("rate_limiter_unavailable", t0); !ok || n != 0 {
		t.Fatalf("first failure: %v %d, want logged", ok, n)
	}
	for i := range 1000 { // an outage: every request refused with the same code
		if ok, _ := f.allow("rate_limiter_unavailable", t0.Add(time.Duration(i)*time.Millisecond)); ok {
			t.Fatalf("failure %d within the interval was logged", i)
		}
	}
	if ok, _ := f.allow("upstream_unavailable", t0.Add(time.Second)); !ok {
		t.Fatal("another code is held back by the first")
	}
	if ok, n := f.allow("rate_limiter_unavailable", t0.Add(failLogEvery)); !ok || n != 1000 {
		t.Fatalf("after the interval: %v, %d suppressed; want logged with 1000", ok, n)
	}
}
