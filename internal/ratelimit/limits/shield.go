package limits

import (
	"context"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
)

// ShieldGuard is the per-client limit that runs before anything else costs:
// before routing, authentication and the body. It counts in this process's
// memory, so a flood never waits on a shared backend.
type ShieldGuard struct {
	limit   ratelimit.Limit
	limiter ratelimit.Limiter
}

// NewShield returns the shield counting in local, or nil when o sets no rate.
func NewShield(o Shield, local ratelimit.Limiter) *ShieldGuard {
	if o.Rate.N <= 0 {
		return nil
	}
	return &ShieldGuard{limit: ToLimit(o.Rate, o.Burst, "gcra"), limiter: local}
}

// Check counts the request against its client group (x.ClientGroup). A nil
// shield admits everything.
func (s *ShieldGuard) Check(ctx context.Context, x *exchange.Exchange) *httperr.Problem {
	if s == nil {
		return nil
	}
	d, err := s.limiter.Allow(ctx, "shield:"+x.ClientGroup, s.limit, 1)
	if err != nil {
		return unavailable(err)
	}
	if !d.Allowed {
		return rateLimited("Too many requests from this address.", d, "", "")
	}
	return nil
}
