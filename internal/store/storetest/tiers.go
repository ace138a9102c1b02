package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// runTiers runs the conformance cases of the audit tiers and bounds.
func runTiers(t *testing.T, open Opener) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"TieredRollupsAdd", testTieredRollupsAdd},
		{"TieredRefusals", testTieredRefusals},
		{"TieredAtomic", testTieredAtomic},
		{"BoundsBySize", testBoundsBySize},
		{"BoundsRollupAge", testBoundsRollupAge},
		{"FreeSpaceFloor", testFreeSpaceFloor},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
}

func minute() time.Time { return base().UTC().Truncate(time.Minute) }

func rollup(consumer string, n int64) audit.Rollup {
	r := audit.Rollup{RollupKey: audit.RollupKey{Minute: minute(), API: "shop", Route: "list", Consumer: consumer,
		StatusClass: 2, Decision: audit.DecisionAllow}, Count: n, LatencySumMS: 1.5 * float64(n)}
	r.Latency[1] = n
	return r
}

func testTieredRollupsAdd(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	for range 3 {
		if err := s.AppendTiered(ctx, &audit.TieredBatch{Rollups: []audit.Rollup{rollup("alice", 10), rollup("bob", 1)}}); err != nil {
			t.Fatalf("AppendTiered: %v", err)
		}
	}
	rows, err := s.QueryRollups(ctx, store.RollupFilter{Consumer: "alice"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("QueryRollups = %+v, %v; want one row", rows, err)
	}
	r := rows[0]
	if !r.Minute.Equal(minute()) || r.Count != 30 || r.LatencySumMS != 45 || r.Latency[1] != 30 || r.Latency[0] != 0 {
		t.Fatalf("row = %+v; want 30 requests added up in minute %v", r, minute())
	}
	if rows, _ := s.QueryRollups(ctx, store.RollupFilter{Since: minute().Add(time.Minute)}); len(rows) != 0 {
		t.Fatalf("Since after the minute returned %d rows", len(rows))
	}
	if rows, _ := s.QueryRollups(ctx, store.RollupFilter{}); len(rows) != 2 {
		t.Fatalf("all rollups: %d rows, want 2", len(rows))
	}
}

func testTieredRefusals(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	sum := func(n int64, samples ...string) audit.RefusalSummary {
		return audit.RefusalSummary{RefusalKey: audit.RefusalKey{Minute: minute(), ClientIP: "203.0.113.9",
			Reason: "ratelimit.exceeded", Route: "list"}, Count: n, Samples: samples}
	}
	if err := s.AppendTiered(ctx, &audit.TieredBatch{Events: []audit.Event{event("full", 0)},
		Summaries: []audit.RefusalSummary{sum(100, "a", "b c")}}); err != nil {
		t.Fatalf("AppendTiered: %v", err)
	}
	if err := s.AppendTiered(ctx, &audit.TieredBatch{Summaries: []audit.RefusalSummary{sum(50, "d")}}); err != nil {
		t.Fatalf("AppendTiered: %v", err)
	}
	rows, err := s.QueryRefusals(ctx, store.RollupFilter{ClientIP: "203.0.113.9"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("QueryRefusals = %+v, %v", rows, err)
	}
	if r := rows[0]; r.Count != 150 || fmt.Sprint(r.Samples) != "[a b_c]" || r.Reason != "ratelimit.exceeded" {
		t.Fatalf("summary = %+v; want 150 with the first samples", r)
	}
	if got := mustQuery(t, s, store.AuditFilter{}); len(got) != 1 {
		t.Fatalf("%d events stored, want 1", len(got))
	}
}

func testTieredAtomic(t *testing.T, open Opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.AppendTiered(ctx, &audit.TieredBatch{Events: []audit.Event{event("x", 0)}, Rollups: []audit.Rollup{rollup("a", 1)}})
	if err == nil {
		t.Fatal("AppendTiered with a cancelled context succeeded")
	}
	if rows, _ := s.QueryRollups(context.Background(), store.RollupFilter{}); len(rows) != 0 {
		t.Fatalf("failed batch left %d rollups", len(rows))
	}
}

func testBoundsBySize(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	batch := make([]audit.Event, 500)
	for i := range 40 {
		for j := range batch {
			batch[j] = event(fmt.Sprintf("e-%d-%d", i, j), time.Duration(i*500+j)*time.Millisecond)
			batch[j].Path = fmt.Sprintf("/items/%0200d", j) // ~200 bytes more per row
		}
		mustAppend(t, s, batch...)
	}
	before, err := s.AuditSize(ctx)
	if err != nil || before <= 0 {
		t.Fatalf("AuditSize = %d, %v", before, err)
	}
	limit := before / 2
	res, err := s.EnforceAuditBounds(ctx, store.AuditBounds{MaxBytes: limit})
	if err != nil {
		t.Fatalf("EnforceAuditBounds: %v", err)
	}
	if res.BySize == 0 || res.BySize >= 20000 {
		t.Fatalf("deleted %d of 20000 rows by size", res.BySize)
	}
	// The newest rows stay, the oldest go.
	if got := mustQuery(t, s, store.AuditFilter{RequestID: "e-39-499"}); len(got) != 1 {
		t.Fatal("newest event was pruned")
	}
	if got := mustQuery(t, s, store.AuditFilter{RequestID: "e-0-0"}); len(got) != 0 {
		t.Fatal("oldest event survived the size prune")
	}
	if s.Dialect() == store.DialectSQLite && res.SizeAfter > limit {
		t.Fatalf("size after prune %d > limit %d (before %d)", res.SizeAfter, limit, before)
	}
}

func testBoundsRollupAge(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	old, recent := rollup("old", 1), rollup("new", 1)
	old.Minute = time.Now().Add(-48 * time.Hour).Truncate(time.Minute)
	recent.Minute = time.Now().Truncate(time.Minute)
	if err := s.AppendTiered(ctx, &audit.TieredBatch{Rollups: []audit.Rollup{old, recent}}); err != nil {
		t.Fatal(err)
	}
	res, err := s.EnforceAuditBounds(ctx, store.AuditBounds{RollupMaxAge: 24 * time.Hour})
	if err != nil || res.Rollups != 1 {
		t.Fatalf("EnforceAuditBounds = %+v, %v; want 1 rollup pruned", res, err)
	}
	rows, _ := s.QueryRollups(ctx, store.RollupFilter{})
	if len(rows) != 1 || rows[0].Consumer != "new" {
		t.Fatalf("left %+v", rows)
	}
}

func testFreeSpaceFloor(t *testing.T, open Opener) {
	s := open(t)
	s.SetFreeSpaceFloor(1 << 62) // more than any disk has
	err := s.AppendAudit(context.Background(), []audit.Event{event("x", 0)})
	if s.Dialect() != store.DialectSQLite {
		if err != nil {
			t.Fatalf("PostgreSQL is not floor-checked, got %v", err)
		}
		return
	}
	if !errors.Is(err, store.ErrLowDiskSpace) {
		t.Fatalf("append under the floor = %v, want ErrLowDiskSpace", err)
	}
	s.SetFreeSpaceFloor(1)
	mustAppend(t, s, event("y", 0))
	if got := mustQuery(t, s, store.AuditFilter{}); len(got) != 1 {
		t.Fatalf("%d events, want only the one written above the floor", len(got))
	}
}
