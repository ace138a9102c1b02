package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// volumeEnv sets the requests TestAuditVolume writes (bench/audit-volume.sh
// sets 10,000,000); the default is a short variant for the test suite.
// volumeMaxEnv sets the store's size bound in bytes.
const (
	volumeEnv    = "BULWARK_AUDIT_VOLUME"
	volumeMaxEnv = "BULWARK_AUDIT_VOLUME_MAX_BYTES"
)

// TestAuditVolume writes many requests through the default tiers with the
// store bounded in size, as the gateway's store sink and pruning loop do:
// the store stays under its bound, the rollups count every request, a flood
// of refusals from one address is summarised with every refusal counted, and
// another address's refusals are all stored in full.
func TestAuditVolume(t *testing.T) {
	total := 100_000
	if v := os.Getenv(volumeEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10_000 {
			t.Fatalf("%s=%q: want a number of requests >= 10000", volumeEnv, v)
		}
		total = n
	}
	maxBytes := int64(192 << 10) // the short variant's events in full outgrow it
	if v := os.Getenv(volumeMaxEnv); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 128<<10 {
			t.Fatalf("%s=%q: want bytes >= 131072", volumeMaxEnv, v)
		}
		maxBytes = n
	}
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			s := storetest.Open(t, be.dsn(t))
			ctx := context.Background()
			// On SQLite the bound covers the whole file: the other tables'
			// empty pages (keys, ownership, OAuth) come on top of the events'.
			base, err := s.AuditSize(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if be.name != "sqlite" {
				base = 0
			}
			maxBytes := maxBytes + base
			bounds := store.AuditBounds{MaxBytes: maxBytes}
			tr := audit.NewTierer(audit.DefaultTierConfig())
			// Simulated time: 10,000 requests a second, starting a minute ago.
			start := time.Now().Add(-time.Minute).Truncate(time.Minute)
			batch := make([]audit.Event, 0, 256)
			var flood, quiet int64
			quietEvery := max(total/20/25, 2) // at most 25 refusals: within the budget of any minute
			flush := func() {
				tb := tr.Split(batch)
				if err := s.AppendTiered(ctx, tb); err != nil {
					t.Fatal(err)
				}
				tr.Commit()
				batch = batch[:0]
			}
			for n := range total {
				e := audit.Event{Time: start.Add(time.Duration(n) * 100 * time.Microsecond), RequestID: fmt.Sprintf("r%09d", n),
					API: "shop", Route: "items", Method: "GET", Path: fmt.Sprintf("/items/%d", n%1000), ClientIP: "192.0.2.1",
					Principal: fmt.Sprint("c", n%10), Decision: audit.DecisionAllow, Status: 200, LatencyMS: float64(n%300) / 10}
				switch {
				case n%10 == 0: // a tenth of the traffic: one address flooding refused requests
					e.Decision, e.Reason, e.Status, e.ClientIP = audit.DecisionDeny, "rate_limited", 429, "198.51.100.66"
					flood++
				case n >= total*19/20 && (n-total*19/20)%quietEvery == 1: // another address: 25 refusals, late (the newest survive pruning)
					e.Decision, e.Reason, e.Status, e.ClientIP = audit.DecisionDeny, "not_owner", 404, "203.0.113.5"
					quiet++
				}
				if batch = append(batch, e); len(batch) == cap(batch) {
					flush()
				}
				if n%50_000 == 0 {
					if _, err := s.EnforceAuditBounds(ctx, bounds); err != nil {
						t.Fatal(err)
					}
				}
			}
			flush()
			res, err := s.EnforceAuditBounds(ctx, bounds)
			if err != nil {
				t.Fatal(err)
			}
			size, _ := s.AuditSize(ctx)
			t.Logf("%d requests: store %d bytes (bound %d), pruned by size %d rows in the last pass", total, size, maxBytes, res.BySize)
			if size > maxBytes {
				t.Fatalf("store is %d bytes, over its bound of %d", size, maxBytes)
			}
			var counted int64
			rollups, err := s.QueryRollups(ctx, store.RollupFilter{Limit: store.MaxRollupLimit})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rollups {
				counted += r.Count
			}
			if counted != int64(total) {
				t.Fatalf("rollups count %d requests, sent %d", counted, total)
			}
			if pruned, _ := s.QueryAudit(ctx, store.AuditFilter{RequestID: "r000000003"}); len(pruned) != 0 && total*11/1000 > 4000 {
				t.Fatalf("the oldest events survived: the size bound was never exercised")
			}
			var summarised int64
			refusals, err := s.QueryRefusals(ctx, store.RollupFilter{ClientIP: "198.51.100.66", Limit: store.MaxRollupLimit})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range refusals {
				summarised += r.Count
			}
			minutes := int64(time.Duration(total)*100*time.Microsecond/time.Minute) + 2
			if summarised < flood-minutes*audit.DefaultRefusalBudget || summarised >= flood {
				t.Fatalf("flood of %d: %d summarised; want all but at most %d a minute", flood, summarised, audit.DefaultRefusalBudget)
			}
			if got := len(mustQueryAudit(t, s, store.AuditFilter{ClientIP: "203.0.113.5", Limit: store.MaxAuditLimit})); int64(got) != quiet {
				t.Fatalf("quiet address: %d of %d refusals in full", got, quiet)
			}
		})
	}
}

func mustQueryAudit(t *testing.T, s *store.Store, f store.AuditFilter) []store.AuditRow {
	t.Helper()
	rows, err := s.QueryAudit(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
