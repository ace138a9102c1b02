package ownership

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// BenchmarkOwnerCached is the per-request cost of an ownership check on a
// cached object: no store round trip, no allocation.
func BenchmarkOwnerCached(b *testing.B) {
	r := cachedRecords(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, found, err := r.Owner(ctx, "order", "1001"); !found || err != nil {
			b.Fatal("cached owner not found", err)
		}
	}
}

// BenchmarkOwnerCachedParallel is the same under contention from every CPU.
func BenchmarkOwnerCachedParallel(b *testing.B) {
	r := cachedRecords(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, found, err := r.Owner(ctx, "order", "1001"); !found || err != nil {
				b.Fatal("cached owner not found", err)
			}
		}
	})
}

// cachedRecords returns started Records over 10,000 objects with order
// 1001 cached.
func cachedRecords(b *testing.B) *Records {
	st := newCountingStore(b, storetest.SQLiteDSN(b))
	ctx := context.Background()
	recs := make([]store.OwnershipRecord, 10000)
	for i := range recs {
		recs[i] = store.OwnershipRecord{ObjectType: "order", ObjectID: fmt.Sprint(1000 + i), Owner: "alice"}
	}
	if _, err := st.ImportOwners(ctx, recs); err != nil {
		b.Fatal(err)
	}
	r := newRecords(b, st, Config{})
	r.Start(ctx)
	waitFor(b, "the first poll", func() bool { return r.polledAt.Load() != 0 })
	mustOwner(b, r, "order", "1001")
	before := st.lookups.Load()
	mustOwner(b, r, "order", "1001")
	if st.lookups.Load() != before {
		b.Fatal("owner not served from the cache")
	}
	return r
}
