package ratelimittest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

// Factory returns a fresh limiter for t whose clock is now (a backend on the
// Redis clock ignores now). Keys must not collide with other tests'.
type Factory func(t *testing.T, now func() time.Time) ratelimit.Limiter

// Option adjusts the suite to a backend.
type Option func(*config)

type config struct{ serverClock bool }

// ServerClock declares that the limiter keeps its own clock (Redis): the
// suite runs only the clock-independent and real-time-tolerant cases.
func ServerClock() Option { return func(c *config) { c.serverClock = true } }

// Where a case runs.
const (
	both     = false // fake clock and server clock
	fakeOnly = true  // needs exact control of time
)

// Run runs the conformance suite, each case as a subtest of t.
func Run(t *testing.T, newLimiter Factory, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	cases := []struct {
		name     string
		fakeOnly bool
		fn       func(e *env)
	}{
		{"GCRA/Burst", both, testGCRABurst},
		{"GCRA/BurstZeroIsOne", both, testGCRABurstZero},
		{"GCRA/RetryAfterExact", fakeOnly, testGCRARetryAfterExact},
		{"GCRA/SteadyRate", fakeOnly, testGCRASteadyRate},
		{"GCRA/Refill", fakeOnly, testGCRARefill},
		{"GCRA/WaitRetryAfter", both, testGCRAWaitRetryAfter},
		{"GCRA/RejectedNotCounted", both, testGCRARejectedNotCounted},
		{"GCRA/Cost", both, testGCRACost},
		{"GCRA/CostOverBurst", both, testGCRACostOverBurst},
		{"GCRA/CostZero", both, testGCRACostZero},
		{"Window/Burst", both, testWindowBurst},
		{"Window/Edges", fakeOnly, testWindowEdges},
		{"Window/RetryAfterExact", fakeOnly, testWindowRetryAfterExact},
		{"Window/RejectedNotCounted", both, testWindowRejectedNotCounted},
		{"Window/Cost", both, testWindowCost},
		{"Window/CostOverRate", both, testWindowCostOverRate},
		{"Window/ResetAfter", fakeOnly, testWindowResetAfter},
		{"IndependentKeys", both, testIndependentKeys},
		{"InvalidLimit", both, testInvalidLimit},
		{"Concurrent", both, testConcurrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.fakeOnly && cfg.serverClock {
				t.Skip("needs a fake clock; the limiter uses its server's clock")
			}
			e := &env{t: t, serverClock: cfg.serverClock, clock: &clock{now: Epoch()}}
			e.lim = newLimiter(t, e.clock.Now)
			c.fn(e)
		})
	}
}

// Epoch returns the fake clock's start: midnight UTC, so every fixed window
// of a whole number of seconds, minutes, hours or days begins there.
func Epoch() time.Time { return time.Date(2023, 11, 15, 0, 0, 0, 0, time.UTC) }

// clock is a fake clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one case's limiter and time.
type env struct {
	t           *testing.T
	lim         ratelimit.Limiter
	serverClock bool
	clock       *clock
}

// tolerance is how far a duration may drift below its exact value under the
// server clock (time passes between requests; -race is slow).
const tolerance = 2 * time.Second

// allow calls the limiter and fails the test on error.
func (e *env) allow(key string, l ratelimit.Limit, cost int) ratelimit.Decision {
	e.t.Helper()
	d, err := e.lim.Allow(context.Background(), key, l, cost)
	if err != nil {
		e.t.Fatalf("Allow(%q, %+v, %d): %v", key, l, cost, err)
	}
	return d
}

// wait lets d pass: the fake clock advances, a server clock is waited for.
func (e *env) wait(d time.Duration) {
	if e.serverClock {
		time.Sleep(d + time.Millisecond)
		return
	}
	e.clock.Advance(d)
}

// want checks a decision's Allowed and Remaining.
func (e *env) want(step string, d ratelimit.Decision, allowed bool, remaining int) {
	e.t.Helper()
	if d.Allowed != allowed || d.Remaining != remaining {
		e.t.Fatalf("%s: got %+v, want Allowed=%v Remaining=%d", step, d, allowed, remaining)
	}
	if allowed && d.RetryAfter != 0 {
		e.t.Fatalf("%s: allowed with RetryAfter %s", step, d.RetryAfter)
	}
}

// near checks a duration: exact on the fake clock; under a server clock, at
// most want (plus a microsecond of rounding), positive when want is, and at
// least want minus tolerance.
func (e *env) near(what string, got, want time.Duration) {
	e.t.Helper()
	if !e.serverClock || want == ratelimit.RetryNever {
		if got != want {
			e.t.Fatalf("%s = %s, want %s", what, got, want)
		}
		return
	}
	if got > want+time.Microsecond || got < want-tolerance || (want > 0 && got <= 0) {
		e.t.Fatalf("%s = %s, want about %s (tolerance %s)", what, got, want, tolerance)
	}
}
