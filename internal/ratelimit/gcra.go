package ratelimit

import "time"

// gcra applies one request of cost p.cost at now (ns) to a key whose
// theoretical arrival time is tat (ns; any value <= now, including 0, means a
// fresh key) and returns the key's new TAT and the decision.
//
// The rules: the emission interval T is Per/Rate; a key may run up to
// burst*T ahead of now (burst tolerance (burst-1)*T plus the request itself),
// so burst requests pass at once and then one per T. A request of cost n
// advances the TAT by n*T. A rejected request returns tat unchanged, so
// hammering a closed limit never extends the wait. A cost above the burst can
// never pass and reports RetryNever.
func gcra(tat, now int64, p params) (int64, Decision) {
	tat = max(tat, now)
	limit := p.burst * p.interval // compile keeps this <= maxSpan
	if p.cost > p.burst {
		return tat, Decision{
			Remaining:  slots(now+limit-tat, p.interval),
			RetryAfter: RetryNever,
			ResetAfter: time.Duration(tat - now),
		}
	}
	next := tat + p.cost*p.interval
	if allowAt := next - limit; now < allowAt {
		return tat, Decision{
			Remaining:  slots(now+limit-tat, p.interval),
			RetryAfter: time.Duration(allowAt - now),
			ResetAfter: time.Duration(tat - now),
		}
	}
	return next, Decision{
		Allowed:    true,
		Remaining:  slots(now+limit-next, p.interval),
		ResetAfter: time.Duration(next - now),
	}
}

// slots is how many whole intervals fit in span (0 when span is negative,
// which happens when a key's TAT was set under a larger burst).
func slots(span, interval int64) int {
	if span <= 0 {
		return 0
	}
	return int(span / interval)
}

// gcraExpired reports whether a stored TAT no longer matters at now: the key
// is back to its full allowance and forgetting it changes no decision.
func gcraExpired(tat, now int64) bool { return tat <= now }
