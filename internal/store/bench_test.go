package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// BenchmarkAppendAudit appends batches of 100 events, as the audit pipeline's
// store sink does; on SQLite each batch is one fsync'd transaction.
func BenchmarkAppendAudit(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			s := storetest.Open(b, be.dsn(b))
			batch := make([]audit.Event, 100)
			for i := range batch {
				batch[i] = audit.Event{Time: time.Unix(1_700_000_000, int64(i)*1000), RequestID: fmt.Sprint("req-", i),
					API: "shop", Route: "list", Method: "GET", Path: "/items/42", ClientIP: "192.0.2.1",
					Principal: "alice", Decision: audit.DecisionAllow, Status: 200, LatencyMS: 3.5, Upstream: "http://127.0.0.1:9000"}
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := s.AppendAudit(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuditTiered writes batches of 256 requests (mostly allowed, a few
// refused) through the default tiers, as the gateway's store sink does, and
// reports requests per second and the store's bytes per request and per event
// stored in full.
func BenchmarkAuditTiered(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			s := storetest.Open(b, be.dsn(b))
			tr := audit.NewTierer(audit.DefaultTierConfig())
			ctx := context.Background()
			batch := make([]audit.Event, 256)
			start := time.Now()
			var n, full int
			b.ReportAllocs()
			for b.Loop() {
				for i := range batch {
					e := audit.Event{Time: start.Add(time.Duration(n) * 100 * time.Microsecond), RequestID: fmt.Sprintf("req-%012d", n),
						API: "shop", Route: "GET /items/{id}", Method: "GET", Path: fmt.Sprintf("/items/%d", n%5000), ClientIP: "192.0.2.1",
						Principal: fmt.Sprint("consumer-", n%20), Decision: audit.DecisionAllow, Status: 200, LatencyMS: 3.5,
						Upstream: "http://127.0.0.1:9000"}
					if n%50 == 0 {
						e.Decision, e.Reason, e.Status, e.ClientIP = audit.DecisionDeny, "ratelimit.exceeded", 429, fmt.Sprint("198.51.100.", n%7)
					}
					batch[i] = e
					n++
				}
				tb := tr.Split(batch)
				full += len(tb.Events)
				if err := s.AppendTiered(ctx, tb); err != nil {
					b.Fatal(err)
				}
				tr.Commit()
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "requests/s")
			size, err := s.AuditSize(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(size)/float64(n), "store_B/request")
			b.ReportMetric(float64(full)/float64(n), "full_share")
		})
	}
}

// BenchmarkAuditEventBytes stores events in full and reports the store's bytes per event.
func BenchmarkAuditEventBytes(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			s := storetest.Open(b, be.dsn(b))
			ctx := context.Background()
			batch := make([]audit.Event, 256)
			n := 0
			start := time.Now()
			for b.Loop() {
				for i := range batch {
					batch[i] = audit.Event{Time: start.Add(time.Duration(n) * time.Millisecond), RequestID: fmt.Sprintf("01JXA4N6Q2%010d", n),
						API: "shop", Route: "GET /items/{id}", Method: "GET", Path: fmt.Sprintf("/items/%d", n), ClientIP: "192.0.2.1",
						Principal: "app:mobile", Decision: audit.DecisionDeny, Reason: "ratelimit.exceeded", Status: 429, LatencyMS: 0.183}
					n++
				}
				if err := s.AppendAudit(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
			if n >= 10000 {
				if _, err := s.EnforceAuditBounds(ctx, store.AuditBounds{}); err != nil {
					b.Fatal(err)
				}
				size, _ := s.AuditSize(ctx)
				b.ReportMetric(float64(size)/float64(n), "B/event")
			}
		})
	}
}
