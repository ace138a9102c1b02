package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestAddQuotaLeavesCallerSlice: AddQuota sorts a copy (for lock order),
// never the caller's slice.
func TestAddQuotaLeavesCallerSlice(t *testing.T) {
	s := storetest.Open(t, storetest.SQLiteDSN(t))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	in := []store.QuotaDelta{{Key: "b", PeriodStart: start, Delta: 1}, {Key: "a", PeriodStart: start, Delta: 2}}
	want := slices.Clone(in)
	if err := s.AddQuota(context.Background(), in); err != nil {
		t.Fatalf("AddQuota: %v", err)
	}
	if !slices.Equal(in, want) {
		t.Errorf("caller's deltas reordered: %+v", in)
	}
}
