package quota

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// maxEntries is how many keys Quotas keeps in memory before a flush evicts
// the clean ones (nothing unwritten); they are reloaded on their next use.
const maxEntries = 100000

// maxRefresh bounds the counts a flush reloads from the store (one query
// each); other keys keep their local count until a later flush.
const maxRefresh = 256

// closeTimeout bounds the final flush of Close.
const closeTimeout = 10 * time.Second

// loop is a running flush loop.
type loop struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// flushed is one delta of a flush, to restore on failure or refresh after.
type flushed struct {
	e     *entry
	key   string
	delta int64
}

// Start flushes every FlushInterval until ctx ends or Close is called.
// Calling it again does nothing.
func (q *Quotas) Start(ctx context.Context) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.loop != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	q.loop = &loop{cancel: cancel, done: make(chan struct{})}
	go q.run(ctx, q.loop.done)
}

func (q *Quotas) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	tk := time.NewTicker(q.cfg.FlushInterval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			if err := q.Flush(ctx); err != nil {
				q.log.Error("quota flush failed; will retry", "err", err)
			}
		}
	}
}

// Close stops the flush loop and writes what is left.
func (q *Quotas) Close() error {
	q.mu.Lock()
	l := q.loop
	q.mu.Unlock()
	if l != nil {
		l.cancel()
		<-l.done
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	return q.Flush(ctx)
}

// Flush writes the takes counted since the last flush in one transaction,
// then reloads the flushed keys' totals, so takes on other nodes show. On
// failure the takes stay pending for the next flush.
func (q *Quotas) Flush(ctx context.Context) error {
	q.flushMu.Lock()
	defer q.flushMu.Unlock()
	now := q.cfg.Now()
	cur, _ := q.cfg.Period.bounds(now, q.cfg.Location)
	deltas, batch := q.collect(now, cur)
	if len(deltas) == 0 {
		return nil
	}
	if err := q.st.AddQuota(ctx, deltas); err != nil {
		q.mu.Lock()
		for _, f := range batch {
			f.e.pending += f.delta
		}
		q.mu.Unlock()
		return fmt.Errorf("quota: flush %d keys: %w", len(deltas), err)
	}
	q.refresh(ctx, batch, cur)
	return nil
}

// collect takes the pending deltas and drops entries that need no flush and
// belong to a past period (or, past maxEntries, to any period).
func (q *Quotas) collect(now, cur time.Time) ([]store.QuotaDelta, []flushed) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var deltas []store.QuotaDelta
	var batch []flushed
	crowded := len(q.entries) > maxEntries
	for k, e := range q.entries {
		select {
		case <-e.ready:
		default:
			continue // still loading
		}
		if e.pending == 0 {
			if crowded || e.start.Before(cur) {
				delete(q.entries, k)
			}
			continue
		}
		deltas = append(deltas, store.QuotaDelta{Key: k.key, PeriodStart: e.start, Delta: e.pending, At: now})
		batch = append(batch, flushed{e: e, key: k.key, delta: e.pending})
		e.pending = 0
	}
	return deltas, batch
}

// refresh reloads the totals of flushed current-period keys.
func (q *Quotas) refresh(ctx context.Context, batch []flushed, cur time.Time) {
	n := 0
	for _, f := range batch {
		if !f.e.start.Equal(cur) || n >= maxRefresh {
			continue
		}
		n++
		used, err := q.st.LoadQuota(ctx, f.key, cur)
		if err != nil {
			q.log.Warn("quota refresh failed; keeping the local count", "err", err)
			continue
		}
		q.mu.Lock()
		f.e.used = used + f.e.pending
		q.mu.Unlock()
	}
}
