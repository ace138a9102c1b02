package ownership

import (
	"hash/maphash"
	"sync"
	"time"
)

// maxShards bounds the cache's lock stripes.
const maxShards = 64

// objectKey names an object. A struct of the two strings, not their
// concatenation, keys the maps, so a lookup allocates nothing.
type objectKey struct{ typ, id string }

// cache holds recent owners and recently unknown objects, in shards each
// with its own lock. Each shard holds at most its share of the bounds; when
// a map is full, an expired entry goes if a short scan finds one, else an
// arbitrary one (eviction order does not matter for correctness: a miss only
// costs a store lookup).
type cache struct {
	seed   maphash.Seed
	mask   uint64
	shards []shard
}

type shard struct {
	mu      sync.RWMutex
	owners  map[objectKey]string
	unknown map[objectKey]time.Time // until when the object is known to have no record
	// gen grows with every invalidation. A lookup that began before one
	// does not cache its result: it may have read what was just changed.
	gen        uint64
	maxOwners  int
	maxUnknown int
}

// newCache returns a cache of at most size owners and maxUnknown unknown
// objects. Both must be positive.
func newCache(size, maxUnknown int) *cache {
	n := 1
	for n*2 <= maxShards && n*2 <= min(size, maxUnknown) {
		n *= 2
	}
	c := &cache{seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]shard, n)}
	for i := range c.shards {
		c.shards[i] = shard{owners: map[objectKey]string{}, unknown: map[objectKey]time.Time{},
			maxOwners: size / n, maxUnknown: maxUnknown / n}
	}
	return c
}

// shard returns k's shard. The seeded hash keeps attackers from piling
// chosen ids onto one stripe.
func (c *cache) shard(k objectKey) *shard {
	h := maphash.String(c.seed, k.typ)*31 ^ maphash.String(c.seed, k.id)
	return &c.shards[h&c.mask]
}

// lookup returns what s knows about k at now: the owner and found=true, or
// found=false for an object recently found unknown; ok is false on a miss.
func (s *shard) lookup(k objectKey, now time.Time) (owner string, found, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if owner, ok := s.owners[k]; ok {
		return owner, true, true
	}
	if until, ok := s.unknown[k]; ok && now.Before(until) {
		return "", false, true
	}
	return "", false, false
}

// generation returns the invalidation count, to pass to put.
func (s *shard) generation() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gen
}

// put caches what a store lookup that began at generation gen found:
// owner, or (found false) that k is unknown until until. It does nothing
// when an invalidation happened since.
func (s *shard) put(k objectKey, owner string, found bool, until time.Time, gen uint64, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return
	}
	s.store(k, owner, found, until, now)
}

// set caches owner for k after a write by this node, invalidating lookups
// in flight.
func (s *shard) set(k objectKey, owner string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.store(k, owner, true, time.Time{}, now)
}

// store caches k's state; s.mu is held.
func (s *shard) store(k objectKey, owner string, found bool, until, now time.Time) {
	if !found {
		delete(s.owners, k)
		if _, ok := s.unknown[k]; !ok && len(s.unknown) >= s.maxUnknown {
			delete(s.unknown, victim(s.unknown, func(u time.Time) bool { return !now.Before(u) }))
		}
		s.unknown[k] = until
		return
	}
	delete(s.unknown, k)
	if _, ok := s.owners[k]; !ok && len(s.owners) >= s.maxOwners {
		delete(s.owners, victim(s.owners, func(string) bool { return false }))
	}
	s.owners[k] = owner
}

// victim picks what to evict from a full map: an expired entry among the
// first few that iteration yields, else the first one.
func victim[V any](m map[objectKey]V, expired func(V) bool) objectKey {
	var first objectKey
	n := 0
	for k, v := range m {
		if n == 0 {
			first = k
		}
		if expired(v) {
			return k
		}
		if n++; n >= 32 {
			break
		}
	}
	return first
}

// drop forgets k.
func (s *shard) drop(k objectKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	delete(s.owners, k)
	delete(s.unknown, k)
}

// reset forgets everything.
func (c *cache) reset() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.gen++
		clear(s.owners)
		clear(s.unknown)
		s.mu.Unlock()
	}
}

// len returns how many owners and unknown objects are cached.
func (c *cache) len() (owners, unknown int) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		owners, unknown = owners+len(s.owners), unknown+len(s.unknown)
		s.mu.RUnlock()
	}
	return owners, unknown
}
