package audit

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 6, 10, 0, 5, 0, time.UTC)

func ev(decision, reason, ip string, status int) Event {
	return Event{Time: t0, RequestID: fmt.Sprintf("r-%s-%s-%d", ip, reason, status), API: "shop", Route: "orders",
		Method: "GET", Path: "/orders", ClientIP: ip, Principal: "alice", Decision: decision, Reason: reason,
		Status: status, LatencyMS: 3}
}

func repeat(e Event, n int) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = e
		out[i].RequestID = fmt.Sprintf("%s-%d", e.RequestID, i)
	}
	return out
}

func countByDecision(es []Event) map[string]int {
	m := map[string]int{}
	for _, e := range es {
		m[e.Decision+"/"+e.ClientIP]++
	}
	return m
}

func rollupTotal(rs []Rollup) (n int64) {
	for _, r := range rs {
		n += r.Count
		var h int64
		for _, b := range r.Latency {
			h += b
		}
		if h != r.Count {
			panic(fmt.Sprintf("histogram %d != count %d", h, r.Count))
		}
	}
	return n
}

func TestTiererSplit(t *testing.T) {
	deny := ev(DecisionDeny, "ratelimit.exceeded", "192.0.2.1", 429)
	other := ev(DecisionDeny, "ratelimit.exceeded", "192.0.2.2", 429)
	allow := ev(DecisionAllow, "", "192.0.2.3", 200)
	monitored := ev(DecisionAllow, "injection_sqli_monitored", "192.0.2.4", 200)
	alert := ev(DecisionAlert, "enumeration_distinct", "192.0.2.1", 404)
	admin := ev(DecisionAdmin, "key.create", "127.0.0.1", 201)

	cases := []struct {
		name          string
		cfg           TierConfig
		batch         []Event
		wantFull      map[string]int
		wantRolled    int64
		wantSummaries int64 // refusals counted in summaries
	}{
		{"alerts and admin actions always in full", TierConfig{RefusalBudget: -1},
			append(repeat(alert, 100), repeat(admin, 50)...),
			map[string]int{"alert/192.0.2.1": 100, "admin/127.0.0.1": 50}, 0, 0},
		{"refusals in full up to the budget per source and reason", TierConfig{RefusalBudget: 5},
			append(repeat(deny, 40), repeat(other, 3)...),
			map[string]int{"deny/192.0.2.1": 5, "deny/192.0.2.2": 3}, 43, 35},
		{"monitored findings on allowed requests are budgeted like refusals", TierConfig{RefusalBudget: 2},
			repeat(monitored, 4), map[string]int{"allow/192.0.2.4": 2}, 4, 2},
		{"allowed requests sampled", TierConfig{AllowedSample: 0.01},
			repeat(allow, 1000), map[string]int{"allow/192.0.2.3": 10}, 1000, 0},
		{"no sample", TierConfig{}, repeat(allow, 1000), map[string]int{}, 1000, 0},
		{"store all", TierConfig{StoreAll: true, RefusalBudget: 1},
			append(repeat(allow, 7), repeat(deny, 9)...),
			map[string]int{"allow/192.0.2.3": 7, "deny/192.0.2.1": 9}, 16, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTierer(c.cfg)
			tb := tr.Split(c.batch)
			if got := countByDecision(tb.Events); fmt.Sprint(got) != fmt.Sprint(c.wantFull) {
				t.Errorf("full events = %v, want %v", got, c.wantFull)
			}
			if got := rollupTotal(tb.Rollups); got != c.wantRolled {
				t.Errorf("rolled up %d, want %d", got, c.wantRolled)
			}
			var summed int64
			for _, s := range tb.Summaries {
				summed += s.Count
				if len(s.Samples) > DefaultSummarySamples || len(s.Samples) == 0 {
					t.Errorf("summary %+v: %d samples", s.RefusalKey, len(s.Samples))
				}
			}
			if summed != c.wantSummaries {
				t.Errorf("summarised %d refusals, want %d", summed, c.wantSummaries)
			}
		})
	}
}

func TestTiererBudgetSpentOnlyOnCommit(t *testing.T) {
	tr := NewTierer(TierConfig{RefusalBudget: 3})
	batch := repeat(ev(DecisionDeny, "waf_blocked", "198.51.100.7", 403), 2)
	for range 2 { // a failed write is retried with the same batch
		if got := len(tr.Split(batch).Events); got != 2 {
			t.Fatalf("uncommitted retry stored %d, want 2", got)
		}
	}
	tr.Commit()
	tb := tr.Split(batch)
	if len(tb.Events) != 1 || len(tb.Summaries) != 1 || tb.Summaries[0].Count != 1 {
		t.Fatalf("after commit: %d full, summaries %+v; want 1 full, 1 summarised", len(tb.Events), tb.Summaries)
	}
	tr.Commit()
	// The next minute has a fresh budget.
	next := batch[0]
	next.Time = t0.Add(time.Minute)
	if tb := tr.Split([]Event{next}); len(tb.Events) != 1 {
		t.Fatalf("next minute: %d full, want 1", len(tb.Events))
	}
}

func TestTiererRollupKeysBounded(t *testing.T) {
	tr := NewTierer(TierConfig{MaxRollupKeys: 3})
	var batch []Event
	for i := range 10 {
		e := ev(DecisionAllow, "", "192.0.2.9", 200)
		e.Principal = fmt.Sprint("user-", i)
		batch = append(batch, e)
	}
	tb := tr.Split(batch)
	if len(tb.Rollups) != 4 {
		t.Fatalf("%d rollup rows, want 3 and %s", len(tb.Rollups), OtherConsumer)
	}
	if last := tb.Rollups[3]; last.Consumer != OtherConsumer || last.Count != 7 {
		t.Fatalf("overflow row = %+v, want %s counting 7", last.RollupKey, OtherConsumer)
	}
	if rollupTotal(tb.Rollups) != 10 {
		t.Fatal("a request was not counted")
	}
}

func TestTiererRollupFields(t *testing.T) {
	tr := NewTierer(TierConfig{})
	a, b := ev(DecisionAllow, "", "192.0.2.1", 201), ev(DecisionError, "upstream_timeout", "192.0.2.1", 504)
	a.LatencyMS, b.LatencyMS = 0.5, 9000
	tb := tr.Split([]Event{a, a, b})
	if len(tb.Rollups) != 2 {
		t.Fatalf("rollups = %+v", tb.Rollups)
	}
	r := tb.Rollups[0]
	want := RollupKey{Minute: t0.Truncate(time.Minute), API: "shop", Route: "orders", Consumer: "alice", StatusClass: 2, Decision: DecisionAllow}
	if r.RollupKey != want || r.Count != 2 || r.Latency[0] != 2 || r.LatencySumMS != 1 {
		t.Errorf("allow rollup = %+v", r)
	}
	if r := tb.Rollups[1]; r.StatusClass != 5 || r.Latency[LatencyBuckets-1] != 1 {
		t.Errorf("error rollup = %+v", r)
	}
}

func BenchmarkTiererSplit(b *testing.B) {
	batch := append(repeat(ev(DecisionAllow, "", "192.0.2.3", 200), 240), repeat(ev(DecisionDeny, "waf_blocked", "192.0.2.1", 403), 16)...)
	tr := NewTierer(DefaultTierConfig())
	b.ReportAllocs()
	for b.Loop() {
		tr.Split(batch)
		tr.Commit()
	}
}
