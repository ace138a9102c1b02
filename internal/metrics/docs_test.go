package metrics

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/outage"
)

// Every Bulwark metric is in docs/operations.md with its HELP text, and the
// page names no metric that does not exist: the reference cannot drift.
func TestMetricsDocumented(t *testing.T) {
	m := New()
	// Populate the callback collectors, which expose nothing without a source.
	m.SetUpstreamSource(func() []UpstreamHealth { return []UpstreamHealth{{API: "a", Target: "t"}} })
	m.SetAuditSource(func() (uint64, uint64) { return 0, 0 })
	m.SetAuditFailureSource(func() uint64 { return 0 })
	m.SetChangeSource(func() ChangeNotifications { return ChangeNotifications{} })
	m.SetOwnerRecordSource(func() OwnerRecords { return OwnerRecords{} })
	m.SetLimiterSource(func() LimiterHealth { return LimiterHealth{} })
	m.SetIdentityFailureSource(func() IdentityFailures {
		return IdentityFailures{JWKS: []outage.Count{{Name: "i"}}, Introspection: []outage.Count{{Name: "e"}}}
	})
	m.Route("a", "r").Deny("x")
	m.Route("a", "r").Observe(200, "allow", time.Millisecond)
	m.Route("a", "r").ObserveUpstream(time.Millisecond)
	m.SetBuildInfo("v", "r", "go")
	m.alerts.WithLabelValues("k").Inc()
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // metric name → the row's description
	for _, m := range regexp.MustCompile("(?m)^\\| `(bulwark_[a-z_]+)` \\|[^|]*\\|[^|]*\\| (.*) \\|$").FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = m[2]
	}
	seen := map[string]bool{}
	for _, f := range families {
		name := f.GetName()
		if !strings.HasPrefix(name, "bulwark_") {
			continue
		}
		seen[name] = true
		desc, ok := rows[name]
		switch {
		case !ok:
			t.Errorf("%s is not documented in docs/operations.md", name)
		case desc != f.GetHelp():
			t.Errorf("%s: docs say %q, HELP says %q", name, desc, f.GetHelp())
		}
	}
	for name := range rows {
		if !seen[name] {
			t.Errorf("docs/operations.md documents %s, which does not exist", name)
		}
	}
}

func TestDenialsUpstreamLatencyAndBuildInfo(t *testing.T) {
	m := New()
	rm := m.Route("shop", "orders")
	rm.Deny("rate_limited")
	rm.Deny("rate_limited")
	rm.Deny("owner_mismatch")
	rm.ObserveUpstream(3 * time.Millisecond)
	m.SetBuildInfo("1.2.3", "abc", "go1.26")
	m.ConfigLoaded()
	text := scrape(t, m)
	wantLines(t, text, []string{
		`bulwark_denials_total{api="shop",reason="rate_limited",route="orders"} 2`,
		`bulwark_denials_total{api="shop",reason="owner_mismatch",route="orders"} 1`,
		`bulwark_upstream_duration_seconds_bucket{api="shop",route="orders",le="0.005"} 1`,
		`bulwark_build_info{goversion="go1.26",revision="abc",version="1.2.3"} 1`,
	}, []string{"bulwark_config_last_reload_success_timestamp_seconds 0\n"})
}
