package console_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/console"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// benchEvents is how many audit events the dashboard benchmark seeds
// (BULWARK_BENCH_EVENTS overrides the default million).
func benchEvents(b *testing.B) int {
	if s := os.Getenv("BULWARK_BENCH_EVENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("BULWARK_BENCH_EVENTS=%q", s)
		}
		return n
	}
	return 1_000_000
}

var benchReasons = []struct {
	reason string
	status int
}{
	{"unknown_key", 401}, {"expired", 401}, {"rate_limited", 429}, {"quota_exceeded", 429}, {"injection_sqli", 403},
	{"waf_blocked", 403}, {"not_owner", 403}, {"insufficient_scope", 403}, {"sensitive_data_blocked", 502},
	{"body_too_large", 413}, {"route_not_found", 404}, {"upstream_unavailable", 502},
}

// seedBench stores n events spread over the 30 days before now — 200
// consumers, 20 routes, 5,000 client addresses, 15% refused over 12 reasons,
// a few enumeration alerts — in full, and counts them with the audit
// pipeline's counter sink, as a gateway with store_all would have.
func seedBench(b *testing.B, st *store.Store, n int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	sink := audit.NewCounterSink("bench", st)
	start := now.Add(-30 * 24 * time.Hour)
	step := 30 * 24 * time.Hour / time.Duration(n)
	const batch = 4096
	evs := make([]audit.Event, 0, batch)
	began := time.Now()
	for i := range n {
		e := audit.Event{Time: start.Add(time.Duration(i) * step), RequestID: fmt.Sprintf("req-%09d", i), API: "shop",
			Route: fmt.Sprintf("GET /r%02d/{id}", i%20), Method: "GET", Path: fmt.Sprintf("/r%02d/%d", i%20, i%997),
			ClientIP: fmt.Sprintf("10.%d.%d.%d", i%5000/250, i%250, i%7), Principal: fmt.Sprintf("consumer-%03d", (i*7)%200),
			Decision: audit.DecisionAllow, Status: 200, LatencyMS: float64(i%400) / 4, Upstream: "http://10.0.0.1:8080"}
		if i%7 == 0 || i%20 == 0 {
			r := benchReasons[(i/7)%len(benchReasons)]
			e.Decision, e.Reason, e.Status = audit.DecisionDeny, r.reason, r.status
		}
		if i%50_000 == 0 {
			e.Decision, e.Reason, e.Status = audit.DecisionAlert, "enumeration_distinct_ids", 0
		}
		evs = append(evs, e)
		if len(evs) == batch || i == n-1 {
			if err := st.AppendAudit(ctx, evs); err != nil {
				b.Fatal(err)
			}
			if err := writeCounters(ctx, sink, evs); err != nil {
				b.Fatal(err)
			}
			evs = evs[:0]
		}
	}
	b.Logf("seeded %d events in %s", n, time.Since(began).Round(time.Second))
}

// BenchmarkDashboard measures one dashboard build (every query the page
// runs: series, latency, three top lists, alerts) over a store seeded with a
// million audit events, per range, on SQLite and PostgreSQL (skipped without
// BULWARK_TEST_POSTGRES_URL). It runs only with -bench: seeding takes a while.
//
//	go test -run '^$' -bench Dashboard -benchtime 20x ./internal/console
func BenchmarkDashboard(b *testing.B) {
	for _, be := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", storetest.SQLiteDSN}, {"postgres", storetest.PostgresDSN}} {
		b.Run(be.name, func(b *testing.B) {
			dsn := be.dsn(b)
			st := storetest.Open(b, dsn)
			now := time.Now().UTC()
			seedBench(b, st, benchEvents(b), now)
			if be.name == "postgres" {
				// What autovacuum does to a table that stopped changing: the
				// visibility map lets the range scans skip the heap.
				db, err := sql.Open("pgx", dsn)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.Exec("VACUUM ANALYZE audit_counters"); err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
			ctx := context.Background()
			for _, rg := range console.Ranges {
				b.Run(rg.Name, func(b *testing.B) {
					for b.Loop() {
						if _, err := console.BuildDashboard(ctx, st, rg, now); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("audit-search", func(b *testing.B) {
				for b.Loop() {
					if _, err := st.QueryAudit(ctx, store.AuditFilter{ClientIP: "10.3.17.2", Reason: "rate_limited", Limit: 50}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// writeCounters counts evs and flushes them, as the recorder does on its tick.
func writeCounters(ctx context.Context, sink *audit.CounterSink, evs []audit.Event) error {
	if err := sink.Write(ctx, evs); err != nil {
		return err
	}
	return sink.Flush(ctx)
}
