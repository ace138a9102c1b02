package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestImportOwnersReplacesOnReimport checks that importing the same 100k-row
// shape twice upserts rather than duplicating, across chunk boundaries.
func TestImportOwnersReplacesOnReimport(t *testing.T) {
	s := storetest.Open(t, storetest.SQLiteDSN(t))
	ctx := context.Background()
	recs := ownerRecords(2*500+7, "a")
	for _, owner := range []string{"a", "b"} {
		for i := range recs {
			recs[i].Owner = owner
		}
		if n, err := s.ImportOwners(ctx, recs); err != nil || n != len(recs) {
			t.Fatalf("ImportOwners(%s) = %d, %v", owner, n, err)
		}
	}
	got, err := s.ListOwners(ctx, store.OwnerFilter{Owner: "b", Limit: store.MaxOwnerLimit})
	if err != nil || len(got) != len(recs) {
		t.Fatalf("ListOwners = %d, %v; want %d owned by b", len(got), err, len(recs))
	}
	if rest, _ := s.ListOwners(ctx, store.OwnerFilter{Owner: "a"}); len(rest) != 0 {
		t.Errorf("%d records still owned by a", len(rest))
	}
}

func ownerRecords(n int, owner string) []store.OwnershipRecord {
	recs := make([]store.OwnershipRecord, n)
	for i := range recs {
		recs[i] = store.OwnershipRecord{ObjectType: "order", ObjectID: fmt.Sprint(100000 + i), Owner: owner}
	}
	return recs
}

// BenchmarkImport100k imports 100,000 records into a SQLite file in one
// transaction, as `bulwark owners import` does; later iterations upsert
// over the rows of the first.
func BenchmarkImport100k(b *testing.B) {
	s := storetest.Open(b, storetest.SQLiteDSN(b))
	recs := ownerRecords(100_000, "user-1")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if n, err := s.ImportOwners(ctx, recs); err != nil || n != len(recs) {
			b.Fatalf("ImportOwners = %d, %v", n, err)
		}
	}
}
