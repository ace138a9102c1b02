package audit

import (
	"context"
	"errors"
	"fmt"
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

// BenchmarkCounterSinkWrite is the counting cost per event as the recorder
// pays it: batches of 1,024 events (20 consumers, 10 routes, 5 % refused from
// 50 addresses) and a flush to a discarding store every 27 batches (one
// second at ~27,000 requests/s).
func BenchmarkCounterSinkWrite(b *testing.B) {
	at := time.Date(2026, 3, 1, 10, 30, 15, 0, time.UTC)
	batch := make([]Event, 1024)
	for i := range batch {
		e := Event{Time: at.Add(time.Duration(i) * time.Millisecond), API: "shop", Route: fmt.Sprint("r", i%10),
			Principal: fmt.Sprint("c", i%20), ClientIP: fmt.Sprint("192.0.2.", i%50), Decision: DecisionAllow,
			Status: 200, LatencyMS: float64(i % 40)}
		if i%20 == 0 {
			e.Decision, e.Reason, e.Status = DecisionDeny, "rate_limited", 429
		}
		batch[i] = e
	}
	s := NewCounterSink("bench", &countersFake{rows: map[string]int64{}})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		_ = s.Write(ctx, batch)
		if n%27 == 26 {
			_ = s.Flush(ctx)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}
