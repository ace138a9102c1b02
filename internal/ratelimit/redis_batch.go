package ratelimit

import (
	"context"
	"sync"
	"time"
)

const (
	// maxLeases bounds the lease table; when full, a few leases are dropped
	// (their units are forfeited: under-admission, never over-admission).
	maxLeases = 65536
	// maxLease caps how long a node keeps reserved units.
	maxLease = time.Second
)

// batcher serves units reserved in Redis locally (RedisConfig.LocalBatch).
type batcher struct {
	size   int64
	now    func() time.Time
	mu     sync.Mutex
	leases map[leaseKey]lease
}

// leaseKey names a lease: the same key under two limits holds two leases.
type leaseKey struct {
	key string
	l   Limit
}

// lease is a node's stock of reserved units for one key.
type lease struct {
	left    int64
	expires int64 // local Unix ns
}

func newBatcher(size int, now func() time.Time) *batcher {
	if now == nil {
		now = time.Now
	}
	return &batcher{size: int64(size), now: now, leases: make(map[leaseKey]lease)}
}

type reserveFunc func(ctx context.Context, key string, l Limit, p params, want int64) (reply, error)

// allow serves the request from the key's lease when it holds enough units,
// else reserves max(size, cost) units from Redis in one round trip.
func (b *batcher) allow(ctx context.Context, key string, l Limit, p params, reserve reserveFunc) (Decision, error) {
	lk := leaseKey{key: key, l: l}
	now := b.now().UnixNano()
	b.mu.Lock()
	if ls, ok := b.leases[lk]; ok && ls.expires > now && ls.left >= p.cost {
		ls.left -= p.cost
		b.leases[lk] = ls
		b.mu.Unlock()
		return Decision{Allowed: true, Remaining: int(ls.left)}, nil
	}
	b.mu.Unlock()
	rep, err := reserve(ctx, key, l, p, max(b.size, p.cost))
	if err != nil || !rep.d.Allowed {
		return rep.d, err
	}
	b.store(lk, rep.granted-p.cost, now, now+leaseTTL(p, b.size))
	return rep.d, nil
}

// store adds left units to the key's lease, renewed until expires.
func (b *batcher) store(lk leaseKey, left, now, expires int64) {
	if left <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.leases[lk]; !ok && len(b.leases) >= maxLeases {
		b.shed()
	}
	ls := b.leases[lk]
	if ls.expires <= now { // lapsed units: forfeit
		ls.left = 0
	}
	b.leases[lk] = lease{left: ls.left + left, expires: expires}
}

// shed drops up to evictSample leases (locked); order does not matter.
func (b *batcher) shed() {
	n := 0
	for k := range b.leases {
		delete(b.leases, k)
		if n++; n >= evictSample {
			return
		}
	}
}

// leaseTTL is how long reserved units stay usable: the time the limit takes
// to refill size units, capped at maxLease.
func leaseTTL(p params, size int64) int64 {
	d := p.per
	if p.interval > 0 && size <= maxSpan/p.interval {
		d = size * p.interval
	}
	return min(d, int64(maxLease))
}
