package ownership

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// backend names a way to get a fresh database for a test.
type backend struct {
	name string
	dsn  func(t testing.TB) string
}

func backends() []backend {
	return []backend{{"sqlite", storetest.SQLiteDSN}, {"postgres", storetest.PostgresDSN}}
}

var errStoreDown = errors.New("store down")

// countingStore is a real store that counts owner lookups and event polls,
// and can be made to fail.
type countingStore struct {
	*store.Store
	lookups    atomic.Int64
	polls      atomic.Int64 // event reads that failed while failEvents was set
	failOwners atomic.Bool  // Owner, SetOwner and DeleteOwner fail
	failEvents atomic.Bool  // event reads fail
}

func newCountingStore(t testing.TB, dsn string) *countingStore {
	return &countingStore{Store: storetest.Open(t, dsn)}
}

func (c *countingStore) Owner(ctx context.Context, typ, id string) (string, error) {
	c.lookups.Add(1)
	if c.failOwners.Load() {
		return "", errStoreDown
	}
	return c.Store.Owner(ctx, typ, id)
}

func (c *countingStore) SetOwner(ctx context.Context, r store.OwnershipRecord) error {
	if c.failOwners.Load() {
		return errStoreDown
	}
	return c.Store.SetOwner(ctx, r)
}

func (c *countingStore) DeleteOwner(ctx context.Context, typ, id string) error {
	if c.failOwners.Load() {
		return errStoreDown
	}
	return c.Store.DeleteOwner(ctx, typ, id)
}

func (c *countingStore) OwnershipEventsSince(ctx context.Context, after int64) ([]store.OwnershipEvent, error) {
	if c.failEvents.Load() {
		c.polls.Add(1)
		return nil, errStoreDown
	}
	return c.Store.OwnershipEventsSince(ctx, after)
}

func (c *countingStore) LatestOwnershipEventID(ctx context.Context) (int64, error) {
	if c.failEvents.Load() {
		c.polls.Add(1)
		return 0, errStoreDown
	}
	return c.Store.LatestOwnershipEventID(ctx)
}

// clock is a settable time source.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// newRecords returns Records over st, closed when t ends.
func newRecords(t testing.TB, st Store, cfg Config) *Records {
	t.Helper()
	r, err := New(st, cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// owner is Owner's result in one comparable value.
type owner struct {
	Owner string
	Found bool
}

func mustOwner(t testing.TB, r *Records, typ, id string) owner {
	t.Helper()
	o, found, err := r.Owner(context.Background(), typ, id)
	if err != nil {
		t.Fatalf("Owner(%s, %s): %v", typ, id, err)
	}
	return owner{o, found}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
