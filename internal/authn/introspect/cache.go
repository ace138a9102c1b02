package introspect

import (
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/principal"
)

// entry is a cached introspection outcome: a principal or a refusal (*authn.Failure).
type entry struct {
	p       *principal.Principal
	err     error
	expires time.Time // the entry is valid strictly before this instant
}

// cache is a bounded map of introspection outcomes by token hash. Reads take a
// shared lock and never write, so cache hits do not contend. When full, the entry
// inserted first is evicted (FIFO): expired entries are not swept but are the
// oldest in practice, and a flood of new tokens can push valid ones out, which only
// costs a new introspection call.
type cache struct {
	mu      sync.RWMutex
	size    int
	entries map[tokenKey]entry
	order   []tokenKey // insertion ring; order[head] is the oldest once len == size
	head    int
}

func newCache(size int) *cache {
	return &cache{
		size:    size,
		entries: make(map[tokenKey]entry, min(size, 1024)),
		order:   make([]tokenKey, 0, min(size, 1024)),
	}
}

// get returns the entry for k if it is still valid at now.
func (c *cache) get(k tokenKey, now time.Time) (entry, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return entry{}, false
	}
	return e, true
}

// put stores e under k, evicting the oldest entry when the cache is full.
func (c *cache) put(k tokenKey, e entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		c.entries[k] = e // keeps its slot in the ring
		return
	}
	if len(c.order) < c.size {
		c.order = append(c.order, k)
	} else {
		delete(c.entries, c.order[c.head])
		c.order[c.head] = k
		c.head = (c.head + 1) % c.size
	}
	c.entries[k] = e
}

// len returns the number of entries, valid or not.
func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
