package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// base is a valid config that the snippet tests extend.
const base = "admin:\n  listen: off\napis:\n  - name: shop\n    upstream: http://127.0.0.1:9001\n    auth: [none]\n    routes:\n"

func parseString(t *testing.T, src string) (*Plan, Diagnostics) {
	t.Helper()
	return Parse("c.yaml", []byte(src), testEnv, failRead)
}

// TestParseProblems checks single problems by their rendered diagnostic.
func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the diagnostics, rendered, one a line
	}{
		{"methods twice", base + "      - match: GET /a\n        methods: [POST]\n",
			"c.yaml:9:18: apis[0].routes[0].methods: error: methods are already given in match; use one or the other"},
		{"empty methods", base + "      - match: /a\n        methods: []\n",
			"c.yaml:9:18: apis[0].routes[0].methods: error: list at least one method, or remove methods to allow any"},
		{"no routes", base,
			"c.yaml:7:12: apis[0].routes: error: at least one route is required (match: /** passes every path)"},
		{"missing match", base + "      - name: x\n",
			"c.yaml:8:9: apis[0].routes[0].match: error: match is required, like \"GET /users/{id}\" or \"/health\""},
		{"missing name", "admin: {listen: \"off\"}\napis:\n  - upstream: http://h\n    routes: [{match: /a, auth: [none]}]\n",
			"c.yaml:3:5: apis[0].name: error: name is required"},
		{"missing upstream", "admin: {listen: \"off\"}\napis:\n  - name: a\n    routes: [{match: /a, auth: [none]}]\n",
			"c.yaml:3:5: apis[0].upstream: error: upstream is required"},
		{"no apis", "admin: {listen: \"off\"}\n",
			"c.yaml:1:1: apis: error: at least one API is required under apis:"},
		{"token required", strings.Replace(base, "listen: off", "listen: 127.0.0.1:9090", 1) + "      - match: /a\n",
			"c.yaml:2:3: admin.token: error: admin.token is required while the admin API is enabled (or set admin.listen: off)"},
		{"tls half", "server:\n  tls: {key_file: k.pem}\n" + base + "      - match: /a\n",
			"c.yaml:2:8: server.tls: error: set both cert_file and key_file, or remove tls"},
		{"tls missing files", "server:\n  tls: {cert_file: c.pem, key_file: k.pem}\n" + base + "      - match: /a\n",
			"c.yaml:2:20: server.tls.cert_file: error: cannot read c.pem: no files in this test\n" +
				"c.yaml:2:37: server.tls.key_file: error: cannot read k.pem: no files in this test"},
		{"upstream mapping kind", "admin: {listen: \"off\"}\napis:\n  - name: a\n    upstream: [x]\n    routes: [{match: /a, auth: [none]}]\n",
			"c.yaml:4:15: apis[0].upstream: error: expected a URL or a mapping, got a list"},
		{"upstream no host", strings.Replace(base, "http://127.0.0.1:9001", "http://", 1) + "      - match: /a\n",
			"c.yaml:5:15: apis[0].upstream: error: upstream URL needs a host, got \"http://\""},
		{"route host not in api", strings.Replace(base, "upstream:", "hosts: [a.example.com]\n    upstream:", 1) + "      - match: /a\n        host: b.example.com\n",
			"c.yaml:10:15: apis[0].routes[0].host: error: host \"b.example.com\" is not one of this API's hosts (a.example.com)"},
		{"duplicate route names", base + "      - match: /a\n      - match: /b\n        name: /a\n",
			"c.yaml:10:15: apis[0].routes[1].name: error: duplicate route name \"/a\" in this API (first at line 8): give one a distinct name"},
		{"empty content types", "limits: {content_types: []}\n" + base + "      - match: /a\n",
			"c.yaml:1:25: limits.content_types: error: list at least one media type (use \"*/*\" to allow any)"},
		{"unknown override header", "limits: {keep_override_headers: [X-HTTP-Method-Override, X-Forwarded-For]}\n" + base + "      - match: /a\n",
			"c.yaml:1:58: limits.keep_override_headers[1]: error: \"X-Forwarded-For\" is not an override header; expected one of X-Http-Method-Override, X-Http-Method, X-Method-Override, X-Original-Url, X-Rewrite-Url, X-Original-Uri, X-Original-Method, X-Envoy-Original-Path"},
		{"zero body", "limits: {max_body: 0}\n" + base + "      - match: /a\n",
			"c.yaml:1:20: limits.max_body: error: must be greater than 0"},
		{"bad duplicate keys mode", "limits: {json_duplicate_keys: allow}\n" + base + "      - match: /a\n",
			"c.yaml:1:31: limits.json_duplicate_keys: error: expected one of guarded, reject, got \"allow\""},
		{"huge header limit", "limits: {max_header_bytes: 3GiB}\n" + base + "      - match: /a\n",
			"c.yaml:1:28: limits.max_header_bytes: error: must be at most 2GiB"},
		{"block without timeout", "audit: {overflow: block, block_timeout: 0s}\n" + base + "      - match: /a\n",
			"c.yaml:1:41: audit.block_timeout: error: must be greater than 0: a full queue must not stall requests forever"},
		{"bad template", base + "      - match: GET /a/{\n",
			"c.yaml:8:16: apis[0].routes[0].match: error: invalid path template \"/a/{\""},
		{"quoted integer", "audit: {queue_size: \"5\"}\n" + base + "      - match: /a\n",
			"c.yaml:1:21: audit.queue_size: error: expected an integer, got \"5\""},
		{"string for mapping", "server: on\n" + base + "      - match: /a\n",
			"c.yaml:1:9: server: error: expected a mapping, got \"on\""},
		{"sqlite options", "store: \"sqlite:b.db?_pragma=x\"\n" + base + "      - match: /a\n",
			"c.yaml:1:8: store: error: the sqlite path must not contain ? or #: driver options are set by Bulwark"},
		{"unknown store", "store: mysql://root:pw@db/x\n" + base + "      - match: /a\n",
			"c.yaml:1:8: store: error: unsupported store \"mysql:\": expected sqlite:PATH or postgres://USER@HOST/DB"},
		{"dsn without scheme", "store: \"host=db password=pw\"\n" + base + "      - match: /a\n",
			"c.yaml:1:8: store: error: expected sqlite:PATH or postgres://USER@HOST/DB"},
		{"same listener", "metrics: {listen: \":8080\"}\n" + base + "      - match: /a\n",
			"c.yaml:1:19: metrics.listen: error: :8080 is already used by server.listen"},
		{"metrics path", "metrics: {path: metrics}\n" + base + "      - match: /a\n",
			"c.yaml:1:17: metrics.path: error: must start with /, got \"metrics\""},
		{"sqlite without path", "store: \"sqlite:\"\n" + base + "      - match: /a\n",
			"c.yaml:1:8: store: error: sqlite: needs a file path, like sqlite:bulwark.db"},
		{"non-loopback admin", "admin:\n  listen: :9090\n  token: ${env:ADMIN_TOKEN}\n" + strings.TrimPrefix(base, "admin:\n  listen: off\n") + "      - match: /a\n",
			"c.yaml:2:11: admin.listen: warning: the admin API listens on :9090, reachable from the network: prefer 127.0.0.1 or a private interface behind a firewall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := parseString(t, tt.src)
			if len(diags) != strings.Count(tt.want, "\n")+1 || !strings.HasPrefix(diags.String(), tt.want) {
				t.Errorf("got\n%s\nwant\n%s", diags, tt.want)
			}
		})
	}
}

// TestFileLevelProblems checks problems with the file as a whole.
func TestFileLevelProblems(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"too large", make([]byte, MaxFileSize+1), "c.yaml: error: file is 4194305 bytes; the limit is 4194304 (4 MiB)"},
		{"not utf-8", []byte("admin: \xff\xfe\n"), "c.yaml: error: file is not valid UTF-8"},
		{"empty", nil, "c.yaml: error: the file is empty"},
		{"whitespace", []byte("\n\n   \n"), "c.yaml: error: the file is empty"},
		{"null document", []byte("---\n...\n"), "c.yaml: error: the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, diags := Parse("c.yaml", tt.data, testEnv, failRead)
			if plan != nil || len(diags) != 1 || !strings.HasPrefix(diags[0].String(), tt.want) || diags[0].Line != 0 {
				t.Errorf("got %v\n%s", plan, diags)
			}
		})
	}
}

// TestTooManyProblems checks the report is bounded.
func TestTooManyProblems(t *testing.T) {
	src := "admin: {listen: \"off\"}\napis:\n" + strings.Repeat("  - {name: x}\n", 2000)
	_, diags := parseString(t, src)
	if len(diags) != maxDiagnostics+1 || diags[0].String() != "c.yaml: error: 4999 more problems not shown; fix the first 1000 and check again" {
		t.Errorf("got %d diagnostics, first %s", len(diags), diags[0])
	}
}

// TestLimitsMerge checks route > API > top level > built-in, field by field.
func TestLimitsMerge(t *testing.T) {
	src := `admin: {listen: "off"}
limits: {max_body: 1MiB, json_max_depth: 10, max_header_count: 20}
apis:
  - name: a
    upstream: http://h
    auth: [none]
    limits: {max_body: 2MiB, content_types: [application/json], json_duplicate_keys: reject, keep_override_headers: [x-http-method-override, X-HTTP-Method-Override]}
    routes:
      - match: /route
        limits: {max_body: 3MiB, json_max_bytes: 7KB, json_duplicate_keys: guarded, keep_override_headers: [X-Original-URL]}
      - match: /api
  - name: b
    upstream: http://h
    routes:
      - match: /top
        auth: [none]
`
	plan, diags := parseString(t, src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	def := defaultLimits()
	got := []Limits{plan.APIs[0].Routes[0].Limits, plan.APIs[0].Routes[1].Limits, plan.APIs[1].Routes[0].Limits}
	want := []Limits{
		{MaxHeaderBytes: def.MaxHeaderBytes, MaxHeaderCount: 20, MaxBodyBytes: 3 << 20, ReadBodyTimeout: def.ReadBodyTimeout, JSONMaxDepth: 10,
			JSONMaxBytes: 7000, JSONDuplicateKeys: JSONDupGuarded, ContentTypes: []string{"application/json"}, KeepOverrideHeaders: []string{"X-Original-Url"}},
		{MaxHeaderBytes: def.MaxHeaderBytes, MaxHeaderCount: 20, MaxBodyBytes: 2 << 20, ReadBodyTimeout: def.ReadBodyTimeout, JSONMaxDepth: 10,
			JSONMaxBytes: def.JSONMaxBytes, JSONDuplicateKeys: JSONDupReject, ContentTypes: []string{"application/json"}, KeepOverrideHeaders: []string{"X-Http-Method-Override"}},
		{MaxHeaderBytes: def.MaxHeaderBytes, MaxHeaderCount: 20, MaxBodyBytes: 1 << 20, ReadBodyTimeout: def.ReadBodyTimeout, JSONMaxDepth: 10,
			JSONMaxBytes: def.JSONMaxBytes, JSONDuplicateKeys: JSONDupGuarded, ContentTypes: def.ContentTypes},
	}
	for i := range want {
		if !limitsEqual(got[i], want[i]) {
			t.Errorf("route %d limits = %+v, want %+v", i, got[i], want[i])
		}
	}
	// No two routes share a slice: changing one leaves the others alone.
	got[0].ContentTypes[0] = "changed"
	if plan.APIs[0].Routes[1].Limits.ContentTypes[0] != "application/json" {
		t.Error("routes share their content types slice")
	}
}

func limitsEqual(a, b Limits) bool {
	return slices.Equal(a.ContentTypes, b.ContentTypes) && slices.Equal(a.KeepOverrideHeaders, b.KeepOverrideHeaders) &&
		a.MaxHeaderBytes == b.MaxHeaderBytes && a.MaxHeaderCount == b.MaxHeaderCount &&
		a.MaxBodyBytes == b.MaxBodyBytes && a.ReadBodyTimeout == b.ReadBodyTimeout &&
		a.JSONMaxDepth == b.JSONMaxDepth && a.JSONMaxBytes == b.JSONMaxBytes && a.JSONDuplicateKeys == b.JSONDuplicateKeys
}

// TestDefaults checks a minimal config gets every documented default.
func TestDefaults(t *testing.T) {
	plan, diags := parseString(t, base+"      - match: /a\n")
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	s, a, u := plan.Server, plan.Audit, plan.APIs[0].Upstream
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", s.Listen, ":8080"},
		{"read_header_timeout", s.ReadHeaderTimeout, 10 * time.Second},
		{"idle_timeout", s.IdleTimeout, 120 * time.Second},
		{"write_timeout", s.WriteTimeout, time.Duration(0)},
		{"shutdown_grace", s.ShutdownGrace, 30 * time.Second},
		{"admin disabled", plan.Admin.Listen, ""},
		{"metrics path", plan.Metrics.Path, "/metrics"},
		{"store", plan.Store, "sqlite:bulwark.db"},
		{"audit", [4]any{a.Stdout, a.Store, a.QueueSize, a.Overflow}, [4]any{true, true, 10000, "drop"}},
		{"audit durations", [2]time.Duration{a.BlockTimeout, a.Retention}, [2]time.Duration{50 * time.Millisecond, 30 * day}},
		{"log", plan.Log.Level, "info"},
		{"upstream timeouts", [3]time.Duration{u.DialTimeout, u.ResponseHeaderTimeout, u.RequestTimeout}, [3]time.Duration{2 * time.Second, 30 * time.Second, 0}},
		{"health", [4]any{u.HealthPath, u.HealthInterval, u.HealthyThreshold, u.UnhealthyThreshold}, [4]any{"", 5 * time.Second, 2, 3}},
		{"passive", [3]any{u.MaxFails, u.FailWindow, u.EjectFor}, [3]any{3, 10 * time.Second, 30 * time.Second}},
		{"route name", plan.APIs[0].Routes[0].Name, "/a"},
		{"route line", plan.APIs[0].Routes[0].Line, 8},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestNullIsAbsent checks that an empty value takes the default.
func TestNullIsAbsent(t *testing.T) {
	plan, diags := parseString(t, "server:\n  listen:\nlog: ~\n"+base+"      - match: /a\n")
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	if plan.Server.Listen != ":8080" || plan.Log.Level != "info" {
		t.Errorf("got %q, %q", plan.Server.Listen, plan.Log.Level)
	}
}

// TestWarningsStillLoad checks a config with only warnings yields a Plan.
func TestWarningsStillLoad(t *testing.T) {
	src := "admin:\n  token: literal-token-0123456789\n" + strings.TrimPrefix(base, "admin:\n  listen: off\n") + "      - match: /a\n"
	plan, diags := parseString(t, src)
	if plan == nil || diags.HasErrors() || len(diags.Warnings()) != 1 || len(diags.Errors()) != 0 {
		t.Fatalf("plan %v, diags\n%s", plan, diags)
	}
	if plan.Admin.Token != "literal-token-0123456789" {
		t.Errorf("token = %q", plan.Admin.Token)
	}
}

// TestLoad reads from disk: relative paths resolve against the config's
// directory, and the real environment and files are used.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("token", "token-from-file-0123456789\n")
	t.Setenv("BULWARK_TEST_UPSTREAM", "http://127.0.0.1:9001")
	cfg := write("bulwark.yaml", "admin:\n  token: ${file:token}\nstore: sqlite:data/b.db\napis:\n  - name: a\n    upstream: ${env:BULWARK_TEST_UPSTREAM}\n    routes: [{match: /a, auth: [none]}]\n")
	plan, diags := Load(cfg)
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	want := "sqlite:" + filepath.Join(dir, "data", "b.db")
	if plan.Store != want || plan.Admin.Token != "token-from-file-0123456789" || plan.APIs[0].Upstream.Targets[0] != "http://127.0.0.1:9001" || plan.Source != cfg {
		t.Errorf("got store %q token %q targets %q source %q", plan.Store, plan.Admin.Token, plan.APIs[0].Upstream.Targets, plan.Source)
	}

	big := write("big.yaml", strings.Repeat("#", MaxFileSize+10))
	if _, diags := Load(big); len(diags) != 1 || !strings.Contains(diags[0].Message, "the limit is") {
		t.Errorf("big file: %s", diags)
	}
	if _, diags := Load(filepath.Join(dir, "missing.yaml")); len(diags) != 1 || diags[0].Message != "cannot read config: no such file or directory" {
		t.Errorf("missing file: %s", diags)
	}
}

func TestDiagnosticString(t *testing.T) {
	tests := []struct {
		name string
		d    Diagnostic
		want string
	}{
		{"full", Diagnostic{"shop.yaml", 12, 5, "apis[0].routes[1].match", Error, "bad"}, "shop.yaml:12:5: apis[0].routes[1].match: error: bad"},
		{"warning", Diagnostic{"a.yaml", 1, 2, "admin.token", Warning, "w"}, "a.yaml:1:2: admin.token: warning: w"},
		{"no column", Diagnostic{"a.yaml", 4, 0, "", Error, "syntax"}, "a.yaml:4: error: syntax"},
		{"file level", Diagnostic{File: "a.yaml", Message: "too big"}, "a.yaml: error: too big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDiagnosticsSortAndFilter(t *testing.T) {
	ds := Diagnostics{
		{File: "b", Line: 1, Col: 1, Message: "4"},
		{File: "a", Line: 2, Col: 1, Severity: Warning, Message: "3"},
		{File: "a", Line: 1, Col: 9, Message: "2"},
		{File: "a", Line: 1, Col: 1, Message: "1"},
	}
	sortDiagnostics(ds)
	var order string
	for _, d := range ds {
		order += d.Message
	}
	if order != "1234" {
		t.Errorf("order = %s", order)
	}
	if !ds.HasErrors() || len(ds.Errors()) != 3 || len(ds.Warnings()) != 1 {
		t.Errorf("filters wrong: %v", ds)
	}
	if (Diagnostics{{Severity: Warning}}).HasErrors() {
		t.Error("warnings are not errors")
	}
}
