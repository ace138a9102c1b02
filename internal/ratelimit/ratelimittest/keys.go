package ratelimittest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

func testIndependentKeys(e *env) {
	l := ratelimit.Limit{Rate: 60, Per: time.Hour, Burst: 2}
	e.allow("a", l, 2)
	e.want("a exhausted", e.allow("a", l, 1), false, 0)
	e.want("b untouched", e.allow("b", l, 1), true, 1)
	e.want("A is not a", e.allow("A", l, 1), true, 1)
	w := window(2, day)
	e.want("a as a window", e.allow("a", w, 1), true, 1)
}

func testInvalidLimit(e *env) {
	cases := []struct {
		name string
		l    ratelimit.Limit
		cost int
	}{
		{"zero rate", ratelimit.Limit{Per: time.Second}, 1},
		{"negative rate", ratelimit.Limit{Rate: -1, Per: time.Second}, 1},
		{"zero per", ratelimit.Limit{Rate: 1}, 1},
		{"negative burst", ratelimit.Limit{Rate: 1, Per: time.Second, Burst: -1}, 1},
		{"negative cost", ratelimit.Limit{Rate: 1, Per: time.Second}, -1},
		{"interval below 1ns", ratelimit.Limit{Rate: 2_000_000_000, Per: time.Second}, 1},
		{"unknown algorithm", ratelimit.Limit{Rate: 1, Per: time.Second, Algorithm: 9}, 1},
		{"window zero rate", ratelimit.Limit{Per: time.Second, Algorithm: ratelimit.SlidingWindow}, 1},
	}
	for _, c := range cases {
		d, err := e.lim.Allow(context.Background(), "k", c.l, c.cost)
		if !errors.Is(err, ratelimit.ErrInvalidLimit) || d.Allowed {
			e.t.Errorf("%s: got %+v, %v; want a denial and ErrInvalidLimit", c.name, d, err)
		}
	}
}

func testConcurrent(e *env) {
	for _, l := range []ratelimit.Limit{{Rate: 60, Per: time.Hour, Burst: 50}, window(50, day)} {
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 20 {
					d, err := e.lim.Allow(context.Background(), "k", l, 1)
					if err != nil {
						e.t.Error(err)
						return
					}
					if d.Allowed {
						allowed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if got := allowed.Load(); got != 50 {
			e.t.Errorf("%+v: %d allowed of 160 concurrent, want 50", l, got)
		}
	}
}
