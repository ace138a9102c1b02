package console

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func TestQuantile(t *testing.T) {
	var h [audit.LatencyBuckets]int64
	if quantile(&h, 0.5) != 0 || latencyLabel(&h, 0.5) != "—" {
		t.Error("an empty histogram has a quantile")
	}
	h[2], h[5] = 98, 2 // 98 requests ≤ 5 ms, 2 ≤ 50 ms
	if got := quantile(&h, 0.5); got != 5 {
		t.Errorf("p50 = %g, want 5", got)
	}
	if got := quantile(&h, 0.99); got != 50 {
		t.Errorf("p99 = %g, want 50", got)
	}
	h[audit.LatencyBuckets-1] = 1000
	if got := latencyLabel(&h, 0.99); got != "> 5000 ms" {
		t.Errorf("p99 label %q", got)
	}
}

// The dashboard counts what the counter sink wrote, stacks refusals by
// threat, and raises the brute-force, campaign and injection alerts at their
// thresholds.
func TestBuildDashboard(t *testing.T) {
	st := storetest.Open(t, storetest.SQLiteDSN(t))
	now := time.Now().UTC()
	var evs []audit.Event
	add := func(n int, ip, reason string, decision string) {
		for i := range n {
			evs = append(evs, audit.Event{Time: now.Add(-time.Duration(i) * time.Second), API: "shop", Route: "login",
				ClientIP: ip, Principal: "app", Decision: decision, Reason: reason, Status: 401, LatencyMS: 2})
		}
	}
	add(BruteForceThreshold, "203.0.113.1", "unknown_key", audit.DecisionDeny) // one address guessing keys
	for i := range CampaignAddresses {                                         // and many addresses, a few each
		add(2, fmt.Sprint("198.51.100.", i), "expired", audit.DecisionDeny)
	}
	add(InjectionThreshold-1, "203.0.113.9", "injection_sqli", audit.DecisionDeny)
	add(1, "203.0.113.9", "injection_cmdi_monitored", audit.DecisionAllow)
	add(50, "192.0.2.1", "", audit.DecisionAllow)
	sink := audit.NewCounterSink("test", st)
	if err := sink.Write(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	d, err := BuildDashboard(context.Background(), st, rangeByName("15m"), now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Requests != int64(len(evs)) || d.Refused != int64(BruteForceThreshold+2*CampaignAddresses+InjectionThreshold-1) {
		t.Errorf("requests %d refused %d", d.Requests, d.Refused)
	}
	kinds := map[string]string{}
	for _, a := range d.Alerts {
		kinds[a.Kind] = a.Title + " " + a.Detail
	}
	if !strings.Contains(kinds["brute_force"], "203.0.113.1") || kinds["credential_campaign"] == "" ||
		!strings.Contains(kinds["injection_burst"], "203.0.113.9") {
		t.Errorf("alerts %v", kinds)
	}
	byThreat := map[audit.Threat]int64{}
	for _, x := range d.ByThreat {
		byThreat[x.Threat] = x.Count
	}
	if byThreat[audit.ThreatAuthentication] != int64(BruteForceThreshold+2*CampaignAddresses) || byThreat[audit.ThreatInjection] != InjectionThreshold-1 {
		t.Errorf("by threat %v", byThreat)
	}
	for i, c := range d.Charts {
		if !strings.Contains(string(c), `class="pt `) {
			t.Errorf("chart %d has no points", i)
		}
	}
	if len(d.Clients) == 0 || d.Clients[0].Key != "203.0.113.1" {
		t.Errorf("top clients %+v", d.Clients)
	}
}
