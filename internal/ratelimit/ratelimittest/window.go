package ratelimittest

import (
	"fmt"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

const day = 24 * time.Hour

// window returns a sliding-window limit.
func window(rate int, per time.Duration) ratelimit.Limit {
	return ratelimit.Limit{Rate: rate, Per: per, Algorithm: ratelimit.SlidingWindow}
}

func testWindowBurst(e *env) {
	l := window(5, day)
	for i := range 5 {
		e.want(fmt.Sprintf("request %d", i+1), e.allow("k", l, 1), true, 4-i)
	}
	d := e.allow("k", l, 1)
	e.want("request 6", d, false, 0)
	if e.serverClock { // phase of the server's window unknown
		if d.RetryAfter <= 0 || d.RetryAfter > 2*day || d.ResetAfter <= day || d.ResetAfter > 2*day {
			e.t.Fatalf("request 6: %+v", d)
		}
		return
	}
	// Next window: the 5 weigh ceil(5*(1-e)) <= 4 from e = 1/5.
	e.near("RetryAfter", d.RetryAfter, day+day/5)
	e.near("ResetAfter", d.ResetAfter, 2*day)
}

func testWindowEdges(e *env) {
	l := window(10, time.Second)
	for range 10 {
		e.allow("k", l, 1)
	}
	e.wait(999 * time.Millisecond)
	e.want("end of window", e.allow("k", l, 1), false, 0)
	e.wait(time.Millisecond)
	d := e.allow("k", l, 1)
	e.want("exactly at the boundary", d, false, 0)
	e.near("RetryAfter", d.RetryAfter, 100*time.Millisecond)
	e.wait(100*time.Millisecond - 1)
	d = e.allow("k", l, 1)
	e.want("1ns early", d, false, 0)
	e.near("RetryAfter", d.RetryAfter, 1)
	e.wait(1)
	e.want("previous weighs 9", e.allow("k", l, 1), true, 0)
	e.wait(400 * time.Millisecond) // t = 1.5s: previous weighs 5, current 1
	for i := range 4 {
		e.want(fmt.Sprintf("half way %d", i), e.allow("k", l, 1), true, 3-i)
	}
	e.want("half way, full", e.allow("k", l, 1), false, 0)
	e.wait(1500 * time.Millisecond) // t = 3s: two windows later, all forgotten
	for i := range 10 {
		e.want(fmt.Sprintf("fresh %d", i), e.allow("k", l, 1), true, 9-i)
	}
}

func testWindowRetryAfterExact(e *env) {
	l := window(10, time.Second)
	for range 10 {
		e.allow("k", l, 1)
	}
	d := e.allow("k", l, 1)
	e.want("11th", d, false, 0)
	e.near("RetryAfter", d.RetryAfter, 1100*time.Millisecond)
	e.near("ResetAfter", d.ResetAfter, 2*time.Second)
	e.wait(1100*time.Millisecond - 1)
	d = e.allow("k", l, 1)
	e.want("1ns early", d, false, 0)
	e.near("RetryAfter", d.RetryAfter, 1)
	e.wait(1)
	e.want("on time", e.allow("k", l, 1), true, 0)
}

func testWindowRejectedNotCounted(e *env) {
	l := window(3, day)
	for range 3 {
		e.allow("k", l, 1)
	}
	last := ratelimit.RetryNever
	for i := range 20 {
		d := e.allow("k", l, 1)
		e.want(fmt.Sprintf("rejected %d", i), d, false, 0)
		if d.RetryAfter > last {
			e.t.Fatalf("rejected %d: RetryAfter grew from %s to %s: rejections count", i, last, d.RetryAfter)
		}
		last = d.RetryAfter
	}
	if e.serverClock {
		return
	}
	e.wait(day + day/2) // previous window (3) weighs ceil(1.5) = 2
	e.want("next window", e.allow("k", l, 1), true, 0)
	e.want("next window, full", e.allow("k", l, 1), false, 0)
}

func testWindowCost(e *env) {
	l := window(10, day)
	e.want("cost 4", e.allow("k", l, 4), true, 6)
	e.want("cost 7", e.allow("k", l, 7), false, 6)
	e.want("cost 6", e.allow("k", l, 6), true, 0)
}

func testWindowCostOverRate(e *env) {
	l := window(10, day)
	d := e.allow("k", l, 11)
	e.want("cost 11 > rate 10", d, false, 10)
	e.near("RetryAfter", d.RetryAfter, ratelimit.RetryNever)
	e.want("cost 10", e.allow("k", l, 10), true, 0)
}

func testWindowResetAfter(e *env) {
	l := window(10, time.Second)
	d := e.allow("k", l, 1)
	e.near("ResetAfter, current window", d.ResetAfter, 2*time.Second)
	e.wait(1500 * time.Millisecond)
	d = e.allow("k", l, 1) // previous 1 weighs ceil(0.5) = 1
	e.want("next window", d, true, 8)
	e.near("ResetAfter, next window", d.ResetAfter, 1500*time.Millisecond)
	e.wait(time.Second) // t = 2.5s: only the previous window (1) remains
	d = e.allow("k", l, 0)
	e.want("peek", d, true, 9)
	e.near("ResetAfter, previous only", d.ResetAfter, 500*time.Millisecond)
}
