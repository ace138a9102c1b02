package apikey

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

var testPepper = []byte("test-pepper-0123456789abcdef-0123456789")

// backend names a way to get a fresh database for a test.
type backend struct {
	name string
	dsn  func(t testing.TB) string
}

func backends() []backend {
	return []backend{{"sqlite", storetest.SQLiteDSN}, {"postgres", storetest.PostgresDSN}}
}

// countingStore is a real store that counts key lookups and can be made to fail.
type countingStore struct {
	*store.Store
	lookups atomic.Int64
	fail    atomic.Bool

	mu      sync.Mutex
	touches []map[string]time.Time
}

var errStoreDown = errors.New("store down")

func (c *countingStore) KeyByHash(ctx context.Context, hash []byte) (*store.APIKey, error) {
	c.lookups.Add(1)
	if c.fail.Load() {
		return nil, errStoreDown
	}
	return c.Store.KeyByHash(ctx, hash)
}

func (c *countingStore) TouchKeys(ctx context.Context, used map[string]time.Time) error {
	c.mu.Lock()
	c.touches = append(c.touches, used)
	c.mu.Unlock()
	return c.Store.TouchKeys(ctx, used)
}

func (c *countingStore) touchBatches() []map[string]time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]time.Time(nil), c.touches...)
}

// clock is a fake clock safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// fixture is a store, a manager and a clock to build verifiers on.
type fixture struct {
	st    *countingStore
	mgr   *Manager
	clock *clock
}

func newFixture(t testing.TB, dsn string) *fixture {
	t.Helper()
	st := &countingStore{Store: storetest.Open(t, dsn)}
	c := newClock()
	mgr, err := NewManager(st.Store, testPepper, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, mgr: mgr, clock: c}
}

// verifier returns a verifier on f's store and clock, closed when t ends.
func (f *fixture) verifier(t testing.TB, cfg Config) *Verifier {
	t.Helper()
	cfg.Pepper, cfg.Now = testPepper, f.clock.Now
	v, err := NewVerifier(cfg, f.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

// create makes a key for consumer "shop" and returns its plaintext and id.
func (f *fixture) create(t testing.TB, req CreateRequest) (string, string) {
	t.Helper()
	if req.Consumer == "" {
		req.Consumer = "shop"
	}
	plain, k, err := f.mgr.Create(context.Background(), req)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return plain, k.ID
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
