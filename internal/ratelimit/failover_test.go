package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/ratelimittest"
)

// stub is a Limiter that answers with a fixed decision or error.
type stub struct {
	mu    sync.Mutex
	d     ratelimit.Decision
	err   error
	calls int
}

func (s *stub) Allow(context.Context, string, ratelimit.Limit, int) (ratelimit.Decision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.d, s.err
}

func (s *stub) set(d ratelimit.Decision, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d, s.err = d, err
}

var errDown = errors.New("connection refused")

func TestFailoverModes(t *testing.T) {
	fallbackDecision := ratelimit.Decision{Allowed: false, Remaining: 0, RetryAfter: 7 * time.Second}
	cases := []struct {
		name        string
		mode        ratelimit.FailureMode
		fallback    ratelimit.Limiter
		want        ratelimit.Decision
		wantErr     error
		wantDegrade bool
	}{
		{"local uses the fallback", ratelimit.FailLocal, &stub{d: fallbackDecision}, fallbackDecision, nil, true},
		{"local without fallback fails closed", ratelimit.FailLocal, nil, ratelimit.Decision{RetryAfter: time.Second}, ratelimit.ErrUnavailable, true},
		{"local with failing fallback fails closed", ratelimit.FailLocal, &stub{err: errDown}, ratelimit.Decision{RetryAfter: time.Second}, ratelimit.ErrUnavailable, true},
		{"closed denies with an error", ratelimit.FailClosed, &stub{}, ratelimit.Decision{RetryAfter: time.Second}, ratelimit.ErrUnavailable, true},
		{"open allows", ratelimit.FailOpen, nil, ratelimit.Decision{Allowed: true}, nil, true},
		{"unknown mode fails closed", ratelimit.FailureMode(42), &stub{}, ratelimit.Decision{RetryAfter: time.Second}, ratelimit.ErrUnavailable, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := ratelimit.NewFailover(&stub{err: errDown}, c.fallback, c.mode, nil)
			d, err := f.Allow(context.Background(), "k", ratelimit.Limit{Rate: 1, Per: time.Second}, 1)
			if d != c.want || !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
				t.Fatalf("got %+v, %v; want %+v, %v", d, err, c.want, c.wantErr)
			}
			if err != nil && !errors.Is(err, errDown) {
				t.Errorf("error %v does not wrap the primary's cause", err)
			}
			if failures, degraded := f.Stats(); failures != 1 || degraded != c.wantDegrade {
				t.Errorf("Stats() = %d, %v", failures, degraded)
			}
		})
	}
}

func TestFailoverPassThrough(t *testing.T) {
	invalid := fmt.Errorf("redis limiter: %w", ratelimit.ErrInvalidLimit)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name    string
		ctx     context.Context
		err     error
		wantErr error
	}{
		{"invalid limit is not an outage", context.Background(), invalid, ratelimit.ErrInvalidLimit},
		{"caller's cancellation is not an outage", canceled, context.Canceled, context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fallback := &stub{d: ratelimit.Decision{Allowed: true}}
			f := ratelimit.NewFailover(&stub{err: c.err}, fallback, ratelimit.FailLocal, nil)
			d, err := f.Allow(c.ctx, "k", ratelimit.Limit{Rate: 1, Per: time.Second}, 1)
			if d.Allowed || !errors.Is(err, c.wantErr) {
				t.Fatalf("got %+v, %v; want a denial wrapping %v", d, err, c.wantErr)
			}
			if failures, degraded := f.Stats(); failures != 0 || degraded || fallback.calls != 0 {
				t.Fatalf("Stats() = %d, %v, fallback calls %d; want untouched", failures, degraded, fallback.calls)
			}
		})
	}
}

// TestFailoverProbe checks the primary is skipped for the probe interval
// after a failure, probed once it passes, and used again on recovery.
func TestFailoverProbe(t *testing.T) {
	clk := &fakeClock{t: ratelimittest.Epoch()}
	primary := &stub{err: errDown}
	fallback := &stub{d: ratelimit.Decision{Allowed: true, Remaining: 1}}
	f := ratelimit.NewFailover(primary, fallback, ratelimit.FailLocal, nil, ratelimit.WithClock(clk.now))
	allow := func() ratelimit.Decision {
		d, err := f.Allow(context.Background(), "k", ratelimit.Limit{Rate: 1, Per: time.Second}, 1)
		if err != nil {
			t.Fatalf("FailLocal returned %v", err)
		}
		return d
	}
	steps := []struct {
		advance      time.Duration
		primaryUp    bool
		primaryCalls int
		degraded     bool
	}{
		{0, false, 1, true},                      // failure: degrade
		{500 * time.Millisecond, false, 1, true}, // within 1s: primary skipped
		{500 * time.Millisecond, false, 2, true}, // probe fails: 1s more
		{999 * time.Millisecond, true, 2, true},  // up again, not probed yet
		{time.Millisecond, true, 3, false},       // probe succeeds
		{0, true, 4, false},                      // back on the primary
	}
	for i, s := range steps {
		clk.t = clk.t.Add(s.advance)
		if s.primaryUp {
			primary.set(ratelimit.Decision{Allowed: true, Remaining: 9}, nil)
		}
		allow()
		if _, degraded := f.Stats(); primary.calls != s.primaryCalls || degraded != s.degraded {
			t.Fatalf("step %d: primary calls %d, degraded %v; want %d, %v", i, primary.calls, degraded, s.primaryCalls, s.degraded)
		}
	}
	if failures, _ := f.Stats(); failures != 2 {
		t.Fatalf("failures = %d, want 2", failures)
	}
}

// TestFailoverNeverAllowsWithError runs concurrent calls against a flapping
// primary and checks the contract: an error always comes with a denial.
func TestFailoverNeverAllowsWithError(t *testing.T) {
	for _, mode := range []ratelimit.FailureMode{ratelimit.FailLocal, ratelimit.FailClosed, ratelimit.FailOpen} {
		t.Run(mode.String(), func(t *testing.T) {
			primary := &stub{d: ratelimit.Decision{Allowed: true}}
			f := ratelimit.NewFailover(primary, &stub{err: errDown}, mode, nil, ratelimit.WithProbeInterval(0))
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := range 200 {
						if g == 0 && i%10 == 0 {
							primary.set(ratelimit.Decision{Allowed: true}, []error{nil, errDown}[i/10%2])
						}
						d, err := f.Allow(context.Background(), "k", ratelimit.Limit{Rate: 1, Per: time.Second}, 1)
						if err != nil && d.Allowed {
							t.Errorf("Allowed with error %v", err)
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
