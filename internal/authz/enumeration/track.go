package enumeration

import (
	"slices"
	"time"
)

// smallSet is the largest distinct-id set kept as a slice scanned linearly;
// larger sets use a map.
const smallSet = 64

// idSet holds the hashes of the distinct ids seen in a window, at most limit.
type idSet struct {
	small []uint64
	big   map[uint64]struct{}
}

// add records h unless the set is full, and returns the set's size.
func (s *idSet) add(h uint64, limit int) int {
	if limit > smallSet {
		if s.big == nil {
			s.big = make(map[uint64]struct{}, limit)
		}
		if len(s.big) < limit {
			s.big[h] = struct{}{}
		}
		return len(s.big)
	}
	if s.small == nil {
		s.small = make([]uint64, 0, limit)
	}
	if len(s.small) < limit && !slices.Contains(s.small, h) {
		s.small = append(s.small, h)
	}
	return len(s.small)
}

// len returns the set's size.
func (s *idSet) len() int { return len(s.small) + len(s.big) }

// reset empties the set, keeping its memory.
func (s *idSet) reset() {
	s.small = s.small[:0]
	clear(s.big)
}

// runs is how many sequential runs a pair follows at once.
const runs = 4

// run is one followed sequence of consecutive numeric ids.
type run struct {
	last   uint64    // the last id of the run
	length int       // ids in the run; 0 = slot free
	dir    int8      // +1 ascending, -1 descending, 0 unknown (length 1)
	at     time.Time // when the run last grew or repeated, for expiry
	tick   uint64    // recency among the pair's runs, for replacement
}

// follows reports whether n continues r, and in which direction.
func (r *run) follows(n uint64) (dir int8, ok bool) {
	switch {
	case n == r.last+1 && r.dir >= 0:
		return 1, true
	case n+1 == r.last && r.dir <= 0:
		return -1, true
	}
	return 0, false
}

// entry is the state of one (principal, route) pair. It is guarded by its shard's lock.
type entry struct {
	key        pairKey
	prev, next *entry // the shard's recency list, most recent first

	start        time.Time // window start
	requests     int
	denied       int
	ids          idSet
	runs         [runs]run
	tick         uint64
	alerted      bool // an alert was returned in this window
	blockedUntil time.Time
}

// resetWindow starts a new window at t.
func (e *entry) resetWindow(t time.Time) {
	e.start = t
	e.requests, e.denied = 0, 0
	e.ids.reset()
	e.alerted = false
}

// sequence feeds the numeric id n to the runs at now and returns the length of
// the run it extended or started (0 for a repeated id). Runs idle for longer
// than window are dropped.
func (e *entry) sequence(n uint64, now time.Time, window time.Duration) int {
	e.tick++
	var free, oldest *run
	for i := range e.runs {
		r := &e.runs[i]
		if r.length > 0 && now.Sub(r.at) > window {
			r.length = 0
		}
		if r.length == 0 {
			if free == nil {
				free = r
			}
			continue
		}
		if n == r.last { // a repeat neither extends nor breaks a run
			r.at, r.tick = now, e.tick
			return 0
		}
		if oldest == nil || r.tick < oldest.tick {
			oldest = r
		}
	}
	for i := range e.runs {
		r := &e.runs[i]
		if r.length == 0 {
			continue
		}
		if dir, ok := r.follows(n); ok {
			r.last, r.dir, r.at, r.tick = n, dir, now, e.tick
			r.length++
			return r.length
		}
	}
	slot := free
	if slot == nil {
		slot = oldest
	}
	*slot = run{last: n, length: 1, at: now, tick: e.tick}
	return 1
}

// parseID returns the numeric value of a decimal id of up to 19 digits.
func parseID(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
