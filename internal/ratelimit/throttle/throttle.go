package throttle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

// Defaults for Config's zero fields.
const (
	DefaultMaxQueuePerKey = 100
	DefaultMaxQueueTotal  = 10000
)

// maxPolls bounds how often the head of a queue asks a plain Limiter before
// it is refused: a limiter that keeps denying with tiny RetryAfters (other
// nodes taking every slot) cannot hold a request in a loop.
const maxPolls = 1000

// minPoll is the shortest wait between two asks of a plain Limiter, so that a
// limiter denying with RetryAfter 0 cannot spin a core.
const minPoll = time.Millisecond

// Config tunes a Throttler. Zero fields take the defaults.
type Config struct {
	// MaxDelay is the longest a request may wait to be admitted. A request
	// that would wait longer is refused. 0 means no waiting: the Throttler
	// then answers like its Limiter.
	MaxDelay time.Duration
	// MaxQueuePerKey bounds the requests of one key inside Wait at once
	// (waiting or being decided); more are refused at once. Default 100.
	MaxQueuePerKey int
	// MaxQueueTotal bounds the requests of all keys inside Wait at once; more
	// are refused at once. Default 10000.
	MaxQueueTotal int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Sleep waits d or until ctx ends (then it returns an error); a timer
	// when nil. Tests inject a fake.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Reserver is a Limiter that can book a future slot. The Throttler uses it
// when its Limiter implements it, and polls the Limiter otherwise.
type Reserver interface {
	// Reserve books the earliest slot for a request of cost on key if that
	// slot comes within maxDelay: it returns the wait until the slot and ok
	// true, and the request counts against the key from then on. Otherwise
	// ok is false, nothing counts, and wait is how long until a request of
	// this cost could be admitted at once.
	Reserve(ctx context.Context, key string, l ratelimit.Limit, cost int, maxDelay time.Duration) (wait time.Duration, ok bool, err error)
}

// Throttler delays requests over their limit instead of refusing them. It is
// safe for concurrent use.
type Throttler struct {
	lim ratelimit.Limiter
	res Reserver // nil: poll lim
	cfg Config

	mu    sync.Mutex
	lines map[string]*line
	total int // requests inside Wait, all keys
}

// line is one key's queue.
type line struct {
	// turns holds a channel per request waiting for the turn, in arrival
	// order; the head's channel is closed (it holds the turn).
	turns  []chan struct{}
	inside int // requests of this key inside Wait
	cost   int // their total cost, for Retry-After estimates
}

// New returns a Throttler in front of l. If l implements Reserver, requests
// reserve their slot at once (exact FIFO and exact refusals); otherwise the
// head of each key's queue asks l again at every RetryAfter.
func New(l ratelimit.Limiter, cfg Config) (*Throttler, error) {
	switch {
	case l == nil:
		return nil, errors.New("throttle: nil limiter")
	case cfg.MaxDelay < 0 || cfg.MaxQueuePerKey < 0 || cfg.MaxQueueTotal < 0:
		return nil, fmt.Errorf("throttle: negative max delay %s or queue bound (%d per key, %d total)",
			cfg.MaxDelay, cfg.MaxQueuePerKey, cfg.MaxQueueTotal)
	}
	if cfg.MaxQueuePerKey == 0 {
		cfg.MaxQueuePerKey = DefaultMaxQueuePerKey
	}
	if cfg.MaxQueueTotal == 0 {
		cfg.MaxQueueTotal = DefaultMaxQueueTotal
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	r, _ := l.(Reserver)
	return &Throttler{lim: l, res: r, cfg: cfg, lines: map[string]*line{}}, nil
}

// Wait admits a request of cost on key now, or after a delay of at most
// MaxDelay, or refuses it: Decision.Allowed false with a RetryAfter, when the
// delay would exceed MaxDelay or a queue is full. Requests of one key are
// admitted in the order they called Wait. When ctx ends first, the request
// leaves its queue and Wait returns ctx's error. A limiter error is returned
// wrapped; the caller applies the limit's failure mode.
//
// With a Reserver, an admitted Decision carries no Remaining or ResetAfter.
// With a plain Limiter, a request may wait in line and still be refused when
// its turn comes too late; with a Reserver it is refused at once.
func (t *Throttler) Wait(ctx context.Context, key string, l ratelimit.Limit, cost int) (ratelimit.Decision, error) {
	deadline := t.cfg.Now().Add(t.cfg.MaxDelay)
	turn, refused, ok := t.enter(key, l, cost)
	if !ok {
		return refused, nil
	}
	defer t.leave(key, cost)
	if err := t.awaitTurn(ctx, key, turn); err != nil {
		return ratelimit.Decision{}, err
	}
	if t.res != nil {
		return t.reserve(ctx, key, l, cost, deadline)
	}
	defer t.pass(key)
	return t.poll(ctx, key, l, cost, deadline)
}

// Waiting returns how many requests are inside Wait, for metrics.
func (t *Throttler) Waiting() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// enter queues a request, or refuses it when a queue is full.
func (t *Throttler) enter(key string, l ratelimit.Limit, cost int) (chan struct{}, ratelimit.Decision, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ln := t.lines[key]
	if ln == nil {
		ln = &line{}
	}
	if t.total >= t.cfg.MaxQueueTotal || ln.inside >= t.cfg.MaxQueuePerKey {
		return nil, ratelimit.Decision{RetryAfter: drain(l, ln.cost+cost)}, false
	}
	t.lines[key] = ln
	turn := make(chan struct{})
	ln.turns = append(ln.turns, turn)
	if len(ln.turns) == 1 {
		close(turn)
	}
	ln.inside++
	ln.cost += cost
	t.total++
	return turn, ratelimit.Decision{}, true
}

// leave forgets a request that entered.
func (t *Throttler) leave(key string, cost int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ln := t.lines[key]
	ln.inside--
	ln.cost -= cost
	t.total--
	if ln.inside == 0 {
		delete(t.lines, key)
	}
}

// awaitTurn blocks until turn is closed or ctx ends; then the request leaves
// the turnstile, handing the turn on if it held it.
func (t *Throttler) awaitTurn(ctx context.Context, key string, turn chan struct{}) error {
	select {
	case <-turn:
		return nil
	case <-ctx.Done():
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ln := t.lines[key]
	i := slices.Index(ln.turns, turn)
	ln.turns = slices.Delete(ln.turns, i, i+1)
	if i == 0 {
		handOn(ln)
	}
	return fmt.Errorf("throttle: gave up waiting: %w", context.Cause(ctx))
}

// pass gives the turn of key's queue to the next request.
func (t *Throttler) pass(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ln := t.lines[key]
	ln.turns = slices.Delete(ln.turns, 0, 1)
	handOn(ln)
}

func handOn(ln *line) {
	if len(ln.turns) > 0 {
		close(ln.turns[0])
	}
}

// poll asks a plain Limiter, holding the turn, until it allows the request
// or the wait would pass deadline.
func (t *Throttler) poll(ctx context.Context, key string, l ratelimit.Limit, cost int, deadline time.Time) (ratelimit.Decision, error) {
	var d ratelimit.Decision
	for range maxPolls {
		var err error
		if d, err = t.lim.Allow(ctx, key, l, cost); err != nil {
			return ratelimit.Decision{}, fmt.Errorf("throttle: %w", err)
		}
		if d.Allowed {
			return d, nil
		}
		wait := max(d.RetryAfter, minPoll)
		if wait > deadline.Sub(t.cfg.Now()) {
			return d, nil
		}
		if err := t.cfg.Sleep(ctx, wait); err != nil {
			return ratelimit.Decision{}, fmt.Errorf("throttle: gave up waiting: %w", err)
		}
	}
	return d, nil
}

// reserve books the request's slot, passes the turn, and waits for the slot.
// A request whose ctx ends while it waits keeps its slot counted (fail
// closed: the Reserver contract has no refund).
func (t *Throttler) reserve(ctx context.Context, key string, l ratelimit.Limit, cost int, deadline time.Time) (ratelimit.Decision, error) {
	wait, ok, err := t.res.Reserve(ctx, key, l, cost, max(deadline.Sub(t.cfg.Now()), 0))
	t.pass(key)
	switch {
	case err != nil:
		return ratelimit.Decision{}, fmt.Errorf("throttle: %w", err)
	case !ok:
		return ratelimit.Decision{RetryAfter: wait}, nil
	}
	if wait > 0 {
		if err := t.cfg.Sleep(ctx, wait); err != nil {
			return ratelimit.Decision{}, fmt.Errorf("throttle: gave up waiting: %w", err)
		}
	}
	return ratelimit.Decision{Allowed: true}, nil
}

// drain estimates how long a queue holding cost units takes to drain at l's
// steady rate, for the Retry-After of a request refused because it is full.
func drain(l ratelimit.Limit, cost int) time.Duration {
	if l.Rate <= 0 || l.Per <= 0 {
		return time.Second
	}
	interval := l.Per / time.Duration(l.Rate)
	if cost <= 1 {
		return max(interval, time.Millisecond)
	}
	if interval > 0 && time.Duration(cost) > time.Duration(1<<62)/interval {
		return time.Duration(1 << 62)
	}
	return max(time.Duration(cost)*interval, time.Millisecond)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
