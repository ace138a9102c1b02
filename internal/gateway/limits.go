package gateway

import (
	"crypto/rand"

	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
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

// Quota returns the serving plan's quota counter with id, or nil.
func (g *Gateway) Quota(id string) *quota.Quotas {
	return g.cur.Load().quotas.Get(id)
}
