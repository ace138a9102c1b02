package ownership

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func TestConfigDefaults(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		wantErr string
		check   func(c Config) bool
	}{
		{"zero takes defaults", Config{}, "", func(c Config) bool {
			return c.CacheSize == DefaultCacheSize && c.PollInterval == DefaultPollInterval &&
				c.NegativeTTL == DefaultNegativeTTL && c.MaxStale == DefaultMaxStale && c.Now != nil
		}},
		{"max stale follows a slow poll", Config{PollInterval: 5 * time.Second}, "", func(c Config) bool {
			return c.MaxStale == 20*time.Second
		}},
		{"negative size", Config{CacheSize: -1}, "negative", nil},
		{"negative ttl", Config{NegativeTTL: -time.Second}, "negative", nil},
		{"max stale within a poll", Config{PollInterval: time.Second, MaxStale: time.Second}, "must exceed", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.cfg.withDefaults()
			switch {
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			case c.wantErr == "" && err != nil:
				t.Fatalf("err = %v", err)
			case c.check != nil && !c.check(got):
				t.Errorf("config %+v", got)
			}
		})
	}
	if _, err := New(nil, Config{}, nil); err == nil {
		t.Error("New without a store succeeded")
	}
}

// TestCachedHitSkipsStore: once an object is cached, lookups make no store call.
func TestCachedHitSkipsStore(t *testing.T) {
	st := newCountingStore(t, storetest.SQLiteDSN(t))
	r := newRecords(t, st, Config{})
	ctx := context.Background()
	if err := r.Record(ctx, "order", "1001", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := st.Store.SetOwner(ctx, store.OwnershipRecord{ObjectType: "order", ObjectID: "1002", Owner: "bob"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		typ, id     string
		want        owner
		wantLookups int64
	}{
		{"order", "1001", owner{"alice", true}, 0}, // Record cached it
		{"order", "1001", owner{"alice", true}, 0},
		{"order", "1002", owner{"bob", true}, 1}, // written elsewhere: one lookup
		{"order", "1002", owner{"bob", true}, 1},
		{"invoice", "1001", owner{}, 2}, // unknown: one lookup, then remembered
		{"invoice", "1001", owner{}, 2},
	}
	for i, c := range cases {
		if got := mustOwner(t, r, c.typ, c.id); got != c.want || st.lookups.Load() != c.wantLookups {
			t.Errorf("step %d: Owner(%s, %s) = %+v after %d lookups; want %+v after %d",
				i, c.typ, c.id, got, st.lookups.Load(), c.want, c.wantLookups)
		}
	}
}

func TestNegativeCacheExpires(t *testing.T) {
	st := newCountingStore(t, storetest.SQLiteDSN(t))
	clk := newClock()
	r := newRecords(t, st, Config{NegativeTTL: 2 * time.Second, Now: clk.Now})
	ctx := context.Background()
	if got := mustOwner(t, r, "order", "9"); got.Found {
		t.Fatalf("unknown object found: %+v", got)
	}
	// Written behind the cache's back (no events are polled here): the
	// negative entry hides it until NegativeTTL passes.
	if err := st.Store.SetOwner(ctx, store.OwnershipRecord{ObjectType: "order", ObjectID: "9", Owner: "bob"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if got := mustOwner(t, r, "order", "9"); got.Found || st.lookups.Load() != 1 {
		t.Errorf("within the TTL: %+v after %d lookups; want the cached unknown", got, st.lookups.Load())
	}
	clk.Advance(time.Second)
	if got := mustOwner(t, r, "order", "9"); got != (owner{"bob", true}) || st.lookups.Load() != 2 {
		t.Errorf("after the TTL: %+v after %d lookups; want bob from the store", got, st.lookups.Load())
	}
	// A record made through Records replaces a negative entry at once.
	mustOwner(t, r, "order", "10")
	if err := r.Record(ctx, "order", "10", "carol"); err != nil {
		t.Fatal(err)
	}
	if got := mustOwner(t, r, "order", "10"); got != (owner{"carol", true}) {
		t.Errorf("after Record: %+v, want carol", got)
	}
}

// TestStoreErrorsSurface: a store that cannot answer yields an error, never
// "unknown", and the failure is not cached. (A record the store cannot
// take is queued instead: outbox_test.go.)
func TestStoreErrorsSurface(t *testing.T) {
	st := newCountingStore(t, storetest.SQLiteDSN(t))
	r := newRecords(t, st, Config{})
	ctx := context.Background()
	st.failOwners.Store(true)
	o, found, err := r.Owner(ctx, "order", "1")
	if !errors.Is(err, errStoreDown) || found || o != "" {
		t.Errorf("Owner with the store down = %q, %v, %v; want an error wrapping it", o, found, err)
	}
	if err := r.Delete(ctx, "order", "1"); !errors.Is(err, errStoreDown) {
		t.Errorf("Delete with the store down = %v", err)
	}
	st.failOwners.Store(false)
	if err := st.Store.SetOwner(ctx, store.OwnershipRecord{ObjectType: "order", ObjectID: "1", Owner: "alice"}); err != nil {
		t.Fatal(err)
	}
	if got := mustOwner(t, r, "order", "1"); got != (owner{"alice", true}) {
		t.Errorf("after recovery: %+v, want alice (the failure was not cached)", got)
	}
	for _, id := range []string{"", "a\xff", strings.Repeat("x", store.MaxOwnershipField+1)} {
		if _, found, err := r.Owner(ctx, "order", id); !errors.Is(err, store.ErrInvalidOwnership) || found {
			t.Errorf("Owner(order, %q) = %v, %v; want ErrInvalidOwnership", id, found, err)
		}
		if err := r.Record(ctx, "order", id, "alice"); !errors.Is(err, store.ErrInvalidOwnership) {
			t.Errorf("Record(order, %q) = %v; want ErrInvalidOwnership", id, err)
		}
	}
}

func TestDelete(t *testing.T) {
	st := newCountingStore(t, storetest.SQLiteDSN(t))
	r := newRecords(t, st, Config{})
	ctx := context.Background()
	if err := r.Record(ctx, "order", "1", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(ctx, "order", "1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got := mustOwner(t, r, "order", "1"); got.Found {
		t.Errorf("deleted object still owned: %+v", got)
	}
	if err := r.Delete(ctx, "order", "1"); err != nil {
		t.Errorf("Delete of an object with no record = %v, want nil", err)
	}
}

// TestCacheBounded: the cache never holds more than its bounds, and answers
// stay right after evictions.
func TestCacheBounded(t *testing.T) {
	st := newCountingStore(t, storetest.SQLiteDSN(t))
	r := newRecords(t, st, Config{CacheSize: 8, NegativeCacheSize: 4})
	ctx := context.Background()
	var recs []store.OwnershipRecord
	for i := range 100 {
		recs = append(recs, store.OwnershipRecord{ObjectType: "order", ObjectID: fmt.Sprint(i), Owner: fmt.Sprint("u", i)})
	}
	if _, err := st.ImportOwners(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		for i := range 100 {
			if got := mustOwner(t, r, "order", fmt.Sprint(i)); got != (owner{fmt.Sprint("u", i), true}) {
				t.Fatalf("round %d: order %d: %+v", round, i, got)
			}
			if got := mustOwner(t, r, "ghost", fmt.Sprint(i)); got.Found {
				t.Fatalf("round %d: ghost %d found", round, i)
			}
			if owners, unknown := r.cache.len(); owners > 8 || unknown > 4 {
				t.Fatalf("cache holds %d owners and %d unknown, want at most 8 and 4", owners, unknown)
			}
		}
	}
	for range 10 {
		if err := r.Record(ctx, "order", "new", "alice"); err != nil {
			t.Fatal(err)
		}
	}
	if owners, _ := r.cache.len(); owners > 8 {
		t.Errorf("after Record: %d owners cached", owners)
	}
}

// TestStaleCacheIsBypassed: when polling has failed for MaxStale, lookups
// read the store instead of trusting a cache that may miss changes.
func TestStaleCacheIsBypassed(t *testing.T) {
	st := newCountingStore(t, storetest.SQLiteDSN(t))
	clk := newClock()
	r := newRecords(t, st, Config{PollInterval: 5 * time.Millisecond, MaxStale: time.Minute, Now: clk.Now})
	ctx := context.Background()
	// Before the first poll, lookups read the store.
	st.failEvents.Store(true)
	r.Start(ctx)
	waitFor(t, "a failed poll", func() bool { return st.polls.Load() > 0 })
	mustOwner(t, r, "order", "1")
	mustOwner(t, r, "order", "1")
	if n := st.lookups.Load(); n != 2 {
		t.Errorf("before the first poll: %d lookups, want 2 (cache bypassed)", n)
	}
	st.failEvents.Store(false)
	waitFor(t, "the first poll", func() bool { return r.polledAt.Load() != 0 })
	mustOwner(t, r, "order", "1")
	before := st.lookups.Load()
	mustOwner(t, r, "order", "1")
	if n := st.lookups.Load(); n != before {
		t.Errorf("while polling works: %d lookups, want %d (cached)", n, before)
	}
	st.failEvents.Store(true)
	failed := st.polls.Load()
	waitFor(t, "a failed poll", func() bool { return st.polls.Load() > failed })
	clk.Advance(time.Minute)
	mustOwner(t, r, "order", "1")
	if n := st.lookups.Load(); n != before+1 {
		t.Errorf("polling failed for MaxStale: %d lookups, want %d (cache bypassed)", n, before+1)
	}
	r.Close()
	r.Close() // idempotent
}
