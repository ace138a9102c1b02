package gateway

import (
	"crypto/rand"
	"log/slog"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/quota"
)

// Limiters are the process-wide counter backends. Shared is the limiter every
// node agrees on (Redis behind a failover to local memory, or memory alone on
// one node); Local is this process's memory limiter, used by the shield.
type Limiters struct {
	Shared func(mode string) ratelimit.Limiter // the shared limiter with a failure mode: local, closed or open
	Local  ratelimit.Limiter
	// BruteForce keeps failed-login counters (memory, or Redis with several nodes).
	BruteForce bruteforce.Backend
	// Secret keys the HMAC that hides usernames in brute-force keys.
	Secret []byte
}

// withDefaults fills what l leaves unset: one in-memory limiter, in-memory
// brute-force counters and a per-process key for them.
func (l Limiters) withDefaults() (Limiters, error) {
	if l.Local == nil {
		l.Local = ratelimit.NewMemory(ratelimit.MemoryConfig{})
	}
	if l.BruteForce == nil {
		l.BruteForce = bruteforce.NewMemoryBackend()
	}
	if len(l.Secret) == 0 {
		// One node, memory counters: a per-process key hides usernames as well.
		l.Secret = make([]byte, 32)
		if _, err := rand.Read(l.Secret); err != nil {
			return l, err
		}
	}
	if l.Shared == nil {
		local := l.Local
		l.Shared = func(string) ratelimit.Limiter { return local }
	}
	return l, nil
}

// buildRate builds a route's rate limits and quota (internal/ratelimit/limits);
// nil when it has neither. The quota's counter is the plan's, shared by every
// route naming it.
func buildRate(rt config.Route, quotas *limits.Counters, lim Limiters) (*limits.Guard, error) {
	d := limits.Deps{Limiter: lim.Shared}
	if rt.Quota != nil {
		if q := quotas.Get(rt.Quota.ID); q != nil {
			d.Quota = q // never a typed nil in the interface
		}
	}
	return limits.New(limits.Options{Limits: rt.RateLimits, Quota: rt.Quota, Priced: rt.GraphQL != nil}, d)
}

// buildBrute builds a login route's brute-force guard
// (internal/ratelimit/bruteforce); nil when the route has none.
func buildBrute(o *bruteforce.Options, lim Limiters, logger *slog.Logger) (*bruteforce.LoginGuard, error) {
	if o == nil {
		return nil, nil
	}
	return bruteforce.NewLoginGuard(*o, lim.BruteForce, lim.Secret, logger)
}

// Quota returns the serving plan's quota counter with id, or nil.
func (g *Gateway) Quota(id string) *quota.Quotas {
	return g.cur.Load().quotas.Get(id)
}
