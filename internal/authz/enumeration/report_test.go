package enumeration

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
)

type events []audit.Event

func (e *events) Record(ev audit.Event) { *e = append(*e, ev) }

func TestReport(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		alert    Alert
		kind     string
		logWants []string
	}{
		{Alert{Principal: "alice", Route: "get-order", Rule: RuleDistinctIDs, Distinct: 21, Requests: 30},
			"enumeration_distinct_ids", []string{"principal=alice", "route=get-order", "rule=distinct_ids", "distinct=21", "requests=30"}},
		{Alert{Principal: "bob", Route: "r", Rule: RuleDeniedShare, Denied: 9, Requests: 10},
			"enumeration_denied_share", []string{"principal=bob", "rule=denied_share", "denied=9"}},
		{Alert{Principal: "carol", Route: "r", Rule: RuleSequentialIDs, Sequential: 12},
			"enumeration_sequential_ids", []string{"rule=sequential_ids"}},
	} {
		t.Run(tc.alert.Rule, func(t *testing.T) {
			var kinds []string
			var log bytes.Buffer
			var rec events
			r := Reporter{Metric: func(k string) { kinds = append(kinds, k) },
				Logger: slog.New(slog.NewTextHandler(&log, nil)), Audit: &rec}
			ev := audit.Event{RequestID: "req-1", API: "shop", Route: tc.alert.Route, Principal: tc.alert.Principal,
				Object: "order:7", Status: 404, Decision: audit.DecisionAllow, Reason: "", Time: at.Add(-time.Second)}
			r.Report(&tc.alert, ev, at)
			if len(kinds) != 1 || kinds[0] != tc.kind {
				t.Errorf("metric %v, want %s", kinds, tc.kind)
			}
			for _, w := range append(tc.logWants, "level=WARN", "suspected object-id enumeration") {
				if !strings.Contains(log.String(), w) {
					t.Errorf("log %q lacks %q", log.String(), w)
				}
			}
			if len(rec) != 1 {
				t.Fatalf("recorded %d events", len(rec))
			}
			got := rec[0]
			if got.Decision != "alert" || got.Reason != tc.kind || got.Rule != "enumeration" || !got.Time.Equal(at) ||
				got.RequestID != "req-1" || got.Object != "order:7" || got.Status != 404 || got.Principal != tc.alert.Principal {
				t.Errorf("alert event %+v", got)
			}
		})
	}
}
