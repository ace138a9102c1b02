// Package changelog follows a change-log table (key_events,
// ownership_events) for a node's cache: every event after the last one
// applied, in id order, page by page. It is how a revocation or an ownership
// change made on one node reaches every other node's cache within a poll
// interval, on SQLite and PostgreSQL alike.
package changelog

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// caughtByPoll counts, for the whole process, the polls run by the interval
// (not by a wake) that found new events while the poller had a Wake channel.
var caughtByPoll atomic.Uint64

// CaughtByPoll returns how many interval polls of notified pollers found
// changes (bulwark_change_poll_catches_total): the notification was lost,
// or had not arrived yet when the tick came. It stays near zero while
// notifications work and rises while they are lost.
func CaughtByPoll() uint64 { return caughtByPoll.Load() }

// ResyncAfter is how long a poller may go without a successful poll before
// it stops trusting its position: it empties the cache and starts again from
// the newest event. It is far inside the store's change-log retention
// (store.ChangeLogRetention), so pruning never hides an event from a poller.
const ResyncAfter = time.Hour

// Config describes one change log and what its events do to a cache.
type Config[E any] struct {
	// Name names the log in diagnostics ("api key events").
	Name string
	// Latest returns the newest event id (0 for none); Since returns up to
	// Page events with an id above after, in id order.
	Latest func(ctx context.Context) (int64, error)
	Since  func(ctx context.Context, after int64) ([]E, error)
	Page   int
	// ID is an event's id.
	ID func(E) int64
	// Apply drops from the cache what events changed; Reset empties it.
	Apply func([]E)
	Reset func()
	// Interval is the time between polls; Now the clock (default time.Now).
	Interval time.Duration
	Now      func() time.Time
	Log      *slog.Logger
	// Wake, when set, makes Run poll at once instead of at the next tick:
	// the store's change notifications (store.Changes). Wakes that arrive
	// while a poll runs are coalesced into one further poll by the sender's
	// one-slot buffer. Interval polling continues as the fallback for lost
	// notifications and for stores that cannot notify (nil Wake).
	Wake <-chan struct{}
	// FailHint is added to the one warning logged per outage: what the
	// cache does meanwhile.
	FailHint []any
}

// Poller follows one change log. It is used by one goroutine.
type Poller[E any] struct {
	cfg     Config[E]
	last    int64     // id of the last event applied
	synced  bool      // last is known
	applied int       // events applied by the last poll
	failing bool      // the last poll failed (logged once per outage)
	okAt    time.Time // the last successful poll
}

// New returns a poller that starts by synchronizing (reading the newest id
// and emptying the cache, since earlier changes went unseen).
func New[E any](c Config[E]) *Poller[E] {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Poller[E]{cfg: c}
}

// WakeOn sets Config.Wake for a poller built before its wake channel could
// be (the channel needs the context Run will run under). Call it before Run.
func (p *Poller[E]) WakeOn(wake <-chan struct{}) { p.cfg.Wake = wake }

// Run polls every Interval, and at once on each Wake, until ctx ends;
// onSuccess, when set, is called with the time of each successful poll.
func (p *Poller[E]) Run(ctx context.Context, onSuccess func(time.Time)) {
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	woken := true // the first poll synchronizes: nothing to catch
	for {
		now, err := p.Poll(ctx)
		if err == nil && onSuccess != nil {
			onSuccess(now)
		}
		if err == nil && !woken && p.cfg.Wake != nil && p.applied > 0 {
			caughtByPoll.Add(1)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			woken = false
		case <-p.cfg.Wake: // a nil Wake never fires
			woken = true
		}
	}
}

// Poll applies every event after the last one applied and returns the time of
// the poll; failures are logged once per outage.
func (p *Poller[E]) Poll(ctx context.Context) (time.Time, error) {
	now := p.cfg.Now()
	if p.synced && !p.okAt.IsZero() && now.Sub(p.okAt) > ResyncAfter {
		// Events may have been pruned while the store could not be read:
		// start again from the newest, with an empty cache.
		p.synced = false
		p.cfg.Log.Warn(p.cfg.Name+": no successful poll for too long; resynchronizing", "since", p.okAt)
	}
	err := p.step(ctx)
	switch {
	case err == nil:
		p.okAt = now
		if p.failing {
			p.failing = false
			p.cfg.Log.Info(p.cfg.Name + ": polling recovered")
		}
	case ctx.Err() != nil:
	case !p.failing:
		p.failing = true
		p.cfg.Log.Warn(p.cfg.Name+": polling failed", append([]any{"error", err}, p.cfg.FailHint...)...)
	}
	return now, err
}

func (p *Poller[E]) step(ctx context.Context) error {
	p.applied = 0
	if !p.synced {
		id, err := p.cfg.Latest(ctx)
		if err != nil {
			return err
		}
		p.last, p.synced = id, true
		p.cfg.Reset()
		return nil
	}
	for {
		evs, err := p.cfg.Since(ctx, p.last)
		if err != nil || len(evs) == 0 {
			return err
		}
		p.cfg.Apply(evs)
		p.applied += len(evs)
		p.last = p.cfg.ID(evs[len(evs)-1])
		p.cfg.Log.Debug(p.cfg.Name+" applied", "events", len(evs), "last_id", p.last)
		if len(evs) < p.cfg.Page {
			return nil
		}
	}
}
