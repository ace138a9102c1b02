package ratelimit

import (
	"context"
	"time"
)

// Algorithm selects how a limit counts.
type Algorithm int

const (
	// GCRA (generic cell rate algorithm) is the default: smooth, with a burst
	// allowance, and O(1) state (one timestamp per key).
	GCRA Algorithm = iota
	// SlidingWindow counts requests in the trailing window (two fixed windows
	// weighted), for users who think in "N per window".
	SlidingWindow
)

// Limit is a rate: Rate requests per Per, with Burst extra requests allowed at
// once (GCRA; 0 means Burst = 1, i.e. no burst beyond one request).
type Limit struct {
	Rate      int
	Per       time.Duration
	Burst     int
	Algorithm Algorithm
}

// Decision is a limiter's answer for one request.
type Decision struct {
	Allowed bool
	// Remaining is how many more requests (of cost 1) would be allowed now.
	Remaining int
	// RetryAfter is how long until a request of this cost would be allowed
	// (0 when Allowed).
	RetryAfter time.Duration
	// ResetAfter is how long until the key is back to a full allowance.
	ResetAfter time.Duration
}

// Limiter decides whether a request may proceed. A rejected request does not
// count against the key. cost is usually 1. An error means the limiter could
// not decide; callers apply the limit's failure mode (local fallback, closed
// or open), never an implicit allow.
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit, cost int) (Decision, error)
}
