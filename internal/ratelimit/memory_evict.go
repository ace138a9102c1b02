package ratelimit

import "math"

// admit makes room for one new key in s (locked): every sweepEvery inserts
// it sweeps a sample of expired keys, and when the shard is full it evicts
// (see MemoryConfig.MaxKeys). Work per call is bounded by evictSample.
func (s *shard) admit(now int64, limit int) {
	s.inserts++
	if s.inserts%sweepEvery == 0 {
		s.sweep(now, evictSample)
	}
	if len(s.tat)+len(s.win) < limit {
		return
	}
	if s.sweep(now, evictSample) > 0 {
		return
	}
	s.evictOldest()
}

// sweep deletes expired keys among the first n entries met in each map (all
// entries when n < 0) and returns how many it deleted. Go's randomised map
// iteration makes the sample differ from call to call; which keys are looked
// at never affects a decision, since expired keys are equivalent to absent.
func (s *shard) sweep(now int64, n int) int {
	deleted, seen := 0, 0
	for k, tat := range s.tat {
		if n >= 0 && seen >= n {
			break
		}
		seen++
		if gcraExpired(tat, now) {
			delete(s.tat, k)
			deleted++
		}
	}
	seen = 0
	for k, w := range s.win {
		if n >= 0 && seen >= n {
			break
		}
		seen++
		if w.expire <= now {
			delete(s.win, k)
			deleted++
		}
	}
	return deleted
}

// evictOldest deletes, among a sample of the larger map, the key closest to
// its full allowance: the smallest TAT or the earliest window expiry. That
// key's loss is the least lenient change eviction can make.
func (s *shard) evictOldest() {
	if len(s.tat) >= len(s.win) {
		victim, best, seen := "", int64(math.MaxInt64), 0
		for k, tat := range s.tat {
			if tat < best {
				victim, best = k, tat
			}
			if seen++; seen >= evictSample {
				break
			}
		}
		delete(s.tat, victim)
		return
	}
	victim, best, seen := "", int64(math.MaxInt64), 0
	for k, w := range s.win {
		if w.expire < best {
			victim, best = k, w.expire
		}
		if seen++; seen >= evictSample {
			break
		}
	}
	delete(s.win, victim)
}
