package limits

import "github.com/bulwark-gw/bulwark/internal/ratelimit"

// ForRoute builds a route's limits and quota (New) counting in the process's
// shared limiter (limiter, by failure mode) and in the plan's counter of its
// quota, the one every route naming the quota shares. A quota whose counter
// quotas does not hold is refused (New: no counter). It returns nil (and no
// error) when the route has neither limits nor a quota.
func ForRoute(o Options, quotas *Counters, limiter func(mode string) ratelimit.Limiter) (*Guard, error) {
	d := Deps{Limiter: limiter}
	if o.Quota != nil {
		if q := quotas.Get(o.Quota.ID); q != nil {
			d.Quota = q // never a typed nil in the interface
		}
	}
	return New(o, d)
}
