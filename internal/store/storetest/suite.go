package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// Opener opens a Store for t. Every call with the same t must reach the same
// database (the suite reopens it to check idempotent migrations), different
// tests must reach isolated, empty databases, and the opener closes what it
// opened when t ends.
type Opener func(t *testing.T) *store.Store

// Run runs the conformance suite, each case as a subtest of t.
func Run(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Basics", testBasics},
		{"MigrationsIdempotent", testMigrationsIdempotent},
		{"EmptyBatch", testEmptyBatch},
		{"CanceledContext", testCanceledContext},
		{"RoundTrip", testRoundTrip},
		{"Filters", testFilters},
		{"Paging", testPaging},
		{"LimitCaps", testLimitCaps},
		{"Prune", testPrune},
		{"PruneManyChunks", testPruneManyChunks},
		{"ConcurrentAppends", testConcurrentAppends},
		{"HostileValues", testHostileValues},
		{"MalformedValues", testMalformedValues},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open) })
	}
	runKeys(t, open)
	runQuota(t, open)
	runOwnership(t, open)
	runTiers(t, open)
}

// base returns the suite's reference time: not UTC and finer than a
// microsecond, to check that stores normalize both.
func base() time.Time {
	return time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.FixedZone("UTC+1", 3600))
}

// event returns a complete event with request id id at base+offset.
func event(id string, offset time.Duration) audit.Event {
	return audit.Event{
		Time: base().Add(offset), RequestID: id, API: "shop", Route: "list", Method: "GET",
		Path: "/items", ClientIP: "192.0.2.1", Principal: "alice", Decision: audit.DecisionAllow,
		Status: 200, LatencyMS: 1.25, Upstream: "http://127.0.0.1:9000",
	}
}

// stored is e as a store returns it: UTC, truncated to microseconds.
func stored(e audit.Event) audit.Event {
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	return e
}

func mustAppend(t *testing.T, s *store.Store, events ...audit.Event) {
	t.Helper()
	if err := s.AppendAudit(context.Background(), events); err != nil {
		t.Fatalf("AppendAudit(%d events): %v", len(events), err)
	}
}

func mustQuery(t *testing.T, s *store.Store, f store.AuditFilter) []store.AuditRow {
	t.Helper()
	rows, err := s.QueryAudit(context.Background(), f)
	if err != nil {
		t.Fatalf("QueryAudit(%+v): %v", f, err)
	}
	return rows
}

// requestIDs lists the rows' request ids in order.
func requestIDs(rows []store.AuditRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.RequestID
	}
	return out
}

// allRows pages through every row, newest first, checking ids strictly fall.
func allRows(t *testing.T, s *store.Store) []store.AuditRow {
	t.Helper()
	var out []store.AuditRow
	f := store.AuditFilter{Limit: store.MaxAuditLimit}
	for {
		page := mustQuery(t, s, f)
		for _, r := range page {
			if f.BeforeID != 0 && r.ID >= f.BeforeID {
				t.Fatalf("row id %d not below BeforeID %d", r.ID, f.BeforeID)
			}
			f.BeforeID = r.ID
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out
		}
	}
}

// sameEvent reports how got differs from want, or "" when they are equal
// (time compared as an instant and required to be UTC).
func sameEvent(got, want audit.Event) string {
	if !got.Time.Equal(want.Time) || got.Time.Location() != time.UTC {
		return fmt.Sprintf("time %s (%s), want %s", got.Time.Format(time.RFC3339Nano), got.Time.Location(), want.Time.Format(time.RFC3339Nano))
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	if got != want {
		return fmt.Sprintf("got %+v\nwant %+v", got, want)
	}
	return ""
}

func testBasics(t *testing.T, open Opener) {
	s := open(t)
	if d := s.Dialect(); d != store.DialectSQLite && d != store.DialectPostgres {
		t.Errorf("Dialect() = %q, want sqlite or postgres", d)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	v, err := s.SchemaVersion(context.Background())
	if err != nil || v < 1 {
		t.Errorf("SchemaVersion() = %d, %v; want >= 1", v, err)
	}
	if rows := mustQuery(t, s, store.AuditFilter{}); len(rows) != 0 {
		t.Errorf("fresh store has %d audit rows, want 0", len(rows))
	}
}

func testMigrationsIdempotent(t *testing.T, open Opener) {
	ctx := context.Background()
	first := open(t)
	v1, err := first.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	mustAppend(t, first, event("kept", 0))
	second := open(t)
	v2, err := second.SchemaVersion(ctx)
	if err != nil || v2 != v1 {
		t.Fatalf("reopened SchemaVersion() = %d, %v; want %d", v2, err, v1)
	}
	if got := requestIDs(mustQuery(t, second, store.AuditFilter{})); len(got) != 1 || got[0] != "kept" {
		t.Fatalf("reopened store sees %v, want [kept]", got)
	}
}

func testEmptyBatch(t *testing.T, open Opener) {
	s := open(t)
	for name, batch := range map[string][]audit.Event{"nil": nil, "empty": {}} {
		if err := s.AppendAudit(context.Background(), batch); err != nil {
			t.Errorf("AppendAudit(%s) = %v, want nil", name, err)
		}
	}
	if rows := mustQuery(t, s, store.AuditFilter{}); len(rows) != 0 {
		t.Errorf("after empty batches: %d rows, want 0", len(rows))
	}
}

func testCanceledContext(t *testing.T, open Opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.AppendAudit(ctx, []audit.Event{event("x", 0)}); err == nil {
		t.Error("AppendAudit with a canceled context succeeded")
	}
	if rows := mustQuery(t, s, store.AuditFilter{}); len(rows) != 0 {
		t.Errorf("canceled append left %d rows", len(rows))
	}
}
