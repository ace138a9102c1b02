package audit

import (
	"sync"
	"time"
)

// Filter selects events from Recent. Empty string fields, a zero Status and a zero
// Since match everything; Limit <= 0 means as many as the ring holds.
type Filter struct {
	API       string
	Route     string
	Decision  string
	Reason    string
	ClientIP  string
	RequestID string
	Status    int
	Since     time.Time // events at or after this time
	Limit     int
}

// match reports whether e passes every set field of f.
func (f *Filter) match(e *Event) bool {
	return (f.API == "" || f.API == e.API) &&
		(f.Route == "" || f.Route == e.Route) &&
		(f.Decision == "" || f.Decision == e.Decision) &&
		(f.Reason == "" || f.Reason == e.Reason) &&
		(f.ClientIP == "" || f.ClientIP == e.ClientIP) &&
		(f.RequestID == "" || f.RequestID == e.RequestID) &&
		(f.Status == 0 || f.Status == e.Status) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since))
}

// ring keeps the newest events, overwriting the oldest.
type ring struct {
	mu   sync.RWMutex
	buf  []Event
	next int  // slot the next event goes to
	full bool // every slot holds an event
}

// newRing returns a ring of size slots; size 0 keeps nothing.
func newRing(size int) *ring {
	return &ring{buf: make([]Event, size)}
}

// add stores events, oldest first.
func (r *ring) add(events []Event) {
	if len(r.buf) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range events {
		r.buf[r.next] = events[i]
		r.next++
		if r.next == len(r.buf) {
			r.next, r.full = 0, true
		}
	}
}

// query returns matching events, newest first, at most f.Limit of them.
func (r *ring) query(f Filter) []Event {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := r.next
	if r.full {
		n = len(r.buf)
	}
	limit := f.Limit
	if limit <= 0 || limit > n {
		limit = n
	}
	out := make([]Event, 0, min(limit, 64))
	for i := 1; i <= n && len(out) < limit; i++ {
		e := &r.buf[(r.next-i+len(r.buf))%len(r.buf)]
		if f.match(e) {
			out = append(out, *e)
		}
	}
	return out
}
