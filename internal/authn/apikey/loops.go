package apikey

import (
	"context"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/changelog"
)

// flushTimeout bounds the last-used write in Close.
const flushTimeout = 5 * time.Second

// Start runs the background work until ctx ends or Close is called: polling
// key_events every PollInterval, and at once when PostgreSQL notifies a
// change, to drop changed keys from the cache (so a revocation on any node
// sharing the store takes effect here within milliseconds on PostgreSQL, or
// about a poll interval on SQLite or while notifications are lost), and
// writing last-used times every LastUsedInterval. Later calls do nothing.
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
	p := changelog.New(changelog.Config[store.KeyEvent]{
		Name:     "api key events",
		Latest:   v.st.LatestKeyEventID,
		Since:    v.st.KeyEventsSince,
		Page:     store.MaxKeyEvents,
		ID:       func(e store.KeyEvent) int64 { return e.ID },
		Apply:    v.applyEvents,
		Reset:    v.cache.reset,
		Interval: v.cfg.PollInterval,
		Wake:     v.st.Changes(ctx, store.ChannelKeyEvents, v.log),
		Now:      v.cfg.Now,
		Log:      v.log,
		FailHint: []any{"cached keys expire within", v.cfg.CacheTTL},
	})
	p.Run(ctx, nil)
}

// applyEvents drops the keys events changed from the cache.
func (v *Verifier) applyEvents(evs []store.KeyEvent) {
	ids := make([]string, len(evs))
	created := false
	for i, e := range evs {
		ids[i] = e.KeyID
		created = created || e.Kind == store.KeyCreated
	}
	v.cache.invalidate(ids, created)
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
