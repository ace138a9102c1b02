package cors

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func mustGuard(t *testing.T, o Options) *Guard {
	t.Helper()
	g, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestNewRefusesWhatBrowsersWouldNotHonour(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no origins", Options{}, "at least one origin"},
		{"wildcard with credentials", Options{AllowOrigins: []string{"*"}, AllowCredentials: true}, "with allow_credentials"},
		{"path in origin", Options{AllowOrigins: []string{"https://app.example.com/x"}}, "not an origin"},
		{"no scheme", Options{AllowOrigins: []string{"app.example.com"}}, "not an origin"},
		{"userinfo", Options{AllowOrigins: []string{"https://u@app.example.com"}}, "not an origin"},
		{"tld pattern", Options{AllowOrigins: []string{"https://*.com"}}, "registrable domain"},
		{"inner wildcard", Options{AllowOrigins: []string{"https://a.*.example.com"}}, "a pattern is"},
		{"lower-case method", Options{AllowOrigins: []string{"https://a.example.com"}, AllowMethods: []string{"put"}}, "upper-case"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	g := mustGuard(t, Options{AllowOrigins: []string{"https://app.example.com", "https://*.partner.example", "http://localhost:3000"}})
	self := "api.example.com"
	tests := []struct {
		origin string
		want   Result
	}{
		{"", NotCrossOrigin},
		{"https://api.example.com", NotCrossOrigin},
		{"https://API.example.com:443", NotCrossOrigin},
		{"http://api.example.com", NotCrossOrigin}, // behind a TLS-terminating balancer
		{"https://api.example.com:8443", Refused},
		{"https://app.example.com", Allowed},
		{"https://APP.example.com", Allowed},
		{"https://app.example.com:443", Allowed},
		{"http://app.example.com", Refused},       // other scheme
		{"https://app.example.com:8443", Refused}, // other port
		{"https://app.example.com.evil.test", Refused},
		{"https://evilapp.example.com", Refused},
		{"https://x.partner.example", Allowed},
		{"https://a.b.partner.example", Allowed},
		{"https://partner.example", Refused}, // the pattern is subdomains only
		{"https://evilpartner.example", Refused},
		{"http://localhost:3000", Allowed},
		{"http://localhost:3001", Refused},
		{"null", Refused},
		{"https://app.example.com/", Allowed},
		{"javascript:alert(1)", Refused},
	}
	for _, tc := range tests {
		if got := g.Check(tc.origin, self); got != tc.want {
			t.Errorf("Check(%q) = %v, want %v", tc.origin, got, tc.want)
		}
	}
	pass := mustGuard(t, Options{AllowOrigins: []string{"https://app.example.com"}, PassRefused: true})
	if pass.Check("https://evil.test", self) != RefusedPassed {
		t.Fatal("pass_refused")
	}
	anyG := mustGuard(t, Options{AllowOrigins: []string{"*"}})
	if anyG.Check("https://whoever.test", self) != Allowed || anyG.Check("null", self) != Refused {
		t.Fatal("wildcard")
	}
}

func TestHeadersFollowTheFetchRules(t *testing.T) {
	creds := mustGuard(t, Options{AllowOrigins: []string{"https://app.example.com"}, AllowCredentials: true, ExposeHeaders: []string{"X-Total"}})
	h := http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Methods": {"DELETE"}}
	creds.Headers(h, "https://app.example.com")
	if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || h.Get("Access-Control-Allow-Credentials") != "true" ||
		h.Get("Vary") != "Origin" || h.Get("Access-Control-Expose-Headers") != "X-Total" || h.Get("Access-Control-Allow-Methods") != "" {
		t.Fatalf("credentialed answer: %v", h)
	}
	anyG := mustGuard(t, Options{AllowOrigins: []string{"*"}})
	h = http.Header{}
	anyG.Headers(h, "https://x.test")
	if h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("wildcard answer: %v", h)
	}
}

func TestPreflight(t *testing.T) {
	g := mustGuard(t, Options{AllowOrigins: []string{"https://app.example.com"}, AllowMethods: []string{"GET", "PUT"},
		AllowHeaders: []string{"Authorization", "X-Trace"}, MaxAge: 10 * time.Minute})
	req := func(origin, method string, headers ...string) *http.Request {
		r := httptest.NewRequest("OPTIONS", "/orders/1", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", method)
		for _, h := range headers {
			r.Header.Add("Access-Control-Request-Headers", h)
		}
		return r
	}
	tests := []struct {
		name   string
		r      *http.Request
		ok     bool
		reason string
	}{
		{"allowed", req("https://app.example.com", "PUT", "authorization, x-trace", "content-type"), true, ""},
		{"other origin", req("https://evil.test", "PUT"), false, "cors_origin_refused"},
		{"method", req("https://app.example.com", "DELETE"), false, "cors_method_refused"},
		{"header", req("https://app.example.com", "GET", "x-admin"), false, "cors_header_refused"},
		{"lower-case method", req("https://app.example.com", "put"), false, "cors_method_refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !IsPreflight(tc.r) {
				t.Fatal("not seen as a preflight")
			}
			h := http.Header{}
			ok, reason := g.Preflight(tc.r, h)
			if ok != tc.ok || reason != tc.reason {
				t.Fatalf("got %v %q", ok, reason)
			}
			if ok && (h.Get("Access-Control-Allow-Methods") != "GET, PUT" || h.Get("Access-Control-Max-Age") != "600" ||
				h.Get("Access-Control-Allow-Headers") != "authorization, x-trace, content-type") {
				t.Fatalf("headers %v", h)
			}
			if !ok && len(h) != 0 {
				t.Fatalf("a refused preflight got headers %v", h)
			}
		})
	}
	if IsPreflight(httptest.NewRequest("OPTIONS", "/", nil)) {
		t.Fatal("a plain OPTIONS is not a preflight")
	}
}

func BenchmarkCheckAllowed(b *testing.B) {
	g, _ := New(Options{AllowOrigins: []string{"https://app.example.com", "https://*.partner.example"}})
	b.ReportAllocs()
	for b.Loop() {
		if g.Check("https://x.partner.example", "api.example.com") != Allowed {
			b.Fatal("refused")
		}
	}
}
