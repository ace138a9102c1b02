package ownership

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
)

// TestChangesReachOtherNodes runs two Records on one store, as two gateway
// nodes would. Their negative TTL is an hour, so only ownership_events
// polling can make the second one notice changes. On PostgreSQL the last
// case polls only hourly: the change notification must wake it.
func TestChangesReachOtherNodes(t *testing.T) {
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
			stA, stB := newCountingStore(t, dsn), newCountingStore(t, dsn) // each node its own pool
			cfg := Config{PollInterval: be.poll, NegativeTTL: time.Hour}
			a, b := newRecords(t, stA, cfg), newRecords(t, stB, cfg)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a.Start(ctx)
			b.Start(ctx)
			waitFor(t, "both nodes to poll", func() bool { return a.polledAt.Load() != 0 && b.polledAt.Load() != 0 })

			// B remembers order 1 as unknown; A creates it.
			if got := mustOwner(t, b, "order", "1"); got.Found {
				t.Fatalf("B found an object never recorded: %+v", got)
			}
			if err := a.Record(ctx, "order", "1", "alice"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "B to see the new record", func() bool { return mustOwner(t, b, "order", "1").Owner == "alice" })
			waitFor(t, "B to serve the record from its cache", func() bool {
				before := stB.lookups.Load()
				return mustOwner(t, b, "order", "1").Owner == "alice" && stB.lookups.Load() == before
			})

			// A change of owner on A reaches B's cache.
			if err := a.Record(ctx, "order", "1", "bob"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "B to see the new owner", func() bool { return mustOwner(t, b, "order", "1").Owner == "bob" })

			// A delete through the store (the CLI or admin API) reaches both.
			if err := stA.Store.DeleteOwner(ctx, "order", "1"); err != nil {
				t.Fatal(err)
			}
			for name, r := range map[string]*Records{"A": a, "B": b} {
				waitFor(t, name+" to forget the deleted record", func() bool { return !mustOwner(t, r, "order", "1").Found })
			}

			// A large import records one reset event: B drops everything.
			if err := a.Record(ctx, "invoice", "7", "carol"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "B to cache invoice 7", func() bool {
				before := stB.lookups.Load()
				return mustOwner(t, b, "invoice", "7").Owner == "carol" && stB.lookups.Load() == before
			})
			recs := []store.OwnershipRecord{{ObjectType: "invoice", ObjectID: "7", Owner: "dave"}}
			for i := range store.ImportEventThreshold {
				recs = append(recs, store.OwnershipRecord{ObjectType: "order", ObjectID: fmt.Sprint(i), Owner: "dave"})
			}
			if _, err := stA.Store.ImportOwners(ctx, recs); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "B to see the imported owner", func() bool { return mustOwner(t, b, "invoice", "7").Owner == "dave" })
		})
	}
}
