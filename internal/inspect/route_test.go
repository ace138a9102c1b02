package inspect

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/openapi"
)

// readAll is a body reader that reads the whole body and counts its calls.
type readAll struct {
	calls int
	p     *httperr.Problem
}

func (b *readAll) read(r *http.Request) ([]byte, *httperr.Problem) {
	b.calls++
	if b.p != nil {
		return nil, b.p
	}
	var sb strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := r.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return []byte(sb.String()), nil
		}
	}
}

func TestForRoute(t *testing.T) {
	doc, err := openapi.Parse([]byte(textDoc))
	if err != nil {
		t.Fatal(err)
	}
	offV, offW := ValidationOptions{Mode: ModeOff}, WAFOptions{Mode: ModeOff}
	engine := func() (Firewall, error) { return &fakeWAF{}, nil }
	broken := func() (Firewall, error) { return nil, errors.New("waf: broken rules") }
	rd := (&readAll{}).read
	tests := []struct {
		name      string
		rt        Route
		nilGuard  bool
		err       string // the error's text holds it; "" for none
		validates bool
		texts     int // the inspector's contract text fields
		waf       bool
	}{
		{name: "all off", rt: Route{Validation: offV, Inspect: off, WAF: offW}, nilGuard: true},
		{name: "validation without a document is off", rt: Route{Validation: ValidationOptions{Mode: ModeBlock}, Inspect: off, WAF: offW, Read: rd}, nilGuard: true},
		{name: "validation with the document", rt: Route{Validation: ValidationOptions{Mode: ModeBlock, Strict: true}, Inspect: off, WAF: offW,
			Doc: doc, Methods: []string{"POST"}, Path: "/notes/{id}", Read: rd}, validates: true},
		{name: "inspection learns the operation's text fields", rt: Route{Validation: offV, Inspect: inspectOn(ModeBlock), WAF: offW,
			Doc: doc, Methods: []string{"POST"}, Path: "/notes/{id}", Read: rd}, texts: 2},
		{name: "inspection without a document", rt: Route{Validation: offV, Inspect: inspectOn(ModeMonitor), WAF: offW, Read: rd}},
		{name: "waf with its engine", rt: Route{Validation: offV, Inspect: off, WAF: WAFOptions{Mode: ModeMonitor}, Engine: engine, Read: rd}, waf: true},
		{name: "waf without an engine", rt: Route{Validation: offV, Inspect: off, WAF: WAFOptions{Mode: ModeBlock}, Read: rd}, err: "without an engine"},
		{name: "waf engine fails", rt: Route{Validation: offV, Inspect: off, WAF: WAFOptions{Mode: ModeBlock}, Engine: broken, Read: rd}, err: "waf: broken rules"},
		{name: "engine not asked when off", rt: Route{Validation: offV, Inspect: off, WAF: offW, Engine: broken}, nilGuard: true},
		{name: "no body reader", rt: Route{Validation: offV, Inspect: inspectOn(ModeBlock), WAF: offW}, err: "no body reader"},
		{name: "bad inspector config", rt: Route{Validation: offV, Inspect: Options{Mode: ModeBlock, Config: Config{Detectors: []string{"xss"}}},
			WAF: offW, Read: rd}, err: "inspect: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ForRoute(tt.rt, Deps{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || g != nil {
					t.Fatalf("got %v, %v; want an error with %q", g, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.nilGuard {
				if g != nil {
					t.Fatalf("got a guard, want none")
				}
				return
			}
			if g == nil || g.read == nil {
				t.Fatalf("guard %v without its body reader", g)
			}
			if (g.validator != nil) != tt.validates || (g.waf != nil) != tt.waf {
				t.Errorf("validator %v waf %v; want %v %v", g.validator != nil, g.waf != nil, tt.validates, tt.waf)
			}
			if n := 0; g.inspector != nil {
				n = len(g.inspector.textFields)
				if n != tt.texts {
					t.Errorf("%d text fields, want %d", n, tt.texts)
				}
			}
		})
	}
}

func TestForRouteValidatorIsTheDocument(t *testing.T) {
	doc, err := openapi.Parse([]byte(textDoc))
	if err != nil {
		t.Fatal(err)
	}
	g, err := ForRoute(Route{Validation: ValidationOptions{Mode: ModeBlock}, Inspect: off, WAF: WAFOptions{Mode: ModeOff},
		Doc: doc, Methods: []string{"POST"}, Path: "/notes/{id}", Read: (&readAll{}).read}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		status int
	}{{"/notes/3f2504e0-4f89-11d3-9a0c-0305e82c3301", 0}, {"/notes/not-a-uuid", http.StatusBadRequest}} {
		r, _ := http.NewRequest("POST", "http://api"+c.path, strings.NewReader(`{"comment":"hi"}`))
		r.Header.Set("Content-Type", "application/json")
		x := &exchange.Exchange{Req: r, Path: c.path}
		p := g.Admit(x)
		if (p == nil) != (c.status == 0) || (p != nil && p.Status != c.status) {
			t.Errorf("%s: %v, want status %d", c.path, p, c.status)
		}
	}
}

func TestAdmit(t *testing.T) {
	sqli := "1' OR 1=1--"
	tests := []struct {
		name    string
		ct      string
		body    string // "" sends none
		held    string // a body x already holds
		readErr *httperr.Problem
		noRead  bool // a guard without a reader (NewGuard)
		calls   int  // reads
		status  int  // the problem's; 0: admitted
		code    string
	}{
		{name: "no body", ct: "text/plain"},
		{name: "text body read and inspected", ct: "text/plain", body: sqli, calls: 1, status: 403, code: "injection_detected"},
		{name: "clean text body read", ct: "text/plain", body: "hello", calls: 1},
		{name: "body x holds is not read again", ct: "text/plain", body: sqli, held: "hello"},
		{name: "held body is the one inspected", ct: "text/plain", body: "hello", held: sqli, status: 403, code: "injection_detected"},
		{name: "binary body not read", ct: "image/png", body: sqli},
		{name: "read refused", ct: "text/plain", body: "x", readErr: httperr.New(413, "body_too_large", "too large"),
			calls: 1, status: 413, code: "body_too_large"},
		{name: "no reader fails closed", ct: "text/plain", body: "x", noRead: true, status: 500, code: "internal"},
		{name: "no reader, nothing to read", ct: "image/png", body: "x", noRead: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := &readAll{p: tt.readErr}
			rt := Route{Validation: ValidationOptions{Mode: ModeOff}, Inspect: Options{Mode: ModeBlock}, WAF: WAFOptions{Mode: ModeOff}, Read: rd.read}
			g, err := ForRoute(rt, Deps{})
			if tt.noRead {
				g, err = NewGuard(rt.Validation, rt.Inspect, rt.WAF, Deps{})
			}
			if err != nil {
				t.Fatal(err)
			}
			r, _ := http.NewRequest("POST", "http://api/p", strings.NewReader(tt.body))
			if tt.body == "" {
				r.Body = http.NoBody
			}
			r.Header.Set("Content-Type", tt.ct)
			x := &exchange.Exchange{Req: r, Path: "/p", Route: "r", RequestID: "rid"}
			if tt.held != "" {
				x.SetBody([]byte(tt.held))
			}
			p := g.Admit(x)
			switch {
			case tt.status == 0 && p != nil:
				t.Fatalf("refused: %v", p)
			case tt.status != 0 && (p == nil || p.Status != tt.status || p.Code != tt.code):
				t.Fatalf("problem %+v, want %d %s", p, tt.status, tt.code)
			}
			if rd.calls != tt.calls {
				t.Errorf("%d reads, want %d", rd.calls, tt.calls)
			}
			want, held := tt.held, tt.held != ""
			if tt.calls == 1 && tt.readErr == nil {
				want, held = tt.body, true
			}
			if b, ok := x.Body(); ok != held || string(b) != want {
				t.Errorf("x holds %q (%v), want %q (%v)", b, ok, want, held)
			}
		})
	}
}
