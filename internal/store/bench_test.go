package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
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
