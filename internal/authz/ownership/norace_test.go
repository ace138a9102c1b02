//go:build !race

package ownership

import (
	"context"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestOwnerCachedAllocs: a cached lookup allocates nothing (the race
// detector's instrumentation allocates, so this runs without it).
func TestOwnerCachedAllocs(t *testing.T) {
	st := newCountingStore(t, storetest.SQLiteDSN(t))
	r := newRecords(t, st, Config{})
	ctx := context.Background()
	if err := r.Record(ctx, "order", "1001", "alice"); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() { _, _, _ = r.Owner(ctx, "order", "1001") }); n != 0 {
		t.Errorf("cached Owner allocates %v times, want 0", n)
	}
}
