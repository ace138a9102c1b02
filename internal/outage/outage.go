// Package outage keeps a failing dependency to one log line per outage: the
// first failure of a streak is logged, the ones after it are only counted,
// and the first success after it logs one "recovered" line with how long the
// outage lasted and how many failures it had. Every request during an outage
// is still in the audit log and the metrics; the log shows the outage.
//
// Counts are process-wide failure counters by configured name (an issuer,
// an endpoint), read by the metrics at each scrape.
package outage

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Log logs the outages of one dependency. It is safe for concurrent use;
// OK costs one atomic load while nothing is failing.
type Log struct {
	logger            *slog.Logger
	failed, recovered string
	now               func() time.Time

	failing atomic.Bool
	mu      sync.Mutex // orders the lines: a recovery is never logged before its failure
	since   time.Time
	count   uint64
}

// New returns a Log writing failed (at Warn) when an outage starts and
// recovered (at Info) when it ends, through logger (nil discards).
func New(logger *slog.Logger, failed, recovered string) *Log {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Log{logger: logger, failed: failed, recovered: recovered, now: time.Now}
}

// Fail counts a failure. The first of an outage is logged with err and
// attrs, and Fail reports true; later ones until OK are counted only.
func (l *Log) Fail(ctx context.Context, err error, attrs ...any) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failing.Load() {
		l.count++
		return false
	}
	l.since, l.count = l.now(), 1
	l.failing.Store(true)
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	l.logger.Log(ctx, slog.LevelWarn, l.failed, attrs...)
	return true
}

// OK ends an outage: the first call after a failure logs the recovery with
// the outage's length ("outage") and its failure count ("failures") and
// reports true. Otherwise it does nothing.
func (l *Log) OK(ctx context.Context, attrs ...any) bool {
	if !l.failing.Load() {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.failing.Load() {
		return false
	}
	l.failing.Store(false)
	attrs = append(attrs, "outage", l.now().Sub(l.since).Round(time.Millisecond).String(), "failures", l.count)
	l.logger.Log(ctx, slog.LevelInfo, l.recovered, attrs...)
	return true
}

// Failing reports whether an outage is under way (a failure not yet
// followed by OK).
func (l *Log) Failing() bool { return l.failing.Load() }

// Counts are cumulative failure counters by name, safe for concurrent use.
// Names come from the configuration (a bounded set): they become metric
// labels.
type Counts struct{ m sync.Map } // name → *atomic.Uint64

// Add counts one failure of name.
func (c *Counts) Add(name string) {
	v, ok := c.m.Load(name)
	if !ok {
		v, _ = c.m.LoadOrStore(name, new(atomic.Uint64))
	}
	v.(*atomic.Uint64).Add(1)
}

// Get returns name's count.
func (c *Counts) Get(name string) uint64 {
	if v, ok := c.m.Load(name); ok {
		return v.(*atomic.Uint64).Load()
	}
	return 0
}

// Snapshot returns every name's count, in name order.
func (c *Counts) Snapshot() []Count {
	var out []Count
	c.m.Range(func(k, v any) bool {
		out = append(out, Count{Name: k.(string), N: v.(*atomic.Uint64).Load()})
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Count is one name's failures.
type Count struct {
	Name string
	N    uint64
}
