package logthrottle

import (
	"sync"
	"time"
)

// Every is the longest a key's line is held back. The first line of a key is
// logged at once; the next ones within Every are counted and reported by the
// following line logged ("suppressed").
const Every = 10 * time.Second

// Keys decides which lines are logged, per key. Its zero value is ready and
// safe for concurrent use. It keeps one entry per key ever seen: keys must
// come from a bounded set (problem codes, never client input).
type Keys struct {
	mu      sync.Mutex
	last    map[string]time.Time
	skipped map[string]int
}

// Allow reports whether a line with key may be logged at now, and how many
// were held back since the last one logged.
func (k *Keys) Allow(key string, now time.Time) (ok bool, suppressed int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.last == nil {
		k.last, k.skipped = map[string]time.Time{}, map[string]int{}
	}
	if t, ok := k.last[key]; ok && now.Sub(t) < Every {
		k.skipped[key]++
		return false, 0
	}
	n := k.skipped[key]
	k.last[key], k.skipped[key] = now, 0
	return true, n
}
