package audit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// countersFake records what a CounterSink appends, failing when told to.
type countersFake struct {
	fail bool
	rows map[string]int64
}

func (f *countersFake) AppendCounters(_ context.Context, cs []Counter) error {
	if f.fail {
		return errors.New("store down")
	}
	for _, c := range cs {
		f.rows[c.Span.String()+"|"+c.Dim+"|"+c.Key+"|"+c.Decision+"|"+c.Reason] += c.Count
	}
	return nil
}

func TestCounterSink(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 30, 15, 0, time.UTC)
	batch := []Event{
		{Time: at, API: "shop", Route: "list", Principal: "app", ClientIP: "192.0.2.1", Decision: DecisionAllow, Status: 200, LatencyMS: 3},
		{Time: at, API: "shop", Route: "list", Principal: "app", ClientIP: "192.0.2.2", Decision: DecisionDeny, Reason: "rate_limited", Status: 429, LatencyMS: 0.2},
		{Time: at, API: "shop", Route: "list", Principal: "app", ClientIP: "192.0.2.2", Decision: DecisionAlert, Reason: "enumeration_distinct_ids"},
		{Time: at, Route: "POST /admin/api/keys", Principal: "admin", Decision: DecisionAdmin, Reason: "admin_action", Status: 201},
	}
	f := &countersFake{fail: true, rows: map[string]int64{}}
	s := NewCounterSink("test", f)
	if err := s.Write(context.Background(), batch[:2]); err != nil {
		t.Fatal(err) // counting cannot fail
	}
	if err := s.Flush(context.Background()); err == nil {
		t.Fatal("a failed append was not reported")
	}
	if len(f.rows) != 0 {
		t.Fatalf("rows appended by a failed flush: %v", f.rows)
	}
	f.fail = false
	if err := s.Write(context.Background(), batch[2:]); err != nil { // counted while the store was down
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); err != nil { // the next tick: everything, once
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); err != nil { // nothing new: no rows twice
		t.Fatal(err)
	}
	for key, want := range map[string]int64{
		"1m0s|total||allow|":                         1,
		"1m0s|total||deny|rate_limited":              1,
		"1m0s|total||alert|enumeration_distinct_ids": 1,
		"1h0m0s|consumer|app|allow|":                 1,
		"1h0m0s|consumer|app|deny|":                  1,
		"24h0m0s|route|shop/list|deny|":              1,
		"1m0s|client|192.0.2.2|deny|rate_limited":    1,
		"1h0m0s|client|192.0.2.2|deny|":              1,
		"1m0s|latency|02||":                          1, // 3 ms: ≤ 5 ms
		"1m0s|latency|00||":                          1,
	} {
		if got := f.rows[key]; got != want {
			t.Errorf("%s = %d, want %d", key, got, want)
		}
	}
	for key := range f.rows {
		if key == "1m0s|client|192.0.2.1|allow|" || key == "1m0s|consumer|admin|admin|" {
			t.Errorf("counted %s", key)
		}
	}
}
