package ratelimit

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// Memory defaults and bounds.
const (
	defaultShards  = 64
	defaultMaxKeys = 1_000_000
	// evictSample is how many entries one eviction pass looks at.
	evictSample = 32
	// sweepEvery is how many new keys a shard takes between two small
	// sweeps of expired keys.
	sweepEvery = 64
)

// MemoryConfig configures a Memory limiter. The zero value is ready to use.
type MemoryConfig struct {
	// Shards is the number of independently locked partitions of the key
	// space: a power of two; 0 means 64. More shards mean less contention.
	Shards int
	// MaxKeys bounds the number of keys held (GCRA and sliding-window keys
	// together); 0 means 1,000,000. Each shard holds at most
	// ceil(MaxKeys/Shards). When a shard is full, a new key first evicts
	// expired keys (keys back to their full allowance, whose loss changes no
	// decision) among a sample of 32, and if there is none, the sampled key
	// closest to its full allowance (the least recently charged). Eviction
	// can only make a limit more lenient for the evicted key, so the bound
	// should sit well above the expected number of active keys.
	MaxKeys int
	// Now is the clock; nil means time.Now. Tests pass a fake clock.
	Now func() time.Time
}

// Memory is a single-node Limiter: sharded maps with compact per-key state
// (one int64 per GCRA key, 24 bytes per sliding-window key). It starts no
// goroutines: expired keys are swept a few at a time as new keys arrive, and
// Sweep removes them all on demand. Safe for concurrent use.
type Memory struct {
	shards   []shard
	mask     uint64
	seed     maphash.Seed
	perShard int
	now      func() time.Time
}

var _ Limiter = (*Memory)(nil)

// shard is one locked partition, padded to a cache line so neighbouring
// shards' locks do not share one.
type shard struct {
	mu      sync.Mutex
	tat     map[string]int64  // GCRA: theoretical arrival time, Unix ns
	win     map[string]window // sliding windows
	inserts uint32
	_       [36]byte
}

// window is the compact form of windowState plus its expiry.
type window struct {
	idx, expire int64
	prev, cur   int32
}

// NewMemory returns a Memory limiter. An invalid Shards value (not a power of
// two) is rounded up to the next power of two.
func NewMemory(cfg MemoryConfig) *Memory {
	n := defaultShards
	if cfg.Shards > 0 {
		n = 1
		for n < cfg.Shards {
			n <<= 1
		}
	}
	maxKeys := cfg.MaxKeys
	if maxKeys <= 0 {
		maxKeys = defaultMaxKeys
	}
	m := &Memory{
		shards:   make([]shard, n),
		mask:     uint64(n - 1),
		seed:     maphash.MakeSeed(),
		perShard: max((maxKeys+n-1)/n, 1),
		now:      cfg.Now,
	}
	if m.now == nil {
		m.now = time.Now
	}
	for i := range m.shards {
		m.shards[i].tat = make(map[string]int64)
		m.shards[i].win = make(map[string]window)
	}
	return m
}

// Allow implements Limiter. It never blocks on anything but a shard lock and
// fails only for an invalid limit or cost.
func (m *Memory) Allow(_ context.Context, key string, l Limit, cost int) (Decision, error) {
	p, err := compile(l, cost)
	if err != nil {
		return Decision{}, fmt.Errorf("memory limiter: %w", err)
	}
	now := m.now().UnixNano()
	s := &m.shards[maphash.String(m.seed, key)&m.mask]
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.Algorithm == SlidingWindow {
		return s.allowWindow(key, now, p, m.perShard), nil
	}
	return s.allowGCRA(key, now, p, m.perShard), nil
}

func (s *shard) allowGCRA(key string, now int64, p params, limit int) Decision {
	old, ok := s.tat[key]
	tat, d := gcra(old, now, p)
	if !d.Allowed || (ok && tat == old) {
		return d
	}
	if !ok {
		if gcraExpired(tat, now) {
			return d // cost 0 on a fresh key: nothing worth storing
		}
		s.admit(now, limit)
		key = strings.Clone(key) // never pin the caller's (request) buffer
	}
	s.tat[key] = tat
	return d
}

func (s *shard) allowWindow(key string, now int64, p params, limit int) Decision {
	old, ok := s.win[key]
	st, d := slide(windowState{idx: old.idx, prev: int64(old.prev), cur: int64(old.cur)}, now, p)
	if !d.Allowed || p.cost == 0 {
		return d
	}
	if !ok {
		s.admit(now, limit)
		key = strings.Clone(key)
	}
	s.win[key] = window{idx: st.idx, expire: (st.idx + 2) * p.per, prev: int32(st.prev), cur: int32(st.cur)}
	return d
}

// Len returns the number of keys held.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tat) + len(s.win)
		s.mu.Unlock()
	}
	return n
}

// Sweep removes every expired key and returns how many it removed. Memory
// sweeps a few keys as new ones arrive, so calling Sweep is optional; a
// gateway that wants memory back promptly after a flood of one-off keys calls
// it from a ticker. It locks one shard at a time.
func (m *Memory) Sweep() int {
	now := m.now().UnixNano()
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += s.sweep(now, -1)
		s.mu.Unlock()
	}
	return n
}
