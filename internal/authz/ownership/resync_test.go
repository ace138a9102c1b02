package ownership

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/changelog"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestPollerResyncsAfterLongOutage: events pruned while a node could not poll
// must not leave it with a cache that missed them. After changelog.ResyncAfter
// without a successful poll, the poller starts again with an empty cache.
func TestPollerResyncsAfterLongOutage(t *testing.T) {
	st := newCountingStore(t, storetest.SQLiteDSN(t))
	clk := newClock()
	r := newRecords(t, st, Config{Now: clk.Now})
	ctx := context.Background()
	if err := st.Store.SetOwner(ctx, store.OwnershipRecord{ObjectType: "order", ObjectID: "1", Owner: "alice"}); err != nil {
		t.Fatal(err)
	}
	p := changelog.New(changelog.Config[store.OwnershipEvent]{
		Name: "ownership events", Latest: st.LatestOwnershipEventID, Since: st.OwnershipEventsSince,
		Page: store.MaxOwnershipEvents, ID: func(e store.OwnershipEvent) int64 { return e.ID },
		Apply: r.apply, Reset: r.cache.reset, Now: clk.Now,
	})
	if _, err := p.Poll(ctx); err != nil { // synchronizes
		t.Fatal(err)
	}
	r.polledAt.Store(clk.Now().UnixNano())
	if o := mustOwner(t, r, "order", "1"); o.Owner != "alice" {
		t.Fatalf("owner %+v", o)
	}
	// The store cannot be read for longer than ResyncAfter; meanwhile the
	// owner changes and the change's event is pruned away.
	st.failEvents.Store(true)
	_, _ = p.Poll(ctx)
	clk.Advance(changelog.ResyncAfter + time.Minute)
	if err := st.Store.SetOwner(ctx, store.OwnershipRecord{ObjectType: "order", ObjectID: "1", Owner: "bob"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Store.SetOwner(ctx, store.OwnershipRecord{ObjectType: "order", ObjectID: "2", Owner: "carol"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Store.PruneOwnershipEvents(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st.failEvents.Store(false)
	if _, err := p.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	r.polledAt.Store(clk.Now().UnixNano())
	if o := mustOwner(t, r, "order", "1"); o.Owner != "bob" {
		t.Fatalf("after the outage the cache still says %+v, want bob", o)
	}
}
