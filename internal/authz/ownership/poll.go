package ownership

import (
	"context"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/changelog"
)

// Start polls ownership_events every PollInterval, and at once when
// PostgreSQL notifies a change, until ctx ends or Close is called, dropping the objects that changed from the cache. Until the
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

// Close stops polling and waits for it to end, and drops what the outbox
// still holds (counted and logged as lost): call Shutdown first to write it.
// It is safe to call twice. Lookups keep working afterwards, from the store.
func (r *Records) Close() {
	r.outbox.close(canceled)
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

// Shutdown writes the records queued in the outbox, until they are all in
// the store or ctx ends, and then closes r as Close does. It returns how
// many queued records could not be written (they are logged once, with the
// count, and counted as lost).
func (r *Records) Shutdown(ctx context.Context) int {
	lost := r.outbox.close(ctx)
	r.Close()
	return lost
}

// canceled is a context that has ended: Close writes nothing more.
var canceled = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

func (r *Records) pollLoop(ctx context.Context) {
	p := changelog.New(changelog.Config[store.OwnershipEvent]{
		Name:     "ownership events",
		Latest:   r.st.LatestOwnershipEventID,
		Since:    r.st.OwnershipEventsSince,
		Page:     store.MaxOwnershipEvents,
		ID:       func(e store.OwnershipEvent) int64 { return e.ID },
		Apply:    r.apply,
		Reset:    r.cache.reset,
		Interval: r.cfg.PollInterval,
		Wake:     r.st.Changes(ctx, store.ChannelOwnershipEvents, r.log),
		Now:      r.cfg.Now,
		Log:      r.log,
		FailHint: []any{"lookups bypass the cache after", r.cfg.MaxStale},
	})
	p.Run(ctx, func(at time.Time) { r.polledAt.Store(at.UnixNano()) })
}

// apply drops what evs changed: one object each, or everything for a reset
// event (an empty object type).
func (r *Records) apply(evs []store.OwnershipEvent) {
	for _, e := range evs {
		if e.ObjectType == "" {
			r.cache.reset()
			return
		}
	}
	for _, e := range evs {
		k := objectKey{e.ObjectType, e.ObjectID}
		r.cache.shard(k).drop(k)
	}
}
