package jwt

import (
	"sync"
	"time"

	"github.com/bulwark-gw/bulwark/internal/principal"
)

// maxShards bounds the number of cache shards (a power of two).
const maxShards = 32

// entry is a verified token: valid until exp (no leeway) while its key stays published.
type entry struct {
	p   *principal.Principal
	exp time.Time
	key *verKey
	iss *issuer
}

// cache holds verified tokens keyed by their SHA-256, never the raw token. It
// is sharded by the first hash byte so that lookups rarely contend. When a
// shard is full, a pseudo-random entry is evicted (Go's map iteration starts at a
// random bucket): O(1), and an attacker cannot predict which entry goes.
type cache struct {
	shards []shard
	mask   byte
}

type shard struct {
	mu  sync.RWMutex
	m   map[[32]byte]entry
	cap int
}

func newCache(size int) *cache {
	n := maxShards
	for n > 1 && n > size {
		n /= 2
	}
	c := &cache{shards: make([]shard, n), mask: byte(n - 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[[32]byte]entry)
		c.shards[i].cap = size / n
	}
	return c
}

// get returns the cached principal for sum, or nil. Stale entries (expired, or
// verified by a key that left the JWKS) are dropped.
func (c *cache) get(sum *[32]byte) *principal.Principal {
	s := &c.shards[sum[0]&c.mask]
	s.mu.RLock()
	e, ok := s.m[*sum]
	s.mu.RUnlock()
	if !ok {
		return nil
	}
	if e.key.removed.Load() || !e.iss.cfg.Now().Before(e.exp) {
		s.mu.Lock()
		delete(s.m, *sum)
		s.mu.Unlock()
		return nil
	}
	return e.p
}

// put stores e under sum, evicting one entry when the shard is full.
func (c *cache) put(sum *[32]byte, e entry) {
	s := &c.shards[sum[0]&c.mask]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[*sum]; !ok && len(s.m) >= s.cap {
		for k := range s.m {
			delete(s.m, k)
			break
		}
	}
	if s.cap > 0 {
		s.m[*sum] = e
	}
}

// sweep drops every entry verified by a removed key.
func (c *cache) sweep() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, e := range s.m {
			if e.key.removed.Load() {
				delete(s.m, k)
			}
		}
		s.mu.Unlock()
	}
}

// len reports the number of entries, for tests.
func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
