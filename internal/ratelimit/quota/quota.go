package quota

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// DefaultFlushInterval is how often counts are written when
// Config.FlushInterval is 0.
const DefaultFlushInterval = time.Second

// Store persists quota counts; *store.Store implements it.
type Store interface {
	LoadQuota(ctx context.Context, key string, periodStart time.Time) (int64, error)
	AddQuota(ctx context.Context, deltas []store.QuotaDelta) error
	ResetQuota(ctx context.Context, key string, periodStart time.Time) error
	ListQuota(ctx context.Context, periodStart time.Time, prefix string) ([]store.QuotaUsage, error)
}

var _ Store = (*store.Store)(nil)

// Config tunes Quotas.
type Config struct {
	// Limit is how much each key may use per period (the sum of costs). Required.
	Limit int64
	// Period is Day or Month.
	Period Period
	// Location is the time zone periods follow; UTC when nil.
	Location *time.Location
	// FlushInterval is how often counts are written to the store; 1s when 0.
	// A crash loses at most this much counting.
	FlushInterval time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Result is a key's standing after a Take or for Usage.
type Result struct {
	Allowed bool      `json:"allowed"`  // the take was counted (Usage: something is left)
	Used    int64     `json:"used"`     // used in the current period, after the take
	Limit   int64     `json:"limit"`    // the period's allowance
	ResetAt time.Time `json:"reset_at"` // when the next period starts, in Location
}

// Quotas counts usage per key and period. It is safe for concurrent use.
type Quotas struct {
	st  Store
	cfg Config
	log *slog.Logger

	flushMu sync.Mutex // serializes flushes and resets
	mu      sync.Mutex
	entries map[entryKey]*entry
	loop    *loop // the flush loop, once started
}

type entryKey struct {
	key   string
	start int64 // period start, Unix microseconds
}

// entry is one key's count in one period.
type entry struct {
	start   time.Time
	used    int64         // persisted count when loaded, plus takes since
	pending int64         // takes not yet written
	ready   chan struct{} // closed once loaded (or failed)
	err     error         // the load's error; the entry is then dropped
}

// New returns Quotas counting in st. Call Start to flush periodically and
// Close to stop and flush.
func New(st Store, cfg Config, logger *slog.Logger) (*Quotas, error) {
	switch {
	case st == nil:
		return nil, errors.New("quota: nil store")
	case cfg.Limit <= 0:
		return nil, fmt.Errorf("quota: limit must be positive, got %d", cfg.Limit)
	case cfg.Period != Day && cfg.Period != Month:
		return nil, fmt.Errorf("quota: unknown period %s", cfg.Period)
	case cfg.FlushInterval < 0:
		return nil, fmt.Errorf("quota: negative flush interval %s", cfg.FlushInterval)
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Quotas{st: st, cfg: cfg, log: logger, entries: map[entryKey]*entry{}}, nil
}

// Take counts cost against key in the current period if it fits in the
// limit; a refused take counts nothing. An error (the persisted count could
// not be loaded) means no decision: the caller fails closed.
func (q *Quotas) Take(ctx context.Context, key string, cost int64) (Result, error) {
	if cost < 0 {
		return Result{}, fmt.Errorf("quota: negative cost %d", cost)
	}
	start, next := q.cfg.Period.bounds(q.cfg.Now(), q.cfg.Location)
	e, err := q.lockedEntry(ctx, key, start)
	if err != nil {
		return Result{}, err
	}
	defer q.mu.Unlock()
	r := Result{Used: e.used, Limit: q.cfg.Limit, ResetAt: next}
	if cost <= q.cfg.Limit-e.used {
		e.used += cost
		e.pending += cost
		r.Allowed, r.Used = true, e.used
	}
	return r, nil
}

// Usage returns key's standing in the current period without counting.
func (q *Quotas) Usage(ctx context.Context, key string) (Result, error) {
	start, next := q.cfg.Period.bounds(q.cfg.Now(), q.cfg.Location)
	e, err := q.lockedEntry(ctx, key, start)
	if err != nil {
		return Result{}, err
	}
	defer q.mu.Unlock()
	return Result{Allowed: e.used < q.cfg.Limit, Used: e.used, Limit: q.cfg.Limit, ResetAt: next}, nil
}

// Reset forgets key's usage in the current period, in the store and here.
// Other nodes pick the reset up at their next flush of the key.
func (q *Quotas) Reset(ctx context.Context, key string) error {
	start, _ := q.cfg.Period.bounds(q.cfg.Now(), q.cfg.Location)
	q.flushMu.Lock()
	defer q.flushMu.Unlock()
	if err := q.st.ResetQuota(ctx, key, start); err != nil {
		return fmt.Errorf("quota: reset: %w", err)
	}
	q.mu.Lock()
	delete(q.entries, entryKey{key, start.UnixMicro()}) // with its unwritten takes, which predate the reset
	q.mu.Unlock()
	return nil
}

// List returns the persisted usage of the current period for keys starting
// with prefix (at most store.MaxQuotaList), as of the last flush.
func (q *Quotas) List(ctx context.Context, prefix string) ([]store.QuotaUsage, error) {
	start, _ := q.cfg.Period.bounds(q.cfg.Now(), q.cfg.Location)
	u, err := q.st.ListQuota(ctx, start, prefix)
	if err != nil {
		return nil, fmt.Errorf("quota: list: %w", err)
	}
	return u, nil
}

// lockedEntry returns key's entry for the period starting at start with
// q.mu held, making sure it is still the current one: a flush may evict it,
// or a reset drop it, between the load and the lock, and a take counted on a
// dropped entry would be lost.
func (q *Quotas) lockedEntry(ctx context.Context, key string, start time.Time) (*entry, error) {
	k := entryKey{key, start.UnixMicro()}
	for range 4 {
		e, err := q.entry(ctx, key, start)
		if err != nil {
			return nil, err
		}
		q.mu.Lock()
		if q.entries[k] == e {
			return e, nil
		}
		q.mu.Unlock()
	}
	return nil, errors.New("quota: entry evicted repeatedly")
}

// entry returns key's loaded entry for the period starting at start, loading
// the persisted count on first use. Concurrent first uses share one load.
func (q *Quotas) entry(ctx context.Context, key string, start time.Time) (*entry, error) {
	k := entryKey{key, start.UnixMicro()}
	q.mu.Lock()
	e := q.entries[k]
	if e == nil {
		e = &entry{start: start, ready: make(chan struct{})}
		q.entries[k] = e
		q.mu.Unlock()
		q.load(ctx, k, e)
	} else {
		q.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("quota: %w", context.Cause(ctx))
	}
	if e.err != nil {
		return nil, e.err
	}
	return e, nil
}

// load reads e's persisted count. On failure the entry is dropped, so the
// next use tries again.
func (q *Quotas) load(ctx context.Context, k entryKey, e *entry) {
	used, err := q.st.LoadQuota(ctx, k.key, e.start)
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil {
		e.err = fmt.Errorf("quota: load: %w", err)
		if q.entries[k] == e {
			delete(q.entries, k)
		}
	}
	e.used = used
	close(e.ready)
}
