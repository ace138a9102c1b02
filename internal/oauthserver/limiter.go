package oauthserver

import (
	"sync"
	"time"
)

// loginLimiter counts failed sign-ins per subject (username+client IP, and
// client IP alone) in memory, per node: MaxFailures failures within Window
// lock the subject until the window has passed since its first failure.
// (internal/ratelimit/bruteforce guards gateway routes; its API is being
// reworked, so the login page keeps this small counter of its own.)
type loginLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]*failures
}

type failures struct {
	n     int
	start time.Time
}

// maxSubjects bounds the memory: past it, expired entries are swept, then the
// entries with the fewest failures (a spray's single guesses first) until the
// map is half full. Locked entries are never dropped: a flood of new subjects
// must not wipe a victim's count. While the map is full of locked entries,
// subjects it does not hold are refused (fail closed).
const maxSubjects = 100000

func newLoginLimiter(max int, window time.Duration, now func() time.Time) *loginLimiter {
	return &loginLimiter{max: max, window: window, now: now, seen: map[string]*failures{}}
}

// locked returns how long the first locked subject stays locked (0: none).
func (l *loginLimiter) locked(subjects ...string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, s := range subjects {
		f := l.seen[s]
		if f == nil && len(l.seen) >= maxSubjects {
			wait = max(wait, l.window) // no room to count it: refuse rather than not count
			continue
		}
		if f == nil || now.Sub(f.start) >= l.window {
			continue
		}
		if f.n >= l.max {
			wait = max(wait, f.start.Add(l.window).Sub(now))
		}
	}
	return wait
}

// record counts a failure of every subject, or on success forgets the first
// (the username+IP pair; the IP alone keeps its count).
func (l *loginLimiter) record(failed bool, subjects ...string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !failed {
		if len(subjects) > 0 {
			delete(l.seen, subjects[0])
		}
		return
	}
	if len(l.seen) >= maxSubjects {
		l.sweep(now)
	}
	for _, s := range subjects {
		f := l.seen[s]
		if f == nil && len(l.seen) >= maxSubjects {
			continue // full of locked subjects: locked() refuses this one
		}
		if f == nil || now.Sub(f.start) >= l.window {
			f = &failures{start: now}
			l.seen[s] = f
		}
		f.n++
	}
}

func (l *loginLimiter) sweep(now time.Time) {
	for k, f := range l.seen {
		if now.Sub(f.start) >= l.window {
			delete(l.seen, k)
		}
	}
	for n := 1; n < l.max && len(l.seen) >= maxSubjects/2; n++ {
		for k, f := range l.seen {
			if len(l.seen) < maxSubjects/2 {
				break
			}
			if f.n <= n {
				delete(l.seen, k)
			}
		}
	}
}
