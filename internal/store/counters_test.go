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

// The console counters add up across writes, answer series, top lists and
// totals, and are pruned with the rollups — on both backends.
func TestCounters(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			s := storetest.Open(t, be.dsn(t))
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Minute)
			old := now.Add(-48 * time.Hour)
			var evs []audit.Event
			for i := range 30 {
				e := audit.Event{Time: now.Add(time.Duration(i) * time.Second), API: "shop", Route: "list",
					Principal: fmt.Sprint("c", i%3), ClientIP: "192.0.2.1", Decision: audit.DecisionAllow, Status: 200, LatencyMS: 3}
				if i%3 == 0 {
					e.Decision, e.Reason, e.Status, e.ClientIP = audit.DecisionDeny, "rate_limited", 429, fmt.Sprint("198.51.100.", i%2)
				}
				evs = append(evs, e)
			}
			evs = append(evs, audit.Event{Time: old, API: "shop", Route: "list", Principal: "c9", Decision: audit.DecisionAllow, Status: 200})
			sink := audit.NewCounterSink("test", s)
			for range 2 { // counts add up
				if err := writeCounters(ctx, sink, evs); err != nil {
					t.Fatal(err)
				}
			}
			series, err := s.CounterSeries(ctx, store.CounterFilter{Span: time.Minute, Dim: audit.DimTotal, Since: now})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, r := range series {
				if !r.Bucket.Equal(now) {
					t.Errorf("bucket %v, want %v", r.Bucket, now)
				}
				got[r.Decision+"/"+r.Reason] += r.Count
			}
			if got["allow/"] != 40 || got["deny/rate_limited"] != 20 {
				t.Errorf("series %v", got)
			}
			top, err := s.CounterTop(ctx, store.CounterFilter{Span: time.Hour, Dim: audit.DimClient, Since: now.Truncate(time.Hour)}, false, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(top) != 2 || top[0].Total != 10 || top[0].Refused != 10 || top[0].Key != "198.51.100.0" {
				t.Errorf("top clients %+v", top)
			}
			totals, err := s.CounterTotals(ctx, store.CounterFilter{Span: time.Minute, Dim: audit.DimClient, Since: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(totals) != 2 || totals[0].Reason != "rate_limited" {
				t.Errorf("client totals by the minute %+v", totals)
			}
			all, _ := s.CounterSeries(ctx, store.CounterFilter{Span: 24 * time.Hour, Dim: audit.DimConsumer, Since: old.Add(-24 * time.Hour)})
			if _, err := s.EnforceAuditBounds(ctx, store.AuditBounds{RollupMaxAge: 24 * time.Hour}); err != nil {
				t.Fatal(err)
			}
			left, _ := s.CounterSeries(ctx, store.CounterFilter{Span: 24 * time.Hour, Dim: audit.DimConsumer, Since: old.Add(-24 * time.Hour)})
			if len(left) >= len(all) {
				t.Errorf("pruning kept every counter row: %d of %d", len(left), len(all))
			}
			for _, r := range left {
				if r.Key == "c9" {
					t.Errorf("a counter of 48 hours ago survived a 24-hour retention: %+v", r)
				}
			}
		})
	}
}

// Past MaxCounterKeys keys in one bucket, further keys count as ~other.
func TestCounterKeysAreBounded(t *testing.T) {
	s := storetest.Open(t, storetest.SQLiteDSN(t))
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	evs := make([]audit.Event, audit.MaxCounterKeys+50)
	for i := range evs {
		evs[i] = audit.Event{Time: now, API: "shop", Route: "list", Principal: fmt.Sprint("consumer-", i), Decision: audit.DecisionAllow, Status: 200}
	}
	if err := writeCounters(ctx, audit.NewCounterSink("test", s), evs); err != nil {
		t.Fatal(err)
	}
	top, err := s.CounterTop(ctx, store.CounterFilter{Span: time.Minute, Dim: audit.DimConsumer, Since: now}, false, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 1 || top[0].Key != audit.OtherConsumer || top[0].Total != 50 {
		t.Errorf("top %+v, want ~other with 50", top)
	}
}

// writeCounters counts evs and flushes them, as the recorder does on its tick.
func writeCounters(ctx context.Context, sink *audit.CounterSink, evs []audit.Event) error {
	if err := sink.Write(ctx, evs); err != nil {
		return err
	}
	return sink.Flush(ctx)
}
