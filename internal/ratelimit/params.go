package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// RetryNever is the RetryAfter of a request that no amount of waiting will
// allow: its cost exceeds the burst (GCRA) or the whole window (SlidingWindow).
// Gateways should answer such requests with a 429 whose Retry-After is omitted
// or capped, since retrying the same request is pointless.
const RetryNever = time.Duration(math.MaxInt64)

// ErrInvalidLimit is returned (wrapped) for a Limit or cost no backend can
// enforce: Rate or Per not positive, negative Burst or cost, an emission
// interval below one nanosecond or values large enough to overflow. It is a
// configuration bug, not a backend failure: [Failover] passes it through
// instead of degrading.
var ErrInvalidLimit = errors.New("ratelimit: invalid limit")

// maxSpan bounds burst*interval and Per so that sums of timestamps and spans
// never overflow int64 nanoseconds (about 73 years of span).
const maxSpan = int64(1) << 61

// maxWindowRate bounds a sliding window's Rate so counts fit the compact
// per-key state.
const maxWindowRate = math.MaxInt32

// params is a Limit reduced to the integers the algorithms use.
type params struct {
	interval int64 // GCRA emission interval, ns (Per/Rate)
	burst    int64 // GCRA burst, >= 1
	per      int64 // window length, ns
	rate     int64 // requests per window
	cost     int64
}

// compile validates l and cost and derives the algorithm parameters.
func compile(l Limit, cost int) (params, error) {
	if l.Rate <= 0 || l.Per <= 0 || l.Burst < 0 || cost < 0 {
		return params{}, fmt.Errorf("%w: rate %d per %s, burst %d, cost %d", ErrInvalidLimit, l.Rate, l.Per, l.Burst, cost)
	}
	p := params{per: int64(l.Per), rate: int64(l.Rate), burst: max(int64(l.Burst), 1), cost: int64(cost)}
	p.interval = p.per / p.rate
	switch l.Algorithm {
	case GCRA:
		if p.interval == 0 || p.burst > maxSpan/p.interval {
			return params{}, fmt.Errorf("%w: rate %d per %s (burst %d) out of range", ErrInvalidLimit, l.Rate, l.Per, l.Burst)
		}
	case SlidingWindow:
		if p.rate > maxWindowRate || p.per > maxSpan {
			return params{}, fmt.Errorf("%w: window rate %d per %s out of range", ErrInvalidLimit, l.Rate, l.Per)
		}
	default:
		return params{}, fmt.Errorf("%w: unknown algorithm %d", ErrInvalidLimit, l.Algorithm)
	}
	return p, nil
}
