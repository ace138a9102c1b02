package apikey

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestRevocationReachesOtherNodes runs two verifiers on one store, as two
// gateway nodes would. Their cache TTL is an hour, so only key_events
// polling can make the second one notice a revocation. On PostgreSQL the
// last case polls only hourly: the change notification must wake it.
func TestRevocationReachesOtherNodes(t *testing.T) {
	bes := backends()
	cases := []struct {
		name string
		dsn  func(testing.TB) string
		poll time.Duration
	}{
		{bes[0].name, bes[0].dsn, 20 * time.Millisecond},
		{bes[1].name, bes[1].dsn, 20 * time.Millisecond},
		{bes[1].name + "/notified", bes[1].dsn, time.Hour},
	}
	for _, be := range cases {
		t.Run(be.name, func(t *testing.T) {
			dsn := be.dsn(t)
			f := newFixture(t, dsn)
			other := newFixture(t, dsn) // the second node's own connection pool
			other.clock = f.clock
			cfg := Config{CacheTTL: time.Hour, PollInterval: be.poll}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			nodes := []*Verifier{f.verifier(t, cfg), other.verifier(t, cfg)}
			for _, v := range nodes {
				v.Start(ctx)
			}
			key, id := f.create(t, CreateRequest{})
			doA, doB := serve(t, nodes[0]), serve(t, nodes[1])
			if doA("", key).Principal == nil || doB("", key).Principal == nil {
				t.Fatal("a node refused a new key")
			}
			// The key's created event drops it from the caches once; then B
			// serves it from its cache.
			waitFor(t, "node B to serve the key from its cache", func() bool {
				before := other.st.lookups.Load()
				return doB("", key).Principal != nil && other.st.lookups.Load() == before
			})
			if err := f.mgr.Revoke(ctx, id); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "node B to refuse the revoked key", func() bool {
				return doB("", key).Reason == authn.ReasonRevoked
			})
			waitFor(t, "node A to refuse the revoked key", func() bool {
				return doA("", key).Reason == authn.ReasonRevoked
			})
		})
	}
}

// TestNewKeyClearsNegativeCache checks that a key created after its hash was
// remembered as unknown is not refused for the negative TTL.
func TestNewKeyClearsNegativeCache(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	v := f.verifier(t, Config{PollInterval: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v.Start(ctx)
	do := serve(t, v)
	unknown, _ := mustNewKey(t)
	if got := do("", unknown); got.Reason != authn.ReasonUnknownKey {
		t.Fatalf("got %+v, want unknown", got)
	}
	before := f.st.lookups.Load()
	f.create(t, CreateRequest{}) // another key: its created event clears the negative cache
	waitFor(t, "the negative cache to be cleared", func() bool {
		do("", unknown)
		return f.st.lookups.Load() > before
	})
}

func TestLastUsedIsBatched(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	k1, id1 := f.create(t, CreateRequest{})
	k2, id2 := f.create(t, CreateRequest{})
	cfg := Config{Pepper: testPepper, Now: f.clock.Now, LastUsedInterval: time.Hour}
	v, err := NewVerifier(cfg, f.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	do := serve(t, v)
	for range 5 {
		for _, k := range []string{k1, k2} {
			if do("", k).Principal == nil {
				t.Fatal("valid key refused")
			}
		}
		f.clock.Advance(2 * time.Second)
	}
	if n := len(f.st.touchBatches()); n != 0 {
		t.Fatalf("%d last-used writes before Close, want none (batched)", n)
	}
	v.Close()
	batches := f.st.touchBatches()
	if len(batches) != 1 || len(batches[0]) != 2 {
		t.Fatalf("last-used writes %v, want one batch of two keys", batches)
	}
	last := f.clock.Now().Add(-2 * time.Second)
	for _, id := range []string{id1, id2} {
		k, err := f.st.KeyByID(context.Background(), id)
		if err != nil || !k.LastUsedAt.Equal(last) {
			t.Errorf("key %s last used %v (%v), want %v", id, k.LastUsedAt, err, last)
		}
	}
	v.Close() // idempotent
}

func TestLastUsedFlushesInBackground(t *testing.T) {
	f := newFixture(t, storetest.SQLiteDSN(t))
	key, id := f.create(t, CreateRequest{})
	v := f.verifier(t, Config{LastUsedInterval: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v.Start(ctx)
	if serve(t, v)("", key).Principal == nil {
		t.Fatal("valid key refused")
	}
	waitFor(t, "last-used to be written", func() bool {
		k, err := f.st.KeyByID(ctx, id)
		return err == nil && k.LastUsedAt.Equal(f.clock.Now())
	})
}
