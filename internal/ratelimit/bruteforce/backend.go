package bruteforce

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// ErrFull reports that the memory backend holds as many subjects as it may.
// The Guard then fails closed: logins are refused until entries expire.
var ErrFull = errors.New("bruteforce: memory backend full")

// maxMemoryEntries bounds the memory backend: one entry (under 100 bytes plus
// its in-flight reservations) per subject that failed within its window, is
// locked, or has an attempt in flight.
const maxMemoryEntries = 1 << 20

// Policy is what a failure does to a subject.
type Policy struct {
	MaxFailures int           // lock at this count; 0: never lock
	Window      time.Duration // failures are forgotten this long after the first
	Lockout     time.Duration // how long a lock lasts; the count starts over
	// Hold is how long a reservation lasts. One still held then is counted
	// as a failure: the attempt reached the upstream and its answer was
	// never seen (a crashed node, a request stuck past every timeout).
	Hold time.Duration
}

// State is a subject's standing.
type State struct {
	Failures int64         // failures in the current window
	InFlight int64         // reservations held (attempts forwarded, not yet settled)
	Locked   time.Duration // how long the lock has left; 0 when not locked
}

// Backend keeps failure counters, in-flight reservations and locks, with
// expiry. Keys are opaque strings made by Guard.Key; ids are unique per
// attempt across every node sharing the backend. now is the caller's clock;
// a shared backend uses its server's clock instead. Every method is atomic
// for its key.
type Backend interface {
	// Reserve takes a slot for attempt id, unless key is locked or its
	// failures plus reservations already reach p.MaxFailures (ok false).
	// Reservations older than p.Hold count as failures first.
	Reserve(ctx context.Context, key, id string, p Policy, now time.Time) (s State, ok bool, err error)
	// Settle ends reservation id; failed counts it as a failure (which may
	// lock key). A reservation that already expired was counted when it
	// expired: settling it changes nothing.
	Settle(ctx context.Context, key, id string, failed bool, p Policy, now time.Time) (State, error)
	// Reset forgets key's failures; a lock and reservations stay.
	Reset(ctx context.Context, key string) error
}

// MemoryBackend is a Backend for one node.
type MemoryBackend struct {
	mu      sync.Mutex
	entries map[string]*memEntry
	max     int
	ops     int       // Reserve calls since the last sweep
	swept   time.Time // when the last sweep ran
}

type memEntry struct {
	failures    int64
	windowEnd   time.Time // failures count until then
	lockedUntil time.Time
	held        []hold // in-flight reservations, oldest first
}

// hold is one reservation: it counts as a failure under pol at until.
type hold struct {
	id    string
	until time.Time
	pol   Policy
}

var _ Backend = (*MemoryBackend)(nil)

// NewMemoryBackend returns an empty memory backend that holds up to about a
// million subjects; when full, reservations of new subjects return ErrFull.
func NewMemoryBackend() *MemoryBackend {
	return &MemoryBackend{entries: map[string]*memEntry{}, max: maxMemoryEntries}
}

func (e *memEntry) state(now time.Time) State {
	s := State{InFlight: int64(len(e.held))}
	if now.Before(e.windowEnd) {
		s.Failures = e.failures
	}
	if now.Before(e.lockedUntil) {
		s.Locked = e.lockedUntil.Sub(now)
	}
	return s
}

func (e *memEntry) expired(now time.Time) bool {
	return len(e.held) == 0 && !now.Before(e.windowEnd) && !now.Before(e.lockedUntil)
}

// fail counts one failure at time at and returns the count it reached.
func (e *memEntry) fail(p Policy, at time.Time) int64 {
	if !at.Before(e.windowEnd) {
		e.failures, e.windowEnd = 0, at.Add(p.Window)
	}
	e.failures++
	n := e.failures
	if p.MaxFailures > 0 && n >= int64(p.MaxFailures) {
		if until := at.Add(p.Lockout); until.After(e.lockedUntil) {
			e.lockedUntil = until
		}
		e.failures, e.windowEnd = 0, time.Time{}
	}
	return n
}

// expireHolds counts every reservation past its hold as a failure at the
// moment it expired.
func (e *memEntry) expireHolds(now time.Time) {
	for len(e.held) > 0 && !now.Before(e.held[0].until) {
		h := e.held[0]
		e.held = e.held[1:]
		e.fail(h.pol, h.until)
	}
	if len(e.held) == 0 {
		e.held = nil
	}
}

// Reserve implements Backend.
func (m *MemoryBackend) Reserve(_ context.Context, key, id string, p Policy, now time.Time) (State, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	e := m.entries[key]
	if e == nil {
		if len(m.entries) >= m.max {
			return State{}, false, ErrFull
		}
		e = &memEntry{}
		m.entries[key] = e
	}
	e.expireHolds(now)
	s := e.state(now)
	if s.Locked > 0 || (p.MaxFailures > 0 && s.Failures+s.InFlight >= int64(p.MaxFailures)) {
		return s, false, nil
	}
	// Holds of one policy expire in the order they were taken; keep the
	// slice sorted by expiry so expireHolds stops at the first live one.
	h := hold{id: id, until: now.Add(p.Hold), pol: p}
	i := len(e.held)
	for i > 0 && e.held[i-1].until.After(h.until) {
		i--
	}
	e.held = slices.Insert(e.held, i, h)
	s.InFlight++
	return s, true, nil
}

// Settle implements Backend.
func (m *MemoryBackend) Settle(_ context.Context, key, id string, failed bool, _ Policy, now time.Time) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key]
	if e == nil {
		return State{}, nil
	}
	e.expireHolds(now)
	i := slices.IndexFunc(e.held, func(h hold) bool { return h.id == id })
	if i < 0 { // expired, and counted then
		return e.state(now), nil
	}
	h := e.held[i]
	e.held = slices.Delete(e.held, i, i+1)
	if len(e.held) == 0 {
		e.held = nil
	}
	n := int64(0)
	if failed {
		n = e.fail(h.pol, now)
	}
	s := e.state(now)
	s.Failures = max(s.Failures, n)
	if e.expired(now) {
		delete(m.entries, key)
	}
	return s, nil
}

// Reset implements Backend.
func (m *MemoryBackend) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[key]; e != nil {
		e.failures, e.windowEnd = 0, time.Time{}
		if e.lockedUntil.IsZero() && len(e.held) == 0 {
			delete(m.entries, key)
		}
	}
	return nil
}

// maybeSweep drops expired entries once the Reserve calls since the last
// sweep outnumber the entries (amortized O(1) a call), or when the map is
// full but at most once a second (so a full map of live entries costs no scan
// a call). Reservations past their hold are counted as failures first.
func (m *MemoryBackend) maybeSweep(now time.Time) {
	m.ops++
	full := len(m.entries) >= m.max && now.Sub(m.swept) >= time.Second
	if m.ops < max(len(m.entries), 1024) && !full {
		return
	}
	m.ops, m.swept = 0, now
	for k, e := range m.entries {
		e.expireHolds(now)
		if e.expired(now) {
			delete(m.entries, k)
		}
	}
}
