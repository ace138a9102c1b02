package throttle

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

var perSecond = ratelimit.Limit{Rate: 1, Per: time.Second}

// mode is one of the two ways a Throttler meets its limiter.
type mode struct {
	name string
	wrap func(g *gcra) ratelimit.Limiter
}

func modes() []mode {
	return []mode{
		{"poll", func(g *gcra) ratelimit.Limiter { return g }},
		{"reserve", func(g *gcra) ratelimit.Limiter { return reserving{g} }},
	}
}

// lim returns a fresh limiter of mode m on the clock now.
func (m mode) lim(now func() time.Time) ratelimit.Limiter { return m.wrap(newGCRA(now)) }

func mustNew(t *testing.T, l ratelimit.Limiter, cfg Config) *Throttler {
	t.Helper()
	th, err := New(l, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return th
}

// outcome is what one request got, and when (since the test's start).
type outcome struct {
	i       int
	allowed bool
	after   time.Duration
	retry   time.Duration
	err     error
}

// arrivals runs one Wait per ctx, starting each only once the previous one
// is blocked (so arrival order is i), and collects the outcomes in the order
// they happen. It must run inside a synctest bubble; it returns once every
// request is inside Wait or done, and wait returns the outcomes.
func arrivals(th *Throttler, keys []string, ctxs []context.Context) (wait func() []outcome) {
	start := time.Now()
	var mu sync.Mutex
	var out []outcome
	var wg sync.WaitGroup
	for i := range ctxs {
		wg.Go(func() {
			d, err := th.Wait(ctxs[i], keys[i], perSecond, 1)
			mu.Lock()
			out = append(out, outcome{i, d.Allowed, time.Since(start), d.RetryAfter, err})
			mu.Unlock()
		})
		synctest.Wait()
	}
	return func() []outcome {
		wg.Wait()
		return out
	}
}

func same(n int, v string) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func backgrounds(n int) []context.Context {
	c := make([]context.Context, n)
	for i := range c {
		c[i] = context.Background()
	}
	return c
}

func TestFIFO(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				th := mustNew(t, m.lim(time.Now), Config{MaxDelay: time.Minute})
				const n = 8
				got := arrivals(th, same(n, "k"), backgrounds(n))()
				for i, o := range got {
					if o.i != i || !o.allowed || o.err != nil || o.after != time.Duration(i)*time.Second {
						t.Errorf("admission %d: %+v; want request %d admitted after %ds", i, o, i, i)
					}
				}
				if th.Waiting() != 0 || len(th.lines) != 0 {
					t.Errorf("after all requests: %d waiting, %d lines", th.Waiting(), len(th.lines))
				}
			})
		})
	}
}

func TestMaxDelayBound(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				maxDelay := 2500 * time.Millisecond
				th := mustNew(t, m.lim(time.Now), Config{MaxDelay: maxDelay})
				got := arrivals(th, same(6, "k"), backgrounds(6))()
				var admitted []int
				for _, o := range got {
					switch {
					case o.err != nil:
						t.Errorf("request %d: %v", o.i, o.err)
					case o.after > maxDelay:
						t.Errorf("request %d answered after %s, beyond max delay %s", o.i, o.after, maxDelay)
					case o.allowed:
						admitted = append(admitted, o.i)
					case o.retry <= 0:
						t.Errorf("request %d refused without a Retry-After", o.i)
					}
				}
				if !slices.Equal(admitted, []int{0, 1, 2}) {
					t.Errorf("admitted %v, want [0 1 2] (slots at 0s, 1s, 2s)", admitted)
				}
			})
		})
	}
}

// TestInjectedClock drives delays through Config.Now and Config.Sleep.
func TestInjectedClock(t *testing.T) {
	cases := []struct {
		name      string
		maxDelay  time.Duration
		taken     int // slots already booked from now on
		allowed   bool
		slept     []time.Duration
		wantRetry time.Duration
	}{
		{"free slot", time.Second, 0, true, nil, 0},
		{"waits one slot", time.Second, 1, true, []time.Duration{time.Second}, 0},
		{"waits two slots", 5 * time.Second, 2, true, []time.Duration{2 * time.Second}, 0},
		{"beyond max delay", 1500 * time.Millisecond, 2, false, nil, 2 * time.Second},
		{"no waiting configured", 0, 1, false, nil, time.Second},
	}
	for _, c := range cases {
		for _, m := range modes() {
			t.Run(c.name+"/"+m.name, func(t *testing.T) {
				clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
				g := newGCRA(clk.Now)
				g.tat["k"] = clk.t.Add(time.Duration(c.taken) * time.Second) // c.taken slots booked
				th := mustNew(t, m.wrap(g), Config{MaxDelay: c.maxDelay, Now: clk.Now, Sleep: clk.Sleep})
				d, err := th.Wait(context.Background(), "k", perSecond, 1)
				if err != nil || d.Allowed != c.allowed || d.RetryAfter != c.wantRetry || !slices.Equal(clk.slept, c.slept) {
					t.Errorf("Wait = %+v, %v after sleeping %v; want allowed %v, retry %s, sleeps %v",
						d, err, clk.slept, c.allowed, c.wantRetry, c.slept)
				}
			})
		}
	}
}

func TestQueueBounds(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				th := mustNew(t, m.lim(time.Now), Config{MaxDelay: time.Minute, MaxQueuePerKey: 2, MaxQueueTotal: 3})
				ctx, cancel := context.WithCancel(context.Background())
				// a0 is admitted at once and leaves; a1, a2 wait (a full line);
				// a3 is refused at once; b0 passes; b1 waits (3 in all);
				// c0 is refused at once (total full).
				keys := []string{"a", "a", "a", "a", "b", "b", "c"}
				ctxs := slices.Repeat([]context.Context{ctx}, len(keys))
				wait := arrivals(th, keys, ctxs)
				if got := th.Waiting(); got != 3 {
					t.Errorf("Waiting() = %d, want 3", got)
				}
				cancel()
				got := wait()
				refusedAtOnce := map[int]bool{}
				for _, o := range got {
					if !o.allowed && o.err == nil && o.after == 0 {
						refusedAtOnce[o.i] = true
						if o.retry <= 0 {
							t.Errorf("request %d refused without a Retry-After", o.i)
						}
					}
				}
				if want := map[int]bool{3: true, 6: true}; !equalSets(refusedAtOnce, want) {
					t.Errorf("refused at once: %v, want requests 3 (line full) and 6 (total full)", refusedAtOnce)
				}
				if th.Waiting() != 0 || len(th.lines) != 0 {
					t.Errorf("after cancel: %d waiting, %d lines", th.Waiting(), len(th.lines))
				}
			})
		})
	}
}

func equalSets(a, b map[int]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// TestCancelFreesPlace: a request whose client goes away leaves its line, so
// a newcomer fits, and one that held the turn hands it on.
func TestCancelFreesPlace(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				th := mustNew(t, m.lim(time.Now), Config{MaxDelay: time.Minute, MaxQueuePerKey: 3})
				ctxs := backgrounds(4)
				gone, cancel := context.WithCancel(context.Background())
				ctxs[1] = gone // the first to wait: in poll mode, it holds the turn
				wait := arrivals(th, same(4, "k"), ctxs)
				if d, err := th.Wait(context.Background(), "k", perSecond, 1); d.Allowed || err != nil {
					t.Fatalf("fourth waiting request = %+v, %v; want refused (line full)", d, err)
				}
				cancel()
				synctest.Wait()
				extra := make(chan outcome, 1)
				go func() {
					d, err := th.Wait(context.Background(), "k", perSecond, 1)
					extra <- outcome{allowed: d.Allowed, err: err}
				}()
				got := wait()
				if o := <-extra; !o.allowed || o.err != nil {
					t.Errorf("newcomer after the cancel = %+v; want admitted", o)
				}
				if !errors.Is(got[1].err, context.Canceled) || got[1].i != 1 {
					t.Errorf("canceled request: %+v; want context.Canceled", got[1])
				}
				for _, o := range got {
					if o.i != 1 && (!o.allowed || o.err != nil) {
						t.Errorf("request %d = %+v; want admitted", o.i, o)
					}
				}
			})
		})
	}
}

func TestLimiterError(t *testing.T) {
	boom := errors.New("redis down")
	th := mustNew(t, failing{boom}, Config{MaxDelay: time.Second})
	if d, err := th.Wait(context.Background(), "k", perSecond, 1); !errors.Is(err, boom) || d.Allowed {
		t.Errorf("Wait = %+v, %v; want the limiter's error and no admission", d, err)
	}
	if th.Waiting() != 0 {
		t.Errorf("Waiting() = %d after an error", th.Waiting())
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	cases := []struct {
		name string
		l    ratelimit.Limiter
		cfg  Config
	}{
		{"nil limiter", nil, Config{}},
		{"negative delay", newGCRA(time.Now), Config{MaxDelay: -time.Second}},
		{"negative per key", newGCRA(time.Now), Config{MaxQueuePerKey: -1}},
		{"negative total", newGCRA(time.Now), Config{MaxQueueTotal: -1}},
	}
	for _, c := range cases {
		if _, err := New(c.l, c.cfg); err == nil {
			t.Errorf("%s: New succeeded", c.name)
		}
	}
}

// TestWithMemoryLimiter runs FIFO admission on the real memory limiter (which
// has no Reserve, so the Throttler polls it).
func TestWithMemoryLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		th := mustNew(t, ratelimit.NewMemory(ratelimit.MemoryConfig{}), Config{MaxDelay: 3500 * time.Millisecond})
		got := arrivals(th, same(6, "k"), backgrounds(6))()
		for _, o := range got {
			wantAllowed := o.i <= 3
			if o.err != nil || o.allowed != wantAllowed || (o.allowed && o.after != time.Duration(o.i)*time.Second) {
				t.Errorf("request %d: %+v; want admitted after %ds: %v", o.i, o, o.i, wantAllowed)
			}
		}
	})
}
