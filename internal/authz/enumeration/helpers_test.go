package enumeration

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock safe for concurrent reads.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newDetector returns a Detector on clock, failing the test on a config error.
func newDetector(t testing.TB, cfg Config, clock *fakeClock) *Detector {
	t.Helper()
	cfg.Now = clock.Now
	d, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}
