package config

import (
	"strings"
	"testing"
)

func TestAuditStorageProblems(t *testing.T) {
	route := "      - match: /a\n"
	tests := []struct{ name, audit, want string }{
		{"bad share", "audit:\n  tiers:\n    allowed_sample: lots\n",
			`c.yaml:3:21: audit.tiers.allowed_sample: error: expected a share like 1% or 0.01, got "lots"`},
		{"share over 100%", "audit:\n  tiers:\n    allowed_sample: 150%\n",
			`c.yaml:3:21: audit.tiers.allowed_sample: error: must be between 0% and 100%, got "150%"`},
		{"negative budget", "audit:\n  tiers:\n    refusal_budget: -1\n",
			"c.yaml:3:21: audit.tiers.refusal_budget: error: must be at least 0, got -1"},
		{"on_failure", "audit:\n  on_failure: crash\n",
			`c.yaml:2:15: audit.on_failure: error: expected open or block, got "crash"`},
		{"rotation too small", "audit:\n  rotation:\n    max_size: 10KiB\n",
			"c.yaml:3:15: audit.rotation.max_size: error: must be at least 1MiB (the rotation works in whole MiB)"},
		{"otlp url", "audit:\n  export:\n    otlp: collector:4318\n",
			"c.yaml:3:11: audit.export.otlp: error: expected an OTLP/HTTP logs URL like http://collector:4318/v1/logs"},
		{"syslog url", "audit:\n  export:\n    syslog: udp://host\n",
			"c.yaml:3:13: audit.export.syslog: error: expected udp://HOST:PORT or tcp://HOST:PORT"},
		{"wait without the store", "audit:\n  store: false\n  wait_for_store: true\n",
			"c.yaml:3:19: audit.wait_for_store: error: needs audit.store: true (the wait is for the store's write)"},
		{"unknown key", "audit:\n  tiers:\n    store_everything: true\n", "c.yaml:3:5: audit.tiers.store_everything: error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := parseString(t, tt.audit+base+route)
			if !diags.HasErrors() || !strings.HasPrefix(diags.String(), tt.want) {
				t.Errorf("got\n%s\nwant\n%s", diags, tt.want)
			}
		})
	}
}

func TestAuditStorageValues(t *testing.T) {
	plan, diags := parseString(t, "audit:\n  tiers: {store_all: true, refusal_budget: 5, allowed_sample: 0.5%}\n"+
		"  max_size: 2GiB\n  on_failure: block\n  wait_for_store: true\n  rotation: {max_size: 5MiB, max_files: 3, compress: false}\n"+
		"  export: {otlp: \"http://127.0.0.1:4318/v1/logs\", syslog: \"tcp://127.0.0.1:514\"}\n"+base+"      - match: /a\n")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	a := plan.Audit
	if !a.Tiers.StoreAll || a.Tiers.RefusalBudget != 5 || a.Tiers.AllowedSample != 0.005 || a.MaxSize != 2<<30 ||
		a.OnFailure != "block" || !a.WaitForStore || a.Rotation != (AuditRotation{MaxSize: 5 << 20, Every: day, MaxAge: defaultAuditFileMaxAge, MaxFiles: 3}) ||
		a.Export.OTLPEndpoint != "http://127.0.0.1:4318/v1/logs" || a.Export.Syslog != "tcp://127.0.0.1:514" {
		t.Fatalf("audit = %+v", a)
	}
}
