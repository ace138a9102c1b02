package apikey

import (
	"context"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// flushTimeout bounds the last-used write in Close.
const flushTimeout = 5 * time.Second

// Start runs the background work until ctx ends or Close is called: polling
// key_events every PollInterval to drop changed keys from the cache (so a
// revocation on any node sharing the store takes effect here within about a
// poll interval), and writing last-used times every LastUsedInterval. Later
// calls do nothing.
func (v *Verifier) Start(ctx context.Context) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cancel != nil || v.closed {
		return
	}
	ctx, v.cancel = context.WithCancel(ctx)
	v.done = make(chan struct{})
	go func() {
		defer close(v.done)
		done := make(chan struct{})
		go func() { defer close(done); v.flushLoop(ctx) }()
		v.pollLoop(ctx)
		<-done
	}()
}

// Close stops the background work and writes pending last-used times.
func (v *Verifier) Close() {
	v.mu.Lock()
	cancel, done, closed := v.cancel, v.done, v.closed
	v.closed = true
	v.mu.Unlock()
	if closed {
		return
	}
	if cancel != nil {
		cancel()
		<-done
	}
	ctx, stop := context.WithTimeout(context.Background(), flushTimeout)
	defer stop()
	v.flush(ctx)
}

func (v *Verifier) pollLoop(ctx context.Context) {
	t := time.NewTicker(v.cfg.PollInterval)
	defer t.Stop()
	p := poller{v: v}
	for {
		p.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poller follows key_events. It is used by one goroutine.
type poller struct {
	v       *Verifier
	last    int64     // id of the last event applied
	synced  bool      // last is known
	failing bool      // the last poll failed (logged once per outage)
	okAt    time.Time // the last successful poll
}

func (p *poller) poll(ctx context.Context) {
	now := p.v.cfg.Now()
	if p.synced && !p.okAt.IsZero() && now.Sub(p.okAt) > store.ResyncAfter {
		// Events may have been pruned while the store could not be read:
		// start again from the newest, with an empty cache.
		p.synced = false
		p.v.log.Warn("change log: no successful poll for too long; resynchronizing", "since", p.okAt)
	}
	err := p.step(ctx)
	if err == nil {
		p.okAt = now
	}
	switch {
	case err != nil && ctx.Err() != nil:
	case err != nil && !p.failing:
		p.failing = true
		p.v.log.Warn("api key events: polling failed; cached keys expire within cache_ttl",
			"error", err, "cache_ttl", p.v.cfg.CacheTTL)
	case err == nil && p.failing:
		p.failing = false
		p.v.log.Info("api key events: polling recovered")
	}
}

// step applies every event after p.last. Until the first event id is known,
// it reads it and empties the cache, since changes before it went unseen.
func (p *poller) step(ctx context.Context) error {
	if !p.synced {
		id, err := p.v.st.LatestKeyEventID(ctx)
		if err != nil {
			return err
		}
		p.last, p.synced = id, true
		p.v.cache.reset()
		return nil
	}
	for {
		evs, err := p.v.st.KeyEventsSince(ctx, p.last)
		if err != nil || len(evs) == 0 {
			return err
		}
		ids := make([]string, len(evs))
		created := false
		for i, e := range evs {
			ids[i] = e.KeyID
			created = created || e.Kind == store.KeyCreated
		}
		p.v.cache.invalidate(ids, created)
		p.last = evs[len(evs)-1].ID
		p.v.log.Debug("api key events applied", "events", len(evs), "last_id", p.last)
		if len(evs) < store.MaxKeyEvents {
			return nil
		}
	}
}

func (v *Verifier) flushLoop(ctx context.Context) {
	t := time.NewTicker(v.cfg.LastUsedInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			v.flush(ctx)
		}
	}
}

// flush writes the pending last-used times in one batch; on failure they are
// kept for the next flush.
func (v *Verifier) flush(ctx context.Context) {
	batch := v.used.take()
	if len(batch) == 0 {
		return
	}
	if err := v.st.TouchKeys(ctx, batch); err != nil {
		v.used.restore(batch)
		if ctx.Err() == nil {
			v.log.Warn("api keys: writing last-used times failed", "keys", len(batch), "error", err)
		}
	}
}
