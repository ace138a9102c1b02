package apikey

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/principal"
)

// entry is what the cache knows about one stored key.
type entry struct {
	p      *principal.Principal // nil when the key is refused
	reason string               // authn reason when p is nil (revoked, expired)
	id     string               // the key's id
	until  time.Time            // the entry is not used at or after until
	// touched is when last-used was last recorded (Unix ns), so a busy key
	// takes the last-used lock about once a second, not on every request.
	touched *atomic.Int64
}

// lookupResult says what the cache knows about a hash.
type lookupResult int

const (
	miss         lookupResult = iota
	hit                       // a stored key: see the entry
	knownUnknown              // recently looked up and not found
)

// cache holds recent verdicts by key hash. Both maps are bounded; when one
// is full, an expired entry goes if a short scan finds one, else an
// arbitrary one (eviction order does not matter for correctness: a miss only
// costs a store lookup).
type cache struct {
	mu      sync.RWMutex
	known   map[[HashLen]byte]entry
	byID    map[string][HashLen]byte
	unknown map[[HashLen]byte]time.Time
	// gen grows with every invalidation. A lookup that began before one
	// does not cache its result: it may have read what was just changed.
	gen        uint64
	maxKnown   int
	maxUnknown int
}

func newCache(maxKnown, maxUnknown int) *cache {
	return &cache{
		known: make(map[[HashLen]byte]entry), byID: make(map[string][HashLen]byte),
		unknown: make(map[[HashLen]byte]time.Time), maxKnown: maxKnown, maxUnknown: maxUnknown,
	}
}

// lookup returns what the cache holds for h that is still valid at now.
func (c *cache) lookup(h *[HashLen]byte, now time.Time) (entry, lookupResult) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.known[*h]; ok && now.Before(e.until) {
		return e, hit
	}
	if until, ok := c.unknown[*h]; ok && now.Before(until) {
		return entry{}, knownUnknown
	}
	return entry{}, miss
}

// generation returns the invalidation count, to pass to put and putUnknown.
func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put caches e for h unless an invalidation happened since gen.
func (c *cache) put(h [HashLen]byte, e entry, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.maxKnown <= 0 {
		return
	}
	if _, ok := c.known[h]; !ok && len(c.known) >= c.maxKnown {
		k, old := victim(c.known, func(e entry) bool { return !now.Before(e.until) })
		delete(c.known, k)
		delete(c.byID, old.id)
	}
	c.known[h] = e
	c.byID[e.id] = h
}

// putUnknown remembers that h matched no key, until until.
func (c *cache) putUnknown(h [HashLen]byte, until time.Time, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.maxUnknown <= 0 {
		return
	}
	if _, ok := c.unknown[h]; !ok && len(c.unknown) >= c.maxUnknown {
		k, _ := victim(c.unknown, func(until time.Time) bool { return !now.Before(until) })
		delete(c.unknown, k)
	}
	c.unknown[h] = until
}

// victim picks what to evict from a full map: an expired entry among the
// first few that iteration yields, else the first one.
func victim[V any](m map[[HashLen]byte]V, expired func(V) bool) (k [HashLen]byte, v V) {
	n := 0
	for key, val := range m {
		if n == 0 {
			k, v = key, val
		}
		if expired(val) {
			return key, val
		}
		if n++; n >= 32 {
			break
		}
	}
	return k, v
}

// invalidate drops the entries of ids and, when dropUnknown is set (a key
// was created), every remembered unknown hash.
func (c *cache) invalidate(ids []string, dropUnknown bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, id := range ids {
		if h, ok := c.byID[id]; ok {
			delete(c.known, h)
			delete(c.byID, id)
		}
	}
	if dropUnknown {
		clear(c.unknown)
	}
}

// reset drops everything.
func (c *cache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.known)
	clear(c.byID)
	clear(c.unknown)
}

// usage collects last-used times in memory between flushes. It holds at
// most max ids; when full, times of further ids are dropped until the next
// flush (last-used is advisory; authentication never waits on it).
type usage struct {
	mu  sync.Mutex
	m   map[string]time.Time
	max int
}

func (u *usage) record(id string, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if old, ok := u.m[id]; (ok && at.After(old)) || (!ok && len(u.m) < u.max) {
		u.m[id] = at
	}
}

// take returns the pending times and starts a new batch.
func (u *usage) take() map[string]time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.m
	u.m = make(map[string]time.Time, len(m))
	return m
}

// restore puts back a batch that could not be written.
func (u *usage) restore(m map[string]time.Time) {
	for id, at := range m {
		u.record(id, at)
	}
}
