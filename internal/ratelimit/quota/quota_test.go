package quota

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

var bg = context.Background()

// noon is a fixed clock for tests that do not move time.
func noon() time.Time { return time.Date(2025, 5, 5, 12, 0, 0, 0, time.UTC) }

func newYork(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	return loc
}

// clock is a fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// sqlite opens a store in a file of t's temporary directory.
func sqlite(t *testing.T) (*store.Store, string) {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "quota.db")
	return openStore(t, dsn), dsn
}

func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(bg, dsn)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustQuotas(t *testing.T, st Store, cfg Config) *Quotas {
	t.Helper()
	q, err := New(st, cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return q
}

func take(t *testing.T, q *Quotas, key string, cost int64) Result {
	t.Helper()
	r, err := q.Take(bg, key, cost)
	if err != nil {
		t.Fatalf("Take(%s, %d): %v", key, cost, err)
	}
	return r
}

func usage(t *testing.T, q *Quotas, key string) Result {
	t.Helper()
	r, err := q.Usage(bg, key)
	if err != nil {
		t.Fatalf("Usage(%s): %v", key, err)
	}
	return r
}

func TestBounds(t *testing.T) {
	ny := newYork(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	cases := []struct {
		name        string
		p           Period
		t           time.Time
		start, next time.Time
	}{
		{"ordinary day", Day, at(2025, 6, 15, 13, 0), at(2025, 6, 15, 0, 0), at(2025, 6, 16, 0, 0)},
		{"late evening is still the local day (UTC has moved on)", Day, time.Date(2025, 3, 9, 3, 0, 0, 0, time.UTC),
			at(2025, 3, 8, 0, 0), at(2025, 3, 9, 0, 0)},
		{"spring forward: a 23-hour day", Day, at(2025, 3, 9, 12, 0), at(2025, 3, 9, 0, 0), at(2025, 3, 10, 0, 0)},
		{"fall back: a 25-hour day", Day, at(2025, 11, 2, 23, 59), at(2025, 11, 2, 0, 0), at(2025, 11, 3, 0, 0)},
		{"month", Month, at(2025, 10, 31, 23, 59), at(2025, 10, 1, 0, 0), at(2025, 11, 1, 0, 0)},
		{"month across fall back", Month, at(2025, 11, 1, 0, 0), at(2025, 11, 1, 0, 0), at(2025, 12, 1, 0, 0)},
		{"december to january", Month, at(2025, 12, 31, 12, 0), at(2025, 12, 1, 0, 0), at(2026, 1, 1, 0, 0)},
	}
	for _, c := range cases {
		start, next := c.p.bounds(c.t, ny)
		if !start.Equal(c.start) || !next.Equal(c.next) {
			t.Errorf("%s: bounds(%v) = %v, %v; want %v, %v", c.name, c.t, start, next, c.start, c.next)
		}
	}
	if s, n := Day.bounds(at(2025, 3, 9, 12, 0), ny); n.Sub(s) != 23*time.Hour {
		t.Errorf("2025-03-09 in New York lasts %s, want 23h", n.Sub(s))
	}
}

// TestDayRollover walks a day quota across local midnights around the
// spring DST change, on a fake clock, flushing to SQLite along the way.
func TestDayRollover(t *testing.T) {
	ny := newYork(t)
	st, _ := sqlite(t)
	clk := &clock{t: time.Date(2025, 3, 8, 23, 59, 59, 0, ny)}
	q := mustQuotas(t, st, Config{Limit: 2, Period: Day, Location: ny, Now: clk.Now})
	steps := []struct {
		name    string
		at      time.Time
		allowed []bool
		resetAt time.Time
	}{
		{"Mar 8, last second", time.Date(2025, 3, 8, 23, 59, 59, 0, ny), []bool{true, true, false}, time.Date(2025, 3, 9, 0, 0, 0, 0, ny)},
		{"Mar 9, local midnight", time.Date(2025, 3, 9, 0, 0, 0, 0, ny), []bool{true, true, false}, time.Date(2025, 3, 10, 0, 0, 0, 0, ny)},
		{"Mar 9 + 23h: Mar 10 already", time.Date(2025, 3, 9, 5, 0, 0, 0, time.UTC).Add(23 * time.Hour), []bool{true}, time.Date(2025, 3, 11, 0, 0, 0, 0, ny)},
	}
	for _, s := range steps {
		clk.Set(s.at)
		for i, want := range s.allowed {
			if r := take(t, q, "alice", 1); r.Allowed != want || !r.ResetAt.Equal(s.resetAt) {
				t.Errorf("%s, take %d: %+v; want allowed %v, reset at %v", s.name, i, r, want, s.resetAt)
			}
		}
		if err := q.Flush(bg); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
	for day, want := range map[int]int64{8: 2, 9: 2, 10: 1} {
		got, err := st.LoadQuota(bg, "alice", time.Date(2025, 3, day, 0, 0, 0, 0, ny))
		if err != nil || got != want {
			t.Errorf("stored count for Mar %d = %d, %v; want %d", day, got, err, want)
		}
	}
}

func TestMonthRollover(t *testing.T) {
	ny := newYork(t)
	clk := &clock{t: time.Date(2025, 10, 31, 23, 59, 59, 0, ny)}
	q := mustQuotas(t, newMemStore(), Config{Limit: 1, Period: Month, Location: ny, Now: clk.Now})
	if r := take(t, q, "k", 1); !r.Allowed || !r.ResetAt.Equal(time.Date(2025, 11, 1, 0, 0, 0, 0, ny)) {
		t.Errorf("October take: %+v", r)
	}
	if r := take(t, q, "k", 1); r.Allowed {
		t.Errorf("October take over the limit: %+v", r)
	}
	clk.Set(time.Date(2025, 11, 1, 0, 0, 0, 0, ny)) // 04:00 UTC
	if r := take(t, q, "k", 1); !r.Allowed || r.Used != 1 || !r.ResetAt.Equal(time.Date(2025, 12, 1, 0, 0, 0, 0, ny)) {
		t.Errorf("November take: %+v; want a fresh month resetting Dec 1 local", r)
	}
}

func TestPersistsAcrossRestart(t *testing.T) {
	st, dsn := sqlite(t)
	clk := &clock{t: time.Date(2025, 5, 5, 12, 0, 0, 0, time.UTC)}
	cfg := Config{Limit: 10, Period: Month, Now: clk.Now}
	q1 := mustQuotas(t, st, cfg)
	take(t, q1, "alice", 7)
	if err := q1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	q2 := mustQuotas(t, openStore(t, dsn), cfg) // a new process on the same database
	if r := usage(t, q2, "alice"); r.Used != 7 || !r.Allowed {
		t.Errorf("after restart: %+v; want 7 used", r)
	}
	if r := take(t, q2, "alice", 4); r.Allowed {
		t.Errorf("after restart, a take past the limit was allowed: %+v", r)
	}
	if r := take(t, q2, "alice", 3); !r.Allowed || r.Used != 10 {
		t.Errorf("after restart: %+v; want the last 3 allowed", r)
	}
}

func TestReset(t *testing.T) {
	st, _ := sqlite(t)
	clk := &clock{t: time.Date(2025, 5, 5, 12, 0, 0, 0, time.UTC)}
	q := mustQuotas(t, st, Config{Limit: 2, Period: Day, Now: clk.Now})
	take(t, q, "alice", 2)
	take(t, q, "bob", 1)
	if err := q.Flush(bg); err != nil {
		t.Fatal(err)
	}
	if err := q.Reset(bg, "alice"); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if r := usage(t, q, "alice"); r.Used != 0 || !r.Allowed {
		t.Errorf("after reset: %+v", r)
	}
	take(t, q, "alice", 1)
	if err := q.Flush(bg); err != nil {
		t.Fatal(err)
	}
	list, err := q.List(bg, "")
	if err != nil || len(list) != 2 || list[0].Key != "alice" || list[0].Used != 1 || list[1].Used != 1 {
		t.Errorf("List after reset = %+v, %v; want alice 1, bob 1", list, err)
	}
}

func TestRefusedTakesDoNotCount(t *testing.T) {
	q := mustQuotas(t, newMemStore(), Config{Limit: 3, Period: Day, Now: noon})
	for i, c := range []struct {
		cost    int64
		allowed bool
		used    int64
	}{{2, true, 2}, {2, false, 2}, {5, false, 2}, {1, true, 3}, {1, false, 3}, {0, true, 3}} {
		if r := take(t, q, "k", c.cost); r.Allowed != c.allowed || r.Used != c.used || r.Limit != 3 {
			t.Errorf("take %d (cost %d): %+v; want allowed %v, used %d", i, c.cost, r, c.allowed, c.used)
		}
	}
	if _, err := q.Take(bg, "k", -1); err == nil {
		t.Error("negative cost accepted")
	}
}

func TestConcurrentTakesNeverExceed(t *testing.T) {
	ms := newMemStore()
	q := mustQuotas(t, ms, Config{Limit: 100, Period: Day, Now: noon})
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				if r, err := q.Take(bg, "k", 1); err == nil && r.Allowed {
					allowed.Add(1)
				}
				if err := q.Flush(bg); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := q.Flush(bg); err != nil {
		t.Fatal(err)
	}
	start, _ := Day.bounds(noon(), time.UTC)
	if n, stored := allowed.Load(), ms.get("k", start); n != 100 || stored != 100 {
		t.Errorf("%d takes allowed, %d stored; want exactly 100", n, stored)
	}
}

// TestNodesConverge: a node's count takes in the other nodes' takes when it
// flushes its own (idle keys are not reloaded).
func TestNodesConverge(t *testing.T) {
	ms := newMemStore()
	cfg := Config{Limit: 10, Period: Day, Now: noon}
	a, b := mustQuotas(t, ms, cfg), mustQuotas(t, ms, cfg)
	flush := func(q *Quotas) {
		if err := q.Flush(bg); err != nil {
			t.Fatal(err)
		}
	}
	take(t, a, "k", 4)
	take(t, b, "k", 3)
	flush(a)
	flush(b)
	if r := usage(t, b, "k"); r.Used != 7 {
		t.Errorf("node b sees %d used, want 7", r.Used)
	}
	take(t, a, "k", 1)
	flush(a)
	if r := usage(t, a, "k"); r.Used != 8 {
		t.Errorf("node a sees %d used, want 8", r.Used)
	}
	if r := take(t, a, "k", 3); r.Allowed {
		t.Errorf("node a allowed a take past the shared limit: %+v", r)
	}
}

func TestLoadFailureFailsClosed(t *testing.T) {
	ms := newMemStore()
	q := mustQuotas(t, ms, Config{Limit: 10, Period: Day, Now: noon})
	ms.failLoad.Store(true)
	if r, err := q.Take(bg, "k", 1); err == nil || r.Allowed {
		t.Errorf("Take with the store down = %+v, %v; want an error", r, err)
	}
	ms.failLoad.Store(false)
	if r := take(t, q, "k", 1); !r.Allowed || r.Used != 1 {
		t.Errorf("Take once the store is back: %+v", r)
	}
}

func TestFlushFailureKeepsTakes(t *testing.T) {
	ms := newMemStore()
	q := mustQuotas(t, ms, Config{Limit: 10, Period: Day, Now: noon})
	take(t, q, "k", 2)
	ms.failAdd.Store(true)
	if err := q.Flush(bg); err == nil {
		t.Fatal("Flush with the store down succeeded")
	}
	ms.failAdd.Store(false)
	take(t, q, "k", 1)
	if err := q.Flush(bg); err != nil {
		t.Fatal(err)
	}
	start, _ := Day.bounds(noon(), time.UTC)
	if got := ms.get("k", start); got != 3 {
		t.Errorf("stored %d after a failed then a good flush, want 3", got)
	}
}

// TestStartFlushes runs the flush loop on synctest's clock.
func TestStartFlushes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := newMemStore()
		q := mustQuotas(t, ms, Config{Limit: 10, Period: Day, FlushInterval: time.Second, Now: noon})
		q.Start(bg)
		q.Start(bg) // no second loop
		take(t, q, "k", 2)
		start, _ := Day.bounds(noon(), time.UTC)
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		if got := ms.get("k", start); got != 2 {
			t.Errorf("stored %d after one interval, want 2", got)
		}
		take(t, q, "k", 1)
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
		if got := ms.get("k", start); got != 3 {
			t.Errorf("stored %d after Close, want 3", got)
		}
	})
}

func TestNewRefusesBadConfig(t *testing.T) {
	for name, c := range map[string]Config{
		"no limit":       {Period: Day},
		"unknown period": {Limit: 1, Period: 7},
		"negative flush": {Limit: 1, FlushInterval: -time.Second},
		"negative limit": {Limit: -1},
	} {
		if _, err := New(newMemStore(), c, nil); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := New(nil, Config{Limit: 1}, nil); err == nil {
		t.Error("nil store: New succeeded")
	}
}

// memStore is a Store in memory, with switchable failures.
type memStore struct {
	mu                sync.Mutex
	used              map[string]int64
	failLoad, failAdd atomic.Bool
}

var errDown = errors.New("store down")

func newMemStore() *memStore { return &memStore{used: map[string]int64{}} }

func memKey(key string, start time.Time) string {
	return key + "@" + start.UTC().Format(time.RFC3339Nano)
}

func (m *memStore) get(key string, start time.Time) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used[memKey(key, start)]
}

func (m *memStore) LoadQuota(_ context.Context, key string, start time.Time) (int64, error) {
	if m.failLoad.Load() {
		return 0, errDown
	}
	return m.get(key, start), nil
}

func (m *memStore) AddQuota(_ context.Context, deltas []store.QuotaDelta) error {
	if m.failAdd.Load() {
		return errDown
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range deltas {
		m.used[memKey(d.Key, d.PeriodStart)] += d.Delta
	}
	return nil
}

func (m *memStore) ResetQuota(_ context.Context, key string, start time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.used, memKey(key, start))
	return nil
}

func (m *memStore) ListQuota(context.Context, time.Time, string) ([]store.QuotaUsage, error) {
	return nil, errors.New("not implemented")
}
