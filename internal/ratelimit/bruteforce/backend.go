package bruteforce

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrFull reports that the memory backend holds as many subjects as it may.
// The Guard then fails closed: logins are refused until entries expire.
var ErrFull = errors.New("bruteforce: memory backend full")

// maxMemoryEntries bounds the memory backend: one entry (under 100 bytes) per
// subject that failed within its window or is locked.
const maxMemoryEntries = 1 << 20

// Policy is what a failure does to a subject.
type Policy struct {
	MaxFailures int           // lock at this count; 0: never lock
	Window      time.Duration // failures are forgotten this long after the first
	Lockout     time.Duration // how long a lock lasts; the count starts over
}

// State is a subject's standing.
type State struct {
	Failures int64         // failures in the current window
	Locked   time.Duration // how long the lock has left; 0 when not locked
}

// Backend keeps failure counters and locks, with expiry. Keys are opaque
// strings made by Guard.Key. now is the caller's clock; a shared backend may
// use its server's clock instead.
type Backend interface {
	// Get returns key's state.
	Get(ctx context.Context, key string, now time.Time) (State, error)
	// Fail counts one failure of key under p, atomically, and returns the new
	// count and lock.
	Fail(ctx context.Context, key string, p Policy, now time.Time) (State, error)
	// Reset forgets key's failures; a lock stays.
	Reset(ctx context.Context, key string) error
}

// MemoryBackend is a Backend for one node.
type MemoryBackend struct {
	mu      sync.Mutex
	entries map[string]*memEntry
	max     int
	ops     int       // Fail calls since the last sweep
	swept   time.Time // when the last sweep ran
}

type memEntry struct {
	failures    int64
	windowEnd   time.Time // failures count until then
	lockedUntil time.Time
}

var _ Backend = (*MemoryBackend)(nil)

// NewMemoryBackend returns an empty memory backend that holds up to about a
// million subjects; when full, failures of new subjects return ErrFull.
func NewMemoryBackend() *MemoryBackend {
	return &MemoryBackend{entries: map[string]*memEntry{}, max: maxMemoryEntries}
}

// Get implements Backend.
func (m *MemoryBackend) Get(_ context.Context, key string, now time.Time) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[key]
	if e == nil {
		return State{}, nil
	}
	return e.state(now), nil
}

func (e *memEntry) state(now time.Time) State {
	var s State
	if now.Before(e.windowEnd) {
		s.Failures = e.failures
	}
	if now.Before(e.lockedUntil) {
		s.Locked = e.lockedUntil.Sub(now)
	}
	return s
}

func (e *memEntry) expired(now time.Time) bool {
	return !now.Before(e.windowEnd) && !now.Before(e.lockedUntil)
}

// Fail implements Backend.
func (m *MemoryBackend) Fail(_ context.Context, key string, p Policy, now time.Time) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(now)
	e := m.entries[key]
	if e == nil {
		if len(m.entries) >= m.max {
			return State{}, ErrFull
		}
		e = &memEntry{}
		m.entries[key] = e
	}
	if !now.Before(e.windowEnd) {
		e.failures, e.windowEnd = 0, now.Add(p.Window)
	}
	e.failures++
	n := e.failures
	if p.MaxFailures > 0 && n >= int64(p.MaxFailures) {
		e.lockedUntil = now.Add(p.Lockout)
		e.failures, e.windowEnd = 0, time.Time{}
	}
	s := e.state(now)
	s.Failures = n
	return s, nil
}

// Reset implements Backend.
func (m *MemoryBackend) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.entries[key]; e != nil {
		e.failures, e.windowEnd = 0, time.Time{}
		if e.lockedUntil.IsZero() {
			delete(m.entries, key)
		}
	}
	return nil
}

// maybeSweep drops expired entries once the Fail calls since the last sweep
// outnumber the entries (amortized O(1) a call), or when the map is full but
// at most once a second (so a full map of live entries costs no scan a call).
func (m *MemoryBackend) maybeSweep(now time.Time) {
	m.ops++
	full := len(m.entries) >= m.max && now.Sub(m.swept) >= time.Second
	if m.ops < max(len(m.entries), 1024) && !full {
		return
	}
	m.ops, m.swept = 0, now
	for k, e := range m.entries {
		if e.expired(now) {
			delete(m.entries, k)
		}
	}
}
