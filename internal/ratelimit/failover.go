package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// FailureMode says what a Failover does while its primary cannot decide.
type FailureMode int

const (
	// FailLocal (the default) decides with the fallback limiter, usually a
	// Memory: limits become per node, but floods are still limited.
	FailLocal FailureMode = iota
	// FailClosed denies: Decision{Allowed: false, RetryAfter: 1s} and an
	// error wrapping ErrUnavailable, which the gateway turns into a 503.
	FailClosed
	// FailOpen allows every request, with no error. Only for limits whose
	// loss is cheaper than an outage; say so in the route's config.
	FailOpen
)

// ErrUnavailable is wrapped by the error a Failover returns when it cannot
// decide (FailClosed, or FailLocal with a failing or missing fallback).
var ErrUnavailable = errors.New("ratelimit: limiter unavailable")

// closedRetry is the RetryAfter of a fail-closed denial.
const closedRetry = time.Second

// defaultProbe is how long a Failover keeps using its fallback after a
// primary failure before trying the primary again.
const defaultProbe = time.Second

// FailoverOption configures a Failover.
type FailoverOption func(*Failover)

// WithProbeInterval sets how long, after a primary failure, requests skip
// the primary (default 1s), so a dead Redis is not dialled on every request.
// Zero or negative means every request tries the primary.
func WithProbeInterval(d time.Duration) FailoverOption {
	return func(f *Failover) { f.probe = max(d, 0) }
}

// WithClock sets the clock used for the probe interval (default time.Now).
func WithClock(now func() time.Time) FailoverOption {
	return func(f *Failover) { f.now = now }
}

// Failover is a Limiter that asks its primary (Redis) and, when the primary
// fails, applies its FailureMode. Its contract, for every call:
//
//   - err == nil: the Decision is authoritative (from the primary, or from
//     the fallback or FailOpen while degraded).
//   - err != nil: Allowed is false. The error wraps ErrUnavailable (no
//     decision could be made), ErrInvalidLimit (a configuration bug, passed
//     through without degrading) or the context's error (the caller gave
//     up; not counted as a primary failure).
//
// It never returns Allowed with an error and never panics. The first failure
// of a streak is logged once at Error, recovery once at Info. After a
// failure the primary is skipped for the probe interval; then one request
// probes it while the others keep using the mode, and the first success
// ends the streak. Safe for concurrent use.
type Failover struct {
	primary, fallback Limiter
	mode              FailureMode
	logger            *slog.Logger
	probe             time.Duration
	now               func() time.Time

	failures atomic.Uint64
	degraded atomic.Bool
	retryAt  atomic.Int64 // Unix ns before which the primary is skipped
	logMu    sync.Mutex   // orders the streak's two log lines
}

var _ Limiter = (*Failover)(nil)

// NewFailover returns a Failover. A nil logger discards logs; a nil fallback
// makes FailLocal behave as FailClosed.
func NewFailover(primary, fallback Limiter, mode FailureMode, logger *slog.Logger, opts ...FailoverOption) *Failover {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f := &Failover{primary: primary, fallback: fallback, mode: mode, logger: logger, probe: defaultProbe, now: time.Now}
	for _, o := range opts {
		o(f)
	}
	return f
}

// Stats returns the number of primary failures so far and whether the
// Failover is degraded (its last primary call failed).
func (f *Failover) Stats() (failures uint64, degraded bool) {
	return f.failures.Load(), f.degraded.Load()
}

// Allow implements Limiter; see the type's contract.
func (f *Failover) Allow(ctx context.Context, key string, l Limit, cost int) (Decision, error) {
	if f.skipPrimary() {
		return f.degrade(ctx, key, l, cost, nil)
	}
	d, err := f.primary.Allow(ctx, key, l, cost)
	switch {
	case err == nil:
		f.recovered()
		return d, nil
	case errors.Is(err, ErrInvalidLimit):
		return Decision{}, err
	case ctx.Err() != nil:
		return Decision{}, fmt.Errorf("rate limit: %w", ctx.Err())
	}
	f.failed(err)
	return f.degrade(ctx, key, l, cost, err)
}

// skipPrimary reports whether this call should not try the primary: the
// Failover is degraded and either the probe interval has not passed or
// another call just claimed the probe.
func (f *Failover) skipPrimary() bool {
	if !f.degraded.Load() || f.probe == 0 {
		return false
	}
	now := f.now().UnixNano()
	at := f.retryAt.Load()
	if now < at {
		return true
	}
	return !f.retryAt.CompareAndSwap(at, now+int64(f.probe))
}

// failed records a primary failure and logs the first of a streak.
func (f *Failover) failed(err error) {
	f.failures.Add(1)
	f.retryAt.Store(f.now().UnixNano() + int64(f.probe))
	f.logMu.Lock()
	defer f.logMu.Unlock()
	if !f.degraded.Swap(true) {
		f.logger.Error("rate limiter degraded: primary failed", "mode", f.mode.String(), "err", err)
	}
}

// recovered ends a failure streak, logging once.
func (f *Failover) recovered() {
	if !f.degraded.Load() {
		return
	}
	f.logMu.Lock()
	defer f.logMu.Unlock()
	if f.degraded.Swap(false) {
		f.logger.Info("rate limiter recovered: primary answering", "mode", f.mode.String(), "failures_total", f.failures.Load())
	}
}

// degrade decides without the primary, according to the mode. cause is the
// primary's error, nil when the primary was skipped.
func (f *Failover) degrade(ctx context.Context, key string, l Limit, cost int, cause error) (Decision, error) {
	if cause == nil {
		cause = errors.New("primary skipped until its next probe")
	}
	switch f.mode {
	case FailOpen:
		return Decision{Allowed: true}, nil
	case FailLocal:
		if f.fallback == nil {
			break
		}
		d, err := f.fallback.Allow(ctx, key, l, cost)
		if err == nil {
			return d, nil
		}
		if errors.Is(err, ErrInvalidLimit) {
			return Decision{}, err
		}
		cause = errors.Join(cause, err)
	}
	return Decision{RetryAfter: closedRetry}, fmt.Errorf("%w: %w", ErrUnavailable, cause)
}

// String returns the mode's configuration name.
func (m FailureMode) String() string {
	switch m {
	case FailLocal:
		return "local"
	case FailClosed:
		return "closed"
	case FailOpen:
		return "open"
	}
	return fmt.Sprintf("FailureMode(%d)", int(m))
}
