package inspect

import (
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/route"
)

func TestParseModeFailsClosed(t *testing.T) {
	for in, want := range map[string]mode{"off": modeOff, "monitor": modeMonitor, "block": modeBlock, "": modeBlock, "Off": modeBlock} {
		if got := parseMode(in); got != want {
			t.Errorf("parseMode(%q) = %v, want %v", in, got, want)
		}
	}
}

// fakeValidator answers every request with res and remembers the body.
type fakeValidator struct {
	res  openapi.Result
	body []byte
}

func (f *fakeValidator) Validate(_, _, _ string, _ http.Header, body []byte) openapi.Result {
	f.body = body
	return f.res
}

// fakeWAF answers with v or err and remembers the address it was given.
type fakeWAF struct {
	v      Verdict
	err    error
	remote string
}

func (f *fakeWAF) Check(r *http.Request, _ []byte) (Verdict, error) {
	f.remote = r.RemoteAddr
	return f.v, f.err
}

func inspectOn(mode string) Options {
	return Options{Mode: mode, Config: Config{Headers: []string{"User-Agent"}}}
}

var off = Options{Mode: ModeOff}

func TestGuardCheck(t *testing.T) {
	sqli := "q=1'%20OR%201=1--"
	tests := []struct {
		name   string
		v      ValidationOptions
		i      Options
		w      WAFOptions
		val    *fakeValidator
		waf    *fakeWAF
		query  string
		ct     string
		body   string
		gql    *exchange.Inspection
		status int    // the problem's; 0: admitted
		code   string // the problem's
		rule   string
		object string
		reason string
		alerts string
	}{
		{name: "clean", i: inspectOn("block"), query: "q=shoes"},
		{name: "sqli blocked", i: inspectOn("block"), query: sqli, status: 403, code: "injection_detected",
			rule: "sqli.tautology", object: "query:q", alerts: "injection_sqli"},
		{name: "sqli monitored", i: inspectOn("monitor"), query: sqli, rule: "sqli.tautology", object: "query:q",
			reason: "injection_sqli_monitored", alerts: "injection_sqli"},
		{name: "JSON body finding", i: inspectOn("block"), ct: "application/json", body: `{"user":{"$ne":null}}`,
			status: 403, code: "injection_detected", rule: RuleOperator + ":$ne", object: "body_key:user.$ne", alerts: "injection_nosqli"},
		{name: "operator allowed on its field only", i: Options{Mode: "block", Config: Config{Exclusions: []Exclusion{{Field: "body.filter.$in", Operators: []string{"$in"}}}}},
			ct: "application/json", body: `{"filter":{"$in":[1]},"user":{"$in":[2]}}`,
			status: 403, code: "injection_detected", rule: RuleOperator + ":$in", object: "body_key:user.$in", alerts: "injection_nosqli"},
		{name: "malformed body refused", i: inspectOn("block"), ct: "application/json", body: `{"a":`, status: 400, code: "request_malformed"},
		{name: "malformed body monitored", i: inspectOn("monitor"), ct: "application/json; charset=utf-8", body: `{"a":`},
		{name: "GraphQL arguments inspected, not the query", i: inspectOn("block"), query: "query=" + sqli,
			gql:    &exchange.Inspection{RawQuery: "", Body: []byte(`{"variables":{"id":"1' OR 1=1--"}}`)},
			status: 403, code: "injection_detected", rule: "sqli.tautology", object: "body:variables.id", alerts: "injection_sqli"},
		{name: "GraphQL clean arguments", i: inspectOn("block"), query: "query=" + sqli,
			gql: &exchange.Inspection{RawQuery: "page=2", Body: []byte(`{"variables":{"id":"7"}}`)}},

		{name: "contract: undeclared", v: ValidationOptions{Mode: "block"}, i: off, val: &fakeValidator{res: openapi.Result{Status: 404}},
			status: 404, code: "operation_undeclared"},
		{name: "contract: method", v: ValidationOptions{Mode: "block"}, i: off,
			val: &fakeValidator{res: openapi.Result{Status: 405, Allow: []string{"GET", "POST"}}}, status: 405, code: "method_undeclared"},
		{name: "contract: media type", v: ValidationOptions{Mode: "block"}, i: off, val: &fakeValidator{res: openapi.Result{Status: 415}},
			status: 415, code: "unsupported_media_type"},
		{name: "contract: invalid", v: ValidationOptions{Mode: "block"}, i: off,
			val: &fakeValidator{res: openapi.Result{Status: 400, Errors: []openapi.FieldError{{}}}}, status: 400, code: "request_invalid"},
		{name: "contract: monitored", v: ValidationOptions{Mode: "monitor"}, i: off, val: &fakeValidator{res: openapi.Result{Status: 400}},
			reason: "request_invalid_monitored"},
		{name: "contract: valid, then inspection", v: ValidationOptions{Mode: "block"}, i: inspectOn("block"), val: &fakeValidator{},
			query: sqli, status: 403, code: "injection_detected", rule: "sqli.tautology", object: "query:q", alerts: "injection_sqli"},

		{name: "waf blocks", i: off, w: WAFOptions{Mode: "block"}, waf: &fakeWAF{v: Verdict{Blocked: true, Status: 403, RuleIDs: []int{942100, 949110}}},
			status: 403, code: "waf_blocked", rule: "crs:942100,949110", alerts: "waf_crs"},
		{name: "waf asks 413", i: off, w: WAFOptions{Mode: "block"}, waf: &fakeWAF{v: Verdict{Blocked: true, Status: 413}},
			status: 413, code: "waf_blocked", rule: "crs:", alerts: "waf_crs"},
		{name: "waf redirect is a 403", i: off, w: WAFOptions{Mode: "block"}, waf: &fakeWAF{v: Verdict{Blocked: true, Status: 302}},
			status: 403, code: "waf_blocked", rule: "crs:", alerts: "waf_crs"},
		{name: "waf monitored", i: off, w: WAFOptions{Mode: "monitor"}, waf: &fakeWAF{v: Verdict{Blocked: true, RuleIDs: []int{1}}},
			rule: "crs:1", reason: "waf_monitored", alerts: "waf_crs"},
		{name: "waf passes", i: off, w: WAFOptions{Mode: "block"}, waf: &fakeWAF{}},
		{name: "waf fails closed", i: off, w: WAFOptions{Mode: "block"}, waf: &fakeWAF{err: errors.New("engine")},
			status: 500, code: "waf_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var alerts []string
			d := Deps{Alert: func(k string) { alerts = append(alerts, k) }}
			if tt.val != nil {
				d.Validator = tt.val
			}
			if tt.waf != nil {
				d.WAF = tt.waf
			}
			if tt.w.Mode == "" {
				tt.w.Mode = ModeOff
			}
			if tt.v.Mode == "" {
				tt.v.Mode = ModeOff
			}
			g, err := NewGuard(tt.v, tt.i, tt.w, d)
			if err != nil || g == nil {
				t.Fatalf("NewGuard: %v, %v", g, err)
			}
			r, _ := http.NewRequest("POST", "http://api/p?"+tt.query, strings.NewReader(tt.body))
			r.RemoteAddr = "10.0.0.1:5555"
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			x := &exchange.Exchange{Req: r, RequestID: "rid", Route: "r", Path: "/p",
				Client: netip.MustParseAddr("203.0.113.9"), Match: route.Match{}, Inspection: tt.gql}
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			if body != nil {
				x.SetBody(body)
			}
			p := g.Check(x)
			switch {
			case tt.status == 0 && p != nil:
				t.Fatalf("refused: %v", p)
			case tt.status != 0 && (p == nil || p.Status != tt.status || p.Code != tt.code):
				t.Fatalf("problem %+v, want %d %s", p, tt.status, tt.code)
			}
			n := x.Notes
			if n.Rule != tt.rule || n.Object != tt.object || n.Reason != tt.reason {
				t.Errorf("notes %+v, want rule %q object %q reason %q", n, tt.rule, tt.object, tt.reason)
			}
			if got := strings.Join(alerts, ","); got != tt.alerts {
				t.Errorf("alerts %q, want %q", got, tt.alerts)
			}
			if tt.waf != nil && tt.waf.remote != "203.0.113.9:5555" {
				t.Errorf("waf saw %q, want the believed client", tt.waf.remote)
			}
			if tt.val != nil && string(tt.val.body) != tt.body {
				t.Errorf("validator read %q", tt.val.body)
			}
			if tt.code == "method_undeclared" && p.Header.Get("Allow") != "GET, POST" {
				t.Errorf("Allow = %q", p.Header.Get("Allow"))
			}
		})
	}
}

func TestNewGuard(t *testing.T) {
	offV, offW := ValidationOptions{Mode: ModeOff}, WAFOptions{Mode: ModeOff}
	if g, err := NewGuard(offV, off, offW, Deps{}); g != nil || err != nil {
		t.Fatalf("all off: %v, %v", g, err)
	}
	// Validation without a document is off.
	if g, err := NewGuard(ValidationOptions{Mode: "block"}, off, offW, Deps{}); g != nil || err != nil {
		t.Fatalf("validation without a validator: %v, %v", g, err)
	}
	if _, err := NewGuard(offV, off, WAFOptions{Mode: "block"}, Deps{}); err == nil {
		t.Fatal("a WAF mode without an engine was accepted")
	}
	if _, err := NewGuard(offV, Options{Mode: "block", Config: Config{Detectors: []string{"xss"}}}, offW, Deps{}); err == nil ||
		!strings.HasPrefix(err.Error(), "inspect: ") {
		t.Fatalf("unknown detector: %v", err)
	}
	var none *Guard
	if none.Blocks() || none.Inspects() {
		t.Fatal("a nil guard blocks or inspects")
	}
	tests := []struct {
		v               ValidationOptions
		i               Options
		w               WAFOptions
		blocks, inspect bool
	}{
		{ValidationOptions{Mode: "monitor"}, Options{Mode: "monitor"}, WAFOptions{Mode: "monitor"}, false, true},
		{ValidationOptions{Mode: "block"}, off, offW, true, false},
		{offV, Options{Mode: "block"}, offW, true, true},
		{offV, off, WAFOptions{Mode: "block"}, true, false},
	}
	for _, tt := range tests {
		g, err := NewGuard(tt.v, tt.i, tt.w, Deps{Validator: &fakeValidator{}, WAF: &fakeWAF{}})
		if err != nil {
			t.Fatal(err)
		}
		if g.Blocks() != tt.blocks || g.Inspects() != tt.inspect {
			t.Errorf("%v %v %v: blocks %v inspects %v", tt.v.Mode, tt.i.Mode, tt.w.Mode, g.Blocks(), g.Inspects())
		}
	}
}

func TestReadsBody(t *testing.T) {
	insp, _ := NewGuard(ValidationOptions{Mode: ModeOff}, Options{Mode: "block"}, WAFOptions{Mode: ModeOff}, Deps{})
	all, _ := NewGuard(ValidationOptions{Mode: ModeOff}, off, WAFOptions{Mode: "block"}, Deps{WAF: &fakeWAF{}})
	tests := []struct {
		ct        string
		body      string
		chunked   bool
		insp, all bool
	}{
		{ct: "application/json", body: "{}", insp: true, all: true},
		{ct: "text/plain", body: "x", insp: true, all: true},
		{ct: "", body: "x", insp: true, all: true},
		{ct: "bogus;;", body: "x", insp: true, all: true},
		{ct: "image/png", body: "x", insp: false, all: true},
		{ct: "application/octet-stream", body: "x", insp: false, all: true},
		{ct: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body: "x", insp: false, all: true},
		{ct: "application/epub+zip", body: "x", insp: false, all: true},
		{ct: "application/x-www-form-urlencoded", body: "a=b", insp: true, all: true},
		{ct: "text/plain", body: "", insp: false, all: false},
		{ct: "text/plain", body: "", chunked: true, insp: true, all: true},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest("POST", "http://api/", strings.NewReader(tt.body))
		if tt.body == "" && !tt.chunked {
			r.Body = http.NoBody
		}
		if tt.chunked {
			r.Body, r.ContentLength, r.TransferEncoding = io.NopCloser(strings.NewReader("")), -1, []string{"chunked"}
		}
		r.Header.Set("Content-Type", tt.ct)
		if insp.ReadsBody(r) != tt.insp || all.ReadsBody(r) != tt.all {
			t.Errorf("%q (%q): inspector %v, waf %v", tt.ct, tt.body, insp.ReadsBody(r), all.ReadsBody(r))
		}
	}
}

func TestWAFRequestKeepsAnUnparsedRemote(t *testing.T) {
	r, _ := http.NewRequest("GET", "http://api/", nil)
	r.RemoteAddr = "@unix"
	if got := wafRequest(r, netip.MustParseAddr("192.0.2.1")); got != r {
		t.Fatal("copied a request without a port")
	}
	r.RemoteAddr = "10.0.0.1:1"
	if got := wafRequest(r, netip.Addr{}); got != r {
		t.Fatal("copied a request without a believed client")
	}
}
