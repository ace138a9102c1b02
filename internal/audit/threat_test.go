package audit

import (
	"sort"
	"strings"
	"testing"
)

// Every reason code the gateway can produce — the same set
// TestEveryReasonIsDocumented holds the docs to — and its monitored form map
// to a threat class in the one table.
func TestEveryReasonHasAThreat(t *testing.T) {
	reasons := codeReasons(t)
	if len(reasons) < 50 {
		t.Fatalf("only %d reason codes found in the sources: the scan is broken", len(reasons))
	}
	var missing []string
	for code, where := range reasons {
		forms := []string{code}
		if !strings.HasSuffix(code, "_monitored") {
			forms = append(forms, code+"_monitored")
		}
		for _, c := range forms {
			if _, ok := ThreatOf(c); !ok {
				missing = append(missing, c+" ("+where+")")
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d reason codes have no threat class (audit.threatOf):\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}

func TestThreatOf(t *testing.T) {
	for _, tc := range []struct {
		reason string
		want   Threat
		known  bool
	}{
		{"rate_limited", ThreatRateLimit, true},
		{"injection_sqli", ThreatInjection, true},
		{"injection_sqli_monitored", ThreatInjection, true},
		{"waf_monitored", ThreatInjection, true},
		{"not_owner", ThreatAuthorization, true},
		{"unknown_key", ThreatAuthentication, true},
		{"sensitive_data_blocked", ThreatExposure, true},
		{"body_too_large", ThreatHygiene, true},
		{"graphql_too_deep", ThreatHygiene, true},
		{"upstream_unavailable", ThreatFailure, true},
		{"no_such_code", ThreatOther, false},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			if got, ok := ThreatOf(tc.reason); got != tc.want || ok != tc.known {
				t.Errorf("ThreatOf(%q) = %s, %v; want %s, %v", tc.reason, got, ok, tc.want, tc.known)
			}
		})
	}
}
