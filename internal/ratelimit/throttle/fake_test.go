package throttle

import (
	"context"
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

// gcra is a minimal single-node GCRA limiter for tests (the ratelimit package
// has the real ones); now is its clock.
type gcra struct {
	now func() time.Time
	mu  sync.Mutex
	tat map[string]time.Time
}

func newGCRA(now func() time.Time) *gcra { return &gcra{now: now, tat: map[string]time.Time{}} }

func (g *gcra) Allow(_ context.Context, key string, l ratelimit.Limit, cost int) (ratelimit.Decision, error) {
	wait, ok := g.book(key, l, cost, 0)
	if !ok {
		return ratelimit.Decision{RetryAfter: wait}, nil
	}
	return ratelimit.Decision{Allowed: true}, nil
}

// book takes the slot of a request of cost if it is at most maxDelay away.
func (g *gcra) book(key string, l ratelimit.Limit, cost int, maxDelay time.Duration) (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	interval := l.Per / time.Duration(l.Rate)
	now := g.now()
	tat := g.tat[key]
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(time.Duration(cost) * interval)
	at := next.Add(-time.Duration(max(l.Burst, 1)) * interval) // when this request conforms
	wait := max(at.Sub(now), 0)
	if wait > maxDelay {
		return wait, false
	}
	g.tat[key] = next
	return wait, true
}

// reserving is gcra with Reserve, so that the Throttler books slots.
type reserving struct{ *gcra }

func (r reserving) Reserve(_ context.Context, key string, l ratelimit.Limit, cost int, maxDelay time.Duration) (time.Duration, bool, error) {
	wait, ok := r.book(key, l, cost, maxDelay)
	return wait, ok, nil
}

// failing always errors.
type failing struct{ err error }

func (f failing) Allow(context.Context, string, ratelimit.Limit, int) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, f.err
}

// fakeClock is a clock that only moves when Sleep is called, recording each
// sleep: for single-goroutine tests of delays.
type fakeClock struct {
	t     time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.t }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.slept = append(c.slept, d)
	c.t = c.t.Add(d)
	return nil
}
