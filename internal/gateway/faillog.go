package gateway

import (
	"sync"
	"time"
)

// failLogEvery is the longest a problem code's "request failed" line is
// held back. An outage (Redis down under on_redis_failure: closed, every
// upstream target gone, ...) refuses every request with the same code, and a
// line per request would bury the one line the outage itself logs. The first
// failure of a code is logged at once; the next ones within failLogEvery are
// counted and reported by the following line ("suppressed"). Each refused
// request stays in the audit log and the metrics.
const failLogEvery = 10 * time.Second

// failLog decides which 5xx refusals are logged. Its zero value is ready;
// the codes are the problem codes, a bounded set.
type failLog struct {
	mu      sync.Mutex
	last    map[string]time.Time
	skipped map[string]int
}

// allow reports whether a failure with code may be logged at now, and how
// many were held back since the last one logged.
func (f *failLog) allow(code string, now time.Time) (bool, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last == nil {
		f.last, f.skipped = map[string]time.Time{}, map[string]int{}
	}
	if t, ok := f.last[code]; ok && now.Sub(t) < failLogEvery {
		f.skipped[code]++
		return false, 0
	}
	n := f.skipped[code]
	f.last[code], f.skipped[code] = now, 0
	return true, n
}
