package ratelimittest

import (
	"fmt"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

// hourly is 60 per hour (one per minute) with a burst of 5: slow enough that
// real time spent in a test never refills a unit.
var hourly = ratelimit.Limit{Rate: 60, Per: time.Hour, Burst: 5}

func testGCRABurst(e *env) {
	for i := range 5 {
		d := e.allow("k", hourly, 1)
		e.want(fmt.Sprintf("request %d", i+1), d, true, 4-i)
		e.near("ResetAfter", d.ResetAfter, time.Duration(i+1)*time.Minute)
	}
	d := e.allow("k", hourly, 1)
	e.want("request 6", d, false, 0)
	e.near("RetryAfter", d.RetryAfter, time.Minute)
	e.near("ResetAfter", d.ResetAfter, 5*time.Minute)
}

func testGCRABurstZero(e *env) {
	l := ratelimit.Limit{Rate: 60, Per: time.Hour}
	d := e.allow("k", l, 1)
	e.want("first", d, true, 0)
	e.near("ResetAfter", d.ResetAfter, time.Minute)
	d = e.allow("k", l, 1)
	e.want("second", d, false, 0)
	e.near("RetryAfter", d.RetryAfter, time.Minute)
}

// tenPerSecond is 10/s, burst 1: one request per 100ms.
var tenPerSecond = ratelimit.Limit{Rate: 10, Per: time.Second}

func testGCRARetryAfterExact(e *env) {
	d := e.allow("k", tenPerSecond, 1)
	e.want("first", d, true, 0)
	e.near("ResetAfter", d.ResetAfter, 100*time.Millisecond)
	for _, step := range []struct {
		advance, retry time.Duration
	}{{0, 100 * time.Millisecond}, {40 * time.Millisecond, 60 * time.Millisecond}, {60*time.Millisecond - 1, 1}} {
		e.wait(step.advance)
		d = e.allow("k", tenPerSecond, 1)
		e.want("early", d, false, 0)
		e.near("RetryAfter", d.RetryAfter, step.retry)
		e.near("ResetAfter", d.ResetAfter, step.retry)
	}
	e.wait(1)
	e.want("at the boundary", e.allow("k", tenPerSecond, 1), true, 0)
}

func testGCRASteadyRate(e *env) {
	l := ratelimit.Limit{Rate: 10, Per: time.Second, Burst: 3}
	for range 3 {
		e.allow("k", l, 1)
	}
	for i := range 50 {
		e.wait(50 * time.Millisecond)
		d := e.allow("k", l, 1)
		e.want(fmt.Sprintf("half step %d", i), d, false, 0)
		e.near("RetryAfter", d.RetryAfter, 50*time.Millisecond)
		e.wait(50 * time.Millisecond)
		e.want(fmt.Sprintf("step %d", i), e.allow("k", l, 1), true, 0)
	}
}

func testGCRARefill(e *env) {
	for range 5 {
		e.allow("k", hourly, 1)
	}
	e.wait(3 * time.Minute)
	for i := range 3 {
		e.want(fmt.Sprintf("refilled %d", i), e.allow("k", hourly, 1), true, 2-i)
	}
	e.want("after refill", e.allow("k", hourly, 1), false, 0)
}

func testGCRAWaitRetryAfter(e *env) {
	l := ratelimit.Limit{Rate: 10, Per: time.Second, Burst: 2}
	e.allow("k", l, 1)
	e.allow("k", l, 1)
	d := e.allow("k", l, 1)
	e.want("third", d, false, 0)
	e.near("RetryAfter", d.RetryAfter, 100*time.Millisecond)
	e.wait(d.RetryAfter)
	if d = e.allow("k", l, 1); !d.Allowed {
		e.t.Fatalf("after waiting RetryAfter: %+v", d)
	}
}

func testGCRARejectedNotCounted(e *env) {
	e.want("first", e.allow("k", tenPerSecond, 1), true, 0)
	last := 100 * time.Millisecond
	for i := range 30 {
		d := e.allow("k", tenPerSecond, 1)
		e.want(fmt.Sprintf("rejected %d", i), d, false, 0)
		if d.RetryAfter > last {
			e.t.Fatalf("rejected %d: RetryAfter grew from %s to %s: rejections count", i, last, d.RetryAfter)
		}
		e.near("RetryAfter", d.RetryAfter, 100*time.Millisecond)
		last = d.RetryAfter
	}
	e.wait(last)
	if d := e.allow("k", tenPerSecond, 1); !d.Allowed {
		e.t.Fatalf("after RetryAfter: %+v", d)
	}
}

func testGCRACost(e *env) {
	l := ratelimit.Limit{Rate: 60, Per: time.Hour, Burst: 10}
	d := e.allow("k", l, 4)
	e.want("cost 4", d, true, 6)
	e.near("ResetAfter", d.ResetAfter, 4*time.Minute)
	d = e.allow("k", l, 7)
	e.want("cost 7", d, false, 6)
	e.near("RetryAfter", d.RetryAfter, time.Minute)
	e.want("cost 6", e.allow("k", l, 6), true, 0)
	d = e.allow("k", l, 2)
	e.want("cost 2", d, false, 0)
	e.near("RetryAfter", d.RetryAfter, 2*time.Minute)
}

func testGCRACostOverBurst(e *env) {
	d := e.allow("k", hourly, 6)
	e.want("cost 6 > burst 5", d, false, 5)
	e.near("RetryAfter", d.RetryAfter, ratelimit.RetryNever)
	e.want("cost 5 after", e.allow("k", hourly, 5), true, 0)
	d = e.allow("k", hourly, 1000)
	e.want("cost 1000", d, false, 0)
	e.near("RetryAfter", d.RetryAfter, ratelimit.RetryNever)
}

func testGCRACostZero(e *env) {
	e.want("cost 0", e.allow("k", hourly, 0), true, 5)
	e.want("cost 5", e.allow("k", hourly, 5), true, 0)
	d := e.allow("k", hourly, 0)
	e.want("cost 0 when exhausted", d, true, 0)
	e.near("ResetAfter", d.ResetAfter, 5*time.Minute)
}
