package ownership

import (
	"context"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// Start polls ownership_events every PollInterval until ctx ends or Close
// is called, dropping the objects that changed from the cache. Until the
// first poll succeeds, and whenever polling has failed for MaxStale, lookups
// bypass the cache. Later calls do nothing.
func (r *Records) Start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil || r.closed {
		return
	}
	ctx, r.cancel = context.WithCancel(ctx)
	r.done = make(chan struct{})
	r.started.Store(true)
	go func() {
		defer close(r.done)
		r.pollLoop(ctx)
	}()
}

// Close stops polling and waits for it to end. It is safe to call twice.
// Lookups keep working afterwards, from the store.
func (r *Records) Close() {
	r.mu.Lock()
	cancel, done, closed := r.cancel, r.done, r.closed
	r.closed = true
	r.mu.Unlock()
	if closed || cancel == nil {
		return
	}
	cancel()
	<-done
}

func (r *Records) pollLoop(ctx context.Context) {
	t := time.NewTicker(r.cfg.PollInterval)
	defer t.Stop()
	p := poller{r: r}
	for {
		p.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poller follows ownership_events. It is used by one goroutine.
type poller struct {
	r       *Records
	last    int64     // id of the last event applied
	synced  bool      // last is known
	failing bool      // the last poll failed (logged once per outage)
	okAt    time.Time // the last successful poll
}

func (p *poller) poll(ctx context.Context) {
	now := p.r.cfg.Now()
	if p.synced && !p.okAt.IsZero() && now.Sub(p.okAt) > store.ResyncAfter {
		// Events may have been pruned while the store could not be read:
		// start again from the newest, with an empty cache.
		p.synced = false
		p.r.log.Warn("change log: no successful poll for too long; resynchronizing", "since", p.okAt)
	}
	err := p.step(ctx)
	if err == nil {
		p.okAt = now
	}
	switch {
	case err != nil && ctx.Err() != nil:
	case err != nil && !p.failing:
		p.failing = true
		p.r.log.Warn("ownership events: polling failed; lookups bypass the cache after max_stale",
			"error", err, "max_stale", p.r.cfg.MaxStale)
	case err == nil && p.failing:
		p.failing = false
		p.r.log.Info("ownership events: polling recovered")
	}
	if err == nil {
		p.r.polledAt.Store(p.r.cfg.Now().UnixNano())
	}
}

// step applies every event after p.last. Until the first event id is known,
// it reads it and empties the cache, since changes before it went unseen.
func (p *poller) step(ctx context.Context) error {
	if !p.synced {
		id, err := p.r.st.LatestOwnershipEventID(ctx)
		if err != nil {
			return err
		}
		p.last, p.synced = id, true
		p.r.cache.reset()
		return nil
	}
	for {
		evs, err := p.r.st.OwnershipEventsSince(ctx, p.last)
		if err != nil || len(evs) == 0 {
			return err
		}
		p.apply(evs)
		p.last = evs[len(evs)-1].ID
		p.r.log.Debug("ownership events applied", "events", len(evs), "last_id", p.last)
		if len(evs) < store.MaxOwnershipEvents {
			return nil
		}
	}
}

// apply drops what evs changed: one object each, or everything for a reset
// event (an empty object type).
func (p *poller) apply(evs []store.OwnershipEvent) {
	for _, e := range evs {
		if e.ObjectType == "" {
			p.r.cache.reset()
			return
		}
	}
	for _, e := range evs {
		k := objectKey{e.ObjectType, e.ObjectID}
		p.r.cache.shard(k).drop(k)
	}
}
