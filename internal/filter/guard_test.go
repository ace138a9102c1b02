package filter

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

const trace = "goroutine 1 [running]:\nmain.main()\n\t/srv/app/main.go:12 +0x1d\n"

const privateKey = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAx\\n-----END RSA PRIVATE KEY-----"

func gz(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func ungz(t testing.TB, s string) string {
	t.Helper()
	r, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// base is the configuration most cases start from: config's defaults.
func base() Options {
	return Options{SanitizeErrors: true, MaxBuffer: 1 << 20, OnOverflow: "block"}
}

func with(f func(*Options)) Options {
	o := base()
	f(&o)
	return o
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// answer is what the upstream sends in one case.
type answer struct {
	status int
	method string // of the request; "" GET
	header http.Header
	body   string
	read   io.Reader // instead of body
	length int64     // Content-Length; 0: len(body), -2: unknown
}

func (a answer) response() *http.Response {
	if a.status == 0 {
		a.status = 200
	}
	if a.method == "" {
		a.method = http.MethodGet
	}
	h := http.Header{}
	for k, v := range a.header {
		h[k] = append([]string(nil), v...)
	}
	r := io.Reader(strings.NewReader(a.body))
	if a.read != nil {
		r = a.read
	}
	n := int64(len(a.body))
	switch a.length {
	case -2:
		n = -1
	case 0:
	default:
		n = a.length
	}
	req, _ := http.NewRequest(a.method, "http://upstream/x", nil)
	return &http.Response{StatusCode: a.status, Header: h, Body: io.NopCloser(r), ContentLength: n, Request: req}
}

var jsonCT = http.Header{"Content-Type": {"application/json"}}

func TestGuardResponse(t *testing.T) {
	user := &principal.Principal{Subject: "u1", Roles: []string{"user"}}
	admin := &principal.Principal{Subject: "a1", Roles: []string{"admin"}}
	tests := []struct {
		name string
		o    Options
		hdr  SecurityHeaders
		who  *principal.Principal
		in   answer
		// want: the problem's status and code, or the body the client gets.
		status   int
		code     string
		body     string
		rule     string
		wantHdr  map[string]string // "" means absent
		unzipped bool              // body is gzip: compare it decoded
	}{
		{name: "security headers, identity removed", o: Options{},
			hdr:  SecurityHeaders{Enabled: true, Set: map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}},
			in:   answer{header: http.Header{"Server": {"nginx"}, "X-Powered-By": {"PHP"}, "X-Frame-Options": {"SAMEORIGIN"}}, body: "x"},
			body: "x", wantHdr: map[string]string{"Server": "", "X-Powered-By": "", "X-Frame-Options": "SAMEORIGIN",
				"X-Content-Type-Options": "nosniff", "Cache-Control": ""}},
		{name: "authenticated answer not cached", o: Options{}, who: user,
			hdr: SecurityHeaders{Enabled: true}, in: answer{body: "x"}, body: "x", wantHdr: map[string]string{"Cache-Control": "no-store"}},
		{name: "upstream cache control kept", o: Options{}, who: user, hdr: SecurityHeaders{Enabled: true},
			in: answer{header: http.Header{"Cache-Control": {"private"}}, body: "x"}, body: "x", wantHdr: map[string]string{"Cache-Control": "private"}},
		{name: "security headers off", o: Options{}, who: user, hdr: SecurityHeaders{Set: map[string]string{"X-Frame-Options": "DENY"}},
			in: answer{body: "x"}, body: "x", wantHdr: map[string]string{"Cache-Control": "", "X-Frame-Options": ""}},
		{name: "no body guards: error passes", o: Options{MaxBuffer: 1 << 20},
			in: answer{status: 500, body: trace}, body: trace},

		{name: "allow-list cuts", o: with(func(o *Options) { o.Allow = []string{"id", "name"} }),
			in:   answer{header: http.Header{"Content-Type": {"application/json"}, "Etag": {`"v1"`}}, body: `{"id":1,"name":"a","secret":"s"}`},
			body: `{"id":1,"name":"a"}`, wantHdr: map[string]string{"Content-Length": "19", "ETag": `"bw-`}},
		{name: "nothing cut: body as sent", o: with(func(o *Options) { o.Allow = []string{"id"} }),
			in: answer{header: jsonCT, body: `{"id":1}`}, body: `{"id":1}`, wantHdr: map[string]string{"Content-Length": ""}},
		{name: "view for a role", o: with(func(o *Options) {
			o.Allow = []string{"id"}
			o.Views = []View{{Roles: []string{"admin"}, Allow: []string{"email"}}}
		}), who: admin, in: answer{header: jsonCT, body: `{"id":1,"email":"a@x.io","pw":"p"}`}, body: `{"id":1,"email":"a@x.io"}`},
		{name: "view not for other roles", o: with(func(o *Options) {
			o.Allow = []string{"id"}
			o.Views = []View{{Roles: []string{"admin"}, Allow: []string{"email"}}}
		}), who: user, in: answer{header: jsonCT, body: `{"id":1,"email":"a@x.io"}`}, body: `{"id":1}`},
		{name: "deny removes", o: with(func(o *Options) { o.Deny = []string{"password"} }),
			in: answer{header: jsonCT, body: `{"id":1,"password":"p"}`}, body: `{"id":1}`},
		{name: "array of objects cut", o: with(func(o *Options) { o.Allow = []string{"*.id"} }),
			in: answer{header: jsonCT, body: `[{"id":1,"x":2}]`}, body: `[{"id":1}]`},
		{name: "scalar refused where fields are named", o: with(func(o *Options) { o.Allow = []string{"id"} }),
			in: answer{header: jsonCT, body: `"TOPSECRET"`}, status: 502, code: "response_unfilterable", rule: "response_unfilterable"},
		{name: "not JSON refused", o: with(func(o *Options) { o.Deny = []string{"x"} }),
			in: answer{body: `<html>`}, status: 502, code: "response_unfilterable", rule: "response_unfilterable"},

		{name: "card redacted, kind noted", o: with(func(o *Options) { o.Sensitive = map[string]string{"card": "redact", "email": "monitor"} }),
			in:   answer{header: jsonCT, body: `{"card":"4111 1111 1111 1111","mail":"a@example.com"}`},
			body: `{"card":"**** **** **** 1111","mail":"a@example.com"}`, rule: "sensitive:card,email"},
		{name: "private key blocks", o: with(func(o *Options) { o.Sensitive = map[string]string{"private_key": "block"} }),
			in: answer{header: jsonCT, body: `{"k":"` + privateKey + `"}`}, status: 502, code: "sensitive_data_blocked", rule: "sensitive:private_key"},
		{name: "sensitive off", o: with(func(o *Options) { o.Sensitive = map[string]string{"card": "off", "email": "bogus"} }),
			in: answer{header: jsonCT, body: `{"card":"4111 1111 1111 1111"}`}, body: `{"card":"4111 1111 1111 1111"}`},

		{name: "leaky 5xx replaced", o: base(), in: answer{status: 500, body: trace},
			status: 500, code: "upstream_error", rule: "sanitize_errors"},
		{name: "clean 5xx passes whole", o: base(), in: answer{status: 503, body: "maintenance"}, body: "maintenance"},
		{name: "4xx not sanitized by default", o: base(), in: answer{status: 404, body: trace}, body: trace},
		{name: "leaky 4xx replaced when asked", o: with(func(o *Options) { o.Sanitize4xx = true }),
			in: answer{status: 404, body: trace}, status: 404, code: "upstream_error", rule: "sanitize_errors"},
		{name: "undecodable 5xx replaced", o: base(),
			in:     answer{status: 500, header: http.Header{"Content-Encoding": {"gzip"}}, body: gz(t, trace)[:20]},
			status: 500, code: "upstream_error", rule: "sanitize_errors"},
		{name: "5xx read error", o: base(), in: answer{status: 500, read: failingReader{}, length: 10},
			status: 500, code: "upstream_error"},
		{name: "leaky JSON 5xx on a filtered route", o: with(func(o *Options) { o.Allow = []string{"error"} }),
			in:     answer{status: 500, header: jsonCT, body: `{"error":"boom","trace":"` + strings.ReplaceAll(trace, "\n", `\n`) + `"}`},
			status: 500, code: "upstream_error", rule: "sanitize_errors"},
		{name: "clean 5xx filtered", o: with(func(o *Options) { o.Allow = []string{"error"} }),
			in: answer{status: 500, header: jsonCT, body: `{"error":"boom","host":"db1"}`}, body: `{"error":"boom"}`},
		{name: "gzip 5xx decoded once, filtered, encoded", o: with(func(o *Options) { o.Allow = []string{"error"} }),
			in: answer{status: 500, header: http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}},
				body: gz(t, `{"error":"boom","host":"db1"}`)}, body: `{"error":"boom"}`, unzipped: true},
		{name: "undecodable 5xx on a filtered route", o: with(func(o *Options) { o.Allow = []string{"error"} }),
			in:     answer{status: 502, header: http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"x-unknown"}}, body: "zz"},
			status: 502, code: "upstream_error", rule: "sanitize_errors"},
		{name: "5xx read error on a filtered route", o: with(func(o *Options) { o.Allow = []string{"error"} }),
			in: answer{status: 500, header: jsonCT, read: failingReader{}, length: 10}, status: 500, code: "upstream_error"},
		{name: "read error", o: with(func(o *Options) { o.Allow = []string{"error"} }),
			in: answer{header: jsonCT, read: failingReader{}, length: 10}, status: 502, code: "upstream_unreachable"},
		{name: "leaky HTML 5xx on a filtered route", o: with(func(o *Options) { o.Allow = []string{"error"} }),
			in:     answer{status: 500, header: http.Header{"Content-Type": {"text/html"}}, body: trace},
			status: 500, code: "upstream_error", rule: "sanitize_errors"},
		{name: "clean HTML 5xx refused as media", o: with(func(o *Options) { o.Allow = []string{"error"} }),
			in:     answer{status: 500, header: http.Header{"Content-Type": {"text/html"}}, body: "<p>down</p>"},
			status: 500, code: "upstream_error", rule: "response_media_type"},

		{name: "gzip answer filtered and encoded again", o: with(func(o *Options) { o.Allow = []string{"id"} }),
			in:   answer{header: http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}, body: gz(t, `{"id":1,"x":2}`)},
			body: `{"id":1}`, unzipped: true},
		{name: "stacked encodings refused", o: with(func(o *Options) { o.Allow = []string{"id"} }),
			in:     answer{header: http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip", "gzip"}}, body: gz(t, gz(t, `{}`))},
			status: 502, code: "response_unfilterable", rule: "response_encoding"},

		{name: "passed media type", o: with(func(o *Options) { o.Allow = []string{"id"}; o.PassMediaTypes = []string{"text/csv"} }),
			in: answer{header: http.Header{"Content-Type": {"text/csv"}}, body: "id,secret\n1,x\n"}, body: "id,secret\n1,x\n"},
		{name: "other media refused", o: with(func(o *Options) { o.Allow = []string{"id"} }),
			in: answer{header: http.Header{"Content-Type": {"image/png"}}, body: "PNG"}, status: 502, code: "response_unfilterable", rule: "response_media_type"},
		{name: "redirect keeps status, loses body", o: with(func(o *Options) { o.Allow = []string{"id"} }),
			in:   answer{status: 302, header: http.Header{"Content-Type": {"text/html"}, "Location": {"/y"}}, body: "<a>"},
			body: "", rule: "response_media_type", wantHdr: map[string]string{"Location": "/y", "Content-Length": "0", "Content-Type": ""}},
		{name: "NDJSON records cut", o: with(func(o *Options) { o.Allow = []string{"id"} }),
			in: answer{header: http.Header{"Content-Type": {"application/x-ndjson"}}, body: "{\"id\":1,\"x\":1}\n{\"id\":2}\n"}, body: "{\"id\":1}\n{\"id\":2}\n"},
		{name: "empty body passes", o: with(func(o *Options) { o.Allow = []string{"id"} }), in: answer{header: jsonCT}, body: ""},
		{name: "empty stream passes", o: with(func(o *Options) { o.Allow = []string{"id"} }), in: answer{header: jsonCT, length: -2}, body: ""},

		{name: "HEAD: no body, no length", o: with(func(o *Options) { o.Allow = []string{"id"} }),
			in: answer{method: "HEAD", header: http.Header{"Content-Length": {"99"}}, length: 99}, body: "", wantHdr: map[string]string{"Content-Length": ""}},
		{name: "204 passes", o: with(func(o *Options) { o.Allow = []string{"id"} }), in: answer{status: 204}, body: ""},
		{name: "304 on a sanitizing route", o: base(), in: answer{status: 304, header: http.Header{"Content-Length": {"5"}}},
			body: "", wantHdr: map[string]string{"Content-Length": "5"}},

		{name: "over max_buffer blocked", o: with(func(o *Options) { o.Allow = []string{"id"}; o.MaxBuffer = 8 }),
			in: answer{header: jsonCT, body: `{"id":1,"secret":"s"}`}, status: 502, code: "response_too_large", rule: "max_buffer"},
		{name: "over max_buffer passed", o: with(func(o *Options) { o.Allow = []string{"id"}; o.MaxBuffer = 8; o.OnOverflow = "pass" }),
			in: answer{header: jsonCT, body: `{"id":1,"secret":"s"}`}, body: `{"id":1,"secret":"s"}`},
		{name: "leaky 5xx over max_buffer replaced", o: with(func(o *Options) { o.Allow = []string{"id"}; o.MaxBuffer = 8; o.OnOverflow = "pass" }),
			in: answer{status: 500, body: trace}, status: 500, code: "upstream_error", rule: "sanitize_errors"},
		{name: "clean 5xx over max_buffer passed", o: with(func(o *Options) { o.Allow = []string{"id"}; o.MaxBuffer = 8; o.OnOverflow = "pass" }),
			in: answer{status: 500, body: "maintenance window"}, body: "maintenance window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.o, Deps{Headers: tt.hdr})
			if err != nil {
				t.Fatal(err)
			}
			x := &exchange.Exchange{RequestID: "req-1", Route: "r", Principal: tt.who}
			resp := tt.in.response()
			err = g.Response(x)(resp)
			if x.Notes.Rule != tt.rule {
				t.Errorf("rule = %q, want %q", x.Notes.Rule, tt.rule)
			}
			if tt.code != "" {
				var p *httperr.Problem
				if !errors.As(err, &p) || p.Status != tt.status || p.Code != tt.code {
					t.Fatalf("err = %v, want %d %s", err, tt.status, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			got := string(b)
			if tt.unzipped {
				got = ungz(t, got)
			}
			if got != tt.body {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
			for k, v := range tt.wantHdr {
				if have := resp.Header.Get(k); v == "" && have != "" || !strings.HasPrefix(have, v) {
					t.Errorf("%s = %q, want %q", k, have, v)
				}
			}
		})
	}
}

const contractDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
                  email: {type: string, x-bulwark-roles: [admin]}
                  tags: {type: array, items: {type: object, properties: {name: {type: string}}}}
        "404":
          description: gone
`

func TestGuardContract(t *testing.T) {
	doc, err := openapi.Parse([]byte(contractDoc))
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(with(func(o *Options) {
		o.Contract = true
		o.Views = []View{{Roles: []string{"support"}, Allow: []string{"internal"}}}
	}), Deps{Doc: doc, Methods: []string{"GET"}, Path: "/users/{id}"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		roles  []string
		status int
		body   string
		want   string
		code   string
		rule   string
	}{
		{name: "undeclared cut", status: 200, body: `{"id":"1","email":"e","pw":"x","tags":[{"name":"a","k":1}]}`, want: `{"id":"1","tags":[{"name":"a"}]}`},
		{name: "role-only field for its role", roles: []string{"admin"}, status: 200, body: `{"id":"1","email":"e"}`, want: `{"id":"1","email":"e"}`},
		{name: "view adds a field", roles: []string{"support"}, status: 200, body: `{"id":"1","internal":"n"}`, want: `{"id":"1","internal":"n"}`},
		{name: "cached tree", status: 200, body: `{"id":"2","x":1}`, want: `{"id":"2"}`},
		{name: "status without a schema refused", status: 404, body: `{"detail":"nope"}`, code: "upstream_error", rule: "response_undeclared"},
		{name: "undeclared 2xx refused", status: 201, body: `{}`, code: "response_undeclared", rule: "response_undeclared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := &exchange.Exchange{Principal: &principal.Principal{Subject: "s", Roles: tt.roles}}
			resp := answer{status: tt.status, header: jsonCT, body: tt.body}.response()
			err := g.Response(x)(resp)
			if x.Notes.Rule != tt.rule {
				t.Errorf("rule = %q, want %q", x.Notes.Rule, tt.rule)
			}
			if tt.code != "" {
				var p *httperr.Problem
				if !errors.As(err, &p) || p.Code != tt.code {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			if err != nil || string(b) != tt.want {
				t.Fatalf("got %s, %v; want %s", b, err, tt.want)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	doc, err := openapi.Parse([]byte(contractDoc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    Options
		d    Deps
		want string
	}{
		{"media type", with(func(o *Options) { o.PassMediaTypes = []string{"not a type"} }), Deps{}, "response.pass_media_types"},
		{"allow path", with(func(o *Options) { o.Allow = []string{"a..b"} }), Deps{}, "response.allow"},
		{"view path", with(func(o *Options) {
			o.Allow = []string{"a"}
			o.Views = []View{{Roles: []string{"r"}, Allow: []string{"a..b"}}}
		}), Deps{}, "response.views"},
		{"deny path", with(func(o *Options) { o.Deny = []string{"a..b"} }), Deps{}, "response.deny"},
		{"no operation", with(func(o *Options) { o.Contract = true }), Deps{Doc: doc, Path: "/nowhere"}, "response.contract"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.o, tt.d); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
