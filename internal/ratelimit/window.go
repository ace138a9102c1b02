package ratelimit

import (
	"math/bits"
	"time"
)

// windowState is a sliding-window key: the index of the current fixed window
// (now/Per, windows aligned to the Unix epoch) and the counts of the previous
// and current windows.
type windowState struct {
	idx, prev, cur int64
}

// slide applies one request of cost p.cost at now (ns) to s and returns the
// new state and the decision.
//
// The estimate of the trailing window is cur + ceil(prev * (Per-elapsed)/Per),
// elapsed being the time since the current window began: the previous window
// counts in proportion to how much of it the trailing window still covers,
// rounded up so the estimate never under-counts. A request passes when the
// estimate plus its cost is at most Rate. Rejected requests are not counted;
// a cost above Rate can never pass and reports RetryNever.
func slide(s windowState, now int64, p params) (windowState, Decision) {
	s, elapsed := roll(s, now, p.per)
	used := mulDivCeil(s.prev, p.per-elapsed, p.per) + s.cur
	if p.cost <= p.rate && used+p.cost <= p.rate {
		s.cur += p.cost
		return s, Decision{
			Allowed:    true,
			Remaining:  int(p.rate - used - p.cost),
			ResetAfter: windowReset(s, elapsed, p.per),
		}
	}
	d := Decision{
		Remaining:  int(max(p.rate-used, 0)),
		RetryAfter: windowRetry(s, elapsed, p),
		ResetAfter: windowReset(s, elapsed, p.per),
	}
	return s, d
}

// roll moves s to the fixed window containing now and returns the time
// elapsed in it. A clock that went backwards keeps the stored window (the
// conservative choice: nothing is forgotten early).
func roll(s windowState, now, per int64) (windowState, int64) {
	idx := now / per
	switch {
	case s.idx == idx:
	case s.idx == idx-1:
		s = windowState{idx: idx, prev: s.cur}
	case s.idx > idx:
		return s, 0
	default:
		s = windowState{idx: idx}
	}
	return s, now - idx*per
}

// windowRetry is how long until a request of cost p.cost would pass.
func windowRetry(s windowState, elapsed int64, p params) time.Duration {
	if p.cost > p.rate {
		return RetryNever
	}
	if room := p.rate - s.cur - p.cost; room >= 0 {
		// Passes in this window once prev's weight has decayed to room:
		// prev*(per-e) <= room*per. Here room < prev, so the quotient < per.
		at := p.per - mulDivFloor(room, p.per, s.prev)
		return time.Duration(at - elapsed)
	}
	// Waits for the next window, where cur becomes prev and decays.
	room := p.rate - p.cost
	at := int64(0)
	if s.cur > room {
		at = p.per - mulDivFloor(room, p.per, s.cur)
	}
	return time.Duration(p.per - elapsed + at)
}

// windowReset is how long until the key's estimate is back to zero.
func windowReset(s windowState, elapsed, per int64) time.Duration {
	switch {
	case s.cur > 0:
		return time.Duration(2*per - elapsed)
	case s.prev > 0:
		return time.Duration(per - elapsed)
	}
	return 0
}

// mulDivFloor returns floor(a*b/c) for non-negative a, b and positive c whose
// quotient fits in int64, without overflowing the product.
func mulDivFloor(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) { // quotient would not fit: callers never get here
		return maxSpan
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}

// mulDivCeil returns ceil(a*b/c) under the same conditions as mulDivFloor.
func mulDivCeil(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return maxSpan
	}
	q, r := bits.Div64(hi, lo, uint64(c))
	if r != 0 {
		q++
	}
	return int64(q)
}
