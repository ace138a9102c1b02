package authn

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

var testHeaders = PrincipalHeaders{Subject: "X-Bulwark-Subject", Consumer: "X-Bulwark-Consumer",
	Scopes: "X-Bulwark-Scopes", Roles: "X-Bulwark-Roles", Method: "X-Bulwark-Auth-Method"}

func TestGuardAuthenticate(t *testing.T) {
	alice := &principal.Principal{Subject: "alice", Consumer: "shop-app", Scopes: []string{"orders:read", "orders:write"},
		Roles: []string{"clerk"}, Method: principal.MethodJWT}
	app := &principal.Principal{Consumer: "batch", Scopes: []string{"orders:read"}, Method: principal.MethodAPIKey}
	type want struct {
		status    int    // 0: admitted
		code      string // the problem's code
		principal string // x.Principal.ID()
		headers   map[string]string
		absent    []string
	}
	tests := []struct {
		name      string
		auth      *fake // nil: a chain without authenticators
		anonymous bool
		o         Options
		sent      http.Header
		want      want
	}{
		{"principal named upstream", &fake{scheme: "Bearer", p: alice}, false, Options{Headers: testHeaders},
			http.Header{"Authorization": {"Bearer t"}},
			want{principal: "alice", headers: map[string]string{"X-Bulwark-Subject": "alice", "X-Bulwark-Consumer": "shop-app",
				"X-Bulwark-Scopes": "orders:read orders:write", "X-Bulwark-Roles": "clerk", "X-Bulwark-Auth-Method": "jwt"},
				absent: []string{"Authorization", "X-Bearer"}}},
		{"empty principal fields are left out", &fake{scheme: "ApiKey", p: app}, false, Options{Headers: testHeaders},
			http.Header{"X-Api-Key": {"k"}},
			want{principal: "batch", headers: map[string]string{"X-Bulwark-Consumer": "batch", "X-Bulwark-Scopes": "orders:read",
				"X-Bulwark-Auth-Method": "api_key"}, absent: []string{"X-Bulwark-Subject", "X-Bulwark-Roles", "X-Api-Key"}}},
		{"forged principal headers removed in any spelling", &fake{scheme: "ApiKey", p: app}, false, Options{Headers: testHeaders},
			http.Header{"X-Bulwark-Subject": {"root"}, "X_bulwark_roles": {"admin"}, "X-Real-Ip": {"10.0.0.1"}},
			want{principal: "batch", absent: []string{"X-Bulwark-Subject", "X_bulwark_roles", "X-Real-Ip", "X-Bulwark-Roles"}}},
		{"connection naming an owned header", &fake{scheme: "ApiKey", p: app}, false, Options{Headers: testHeaders},
			http.Header{"Connection": {"close, X-Bulwark-Subject"}},
			want{status: 400, code: "owned_header_in_connection"}},
		{"override headers stripped", nil, true, Options{Headers: testHeaders},
			http.Header{"X-Http-Method-Override": {"DELETE"}, "X_HTTP_Method_Override": {"DELETE"}},
			want{absent: []string{"X-Http-Method-Override", "X_HTTP_Method_Override"}}},
		{"a kept override header passes", nil, true, Options{Headers: testHeaders, KeepOverrideHeaders: []string{"X-Http-Method-Override"}},
			http.Header{"X-Http-Method-Override": {"PATCH"}},
			want{headers: map[string]string{"X-Http-Method-Override": "PATCH"}}},
		{"anonymous caller on an open route", &fake{scheme: "Bearer", err: ErrNoCredentials}, true, Options{Headers: testHeaders, Scopes: []string{"x"}},
			http.Header{}, want{absent: []string{"X-Bulwark-Subject", "X-Bulwark-Auth-Method"}}},
		{"no credential", &fake{scheme: "Bearer", err: ErrNoCredentials}, false, Options{Headers: testHeaders},
			http.Header{}, want{status: 401, code: ReasonMissing}},
		{"refused credential", &fake{scheme: "Bearer", err: Fail(ReasonExpired, "The token has expired.", nil)}, false, Options{Headers: testHeaders},
			http.Header{"Authorization": {"Bearer old"}}, want{status: 401, code: "invalid_credentials"}},
		{"all scopes held", &fake{scheme: "Bearer", p: alice}, false, Options{Headers: testHeaders, Scopes: []string{"orders:read", "orders:write"}},
			http.Header{}, want{principal: "alice", headers: map[string]string{"X-Bulwark-Subject": "alice"}}},
		{"a scope missing: the principal is known and refused", &fake{scheme: "Bearer", p: alice}, false,
			Options{Headers: testHeaders, Scopes: []string{"orders:read", "admin"}},
			http.Header{}, want{status: 403, code: ReasonInsufficientScope, principal: "alice", absent: []string{"X-Bulwark-Subject"}}},
		{"any one scope is enough", &fake{scheme: "Bearer", p: alice}, false,
			Options{Headers: testHeaders, Scopes: []string{"admin", "orders:write"}, ScopesAny: true},
			http.Header{}, want{principal: "alice", headers: map[string]string{"X-Bulwark-Subject": "alice"}}},
		{"none of any scopes", &fake{scheme: "Bearer", p: alice}, false,
			Options{Headers: testHeaders, Scopes: []string{"admin", "root"}, ScopesAny: true},
			http.Header{}, want{status: 403, code: ReasonInsufficientScope, principal: "alice"}},
		{"credential kept when the route says so", &fake{scheme: "Bearer", p: alice}, false, Options{Headers: testHeaders, KeepCredential: true},
			http.Header{"Authorization": {"Bearer t"}},
			want{principal: "alice", headers: map[string]string{"Authorization": "Bearer t"}}},
		{"an unchecked bearer token is stripped", nil, true, Options{Headers: testHeaders},
			http.Header{"Authorization": {"Bearer t"}, "X-Api-Key": {"k"}}, want{absent: []string{"Authorization", "X-Api-Key"}}},
		{"basic auth is the backend's", nil, true, Options{Headers: testHeaders},
			http.Header{"Authorization": {"Basic dTpw"}}, want{headers: map[string]string{"Authorization": "Basic dTpw"}}},
	}
	owned := hygiene.NewOwned(testHeaders.List(), []string{"Authorization", "X-Api-Key"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var auths []Authenticator
			if tc.auth != nil {
				auths = append(auths, tc.auth)
			}
			g := NewGuard(NewChain(auths, tc.anonymous, ""), owned.CleanRequest, tc.o)
			r := httptest.NewRequest("GET", "/orders", nil)
			r.Header = tc.sent.Clone()
			x := &exchange.Exchange{Req: r}
			p := g.Authenticate(x)
			switch {
			case tc.want.status == 0 && p != nil:
				t.Fatalf("refused: %d %s", p.Status, p.Code)
			case tc.want.status != 0 && (p == nil || p.Status != tc.want.status || p.Code != tc.want.code):
				t.Fatalf("problem %+v, want %d %s", p, tc.want.status, tc.want.code)
			}
			if got := x.Principal.ID(); got != tc.want.principal {
				t.Fatalf("principal %q, want %q", got, tc.want.principal)
			}
			for k, v := range tc.want.headers {
				if got := r.Header[k]; !slices.Equal(got, []string{v}) {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for _, k := range tc.want.absent {
				if _, ok := r.Header[k]; ok {
					t.Errorf("%s reached the upstream: %q", k, r.Header[k])
				}
			}
		})
	}
}

func TestGuardUnauthenticated(t *testing.T) {
	g := NewGuard(NewChain([]Authenticator{&fake{scheme: "Bearer"}}, true, ""), hygiene.NewOwned(nil, nil).CleanRequest, Options{})
	p := g.Unauthenticated()
	if p.Status != 401 || p.Header.Get("WWW-Authenticate") != `Bearer realm="bulwark"` {
		t.Fatalf("%+v", p)
	}
}

// A principal header value is its own slice: a later stage appending to one
// never changes another.
func TestPrincipalHeadersDoNotAlias(t *testing.T) {
	h := http.Header{}
	testHeaders.set(h, &principal.Principal{Subject: "alice", Consumer: "app", Scopes: []string{"a"}, Roles: []string{"r"}, Method: "jwt"})
	h.Add("X-Bulwark-Subject", "mallory")
	if got := h["X-Bulwark-Consumer"]; !slices.Equal(got, []string{"app"}) {
		t.Fatalf("consumer %q after an append to the subject", got)
	}
	if got := h["X-Bulwark-Subject"]; !slices.Equal(got, []string{"alice", "mallory"}) {
		t.Fatalf("subject %q", got)
	}
}

func TestPrincipalHeadersAllocations(t *testing.T) {
	p := &principal.Principal{Subject: "alice", Consumer: "app", Scopes: []string{"orders:read"}, Roles: []string{"clerk"}, Method: "jwt"}
	h := http.Header{}
	testHeaders.set(h, p) // the map's buckets
	if n := testing.AllocsPerRun(100, func() { testHeaders.set(h, p) }); n > 1 {
		t.Fatalf("%v allocations per request, want at most the one shared backing array", n)
	}
}

func BenchmarkGuardAuthenticate(b *testing.B) {
	p := &principal.Principal{Subject: "alice", Consumer: "app", Scopes: []string{"orders:read"}, Roles: []string{"clerk"}, Method: "jwt"}
	g := NewGuard(NewChain([]Authenticator{&fake{scheme: "Bearer", p: p}}, false, ""),
		hygiene.NewOwned(testHeaders.List(), []string{"Authorization", "X-Api-Key"}).CleanRequest, Options{Headers: testHeaders})
	r := httptest.NewRequest("GET", "/orders", nil)
	x := &exchange.Exchange{Req: r}
	b.ReportAllocs()
	for b.Loop() {
		r.Header = http.Header{"Authorization": {"Bearer t"}, "Accept": {"*/*"}}
		if g.Authenticate(x) != nil {
			b.Fatal("refused")
		}
	}
}

// A cached principal's header values are built once: the next requests of
// the same token cost no allocation, and another principal in the same slot
// gets its own values.
func TestPrincipalHeadersCachedPerPrincipal(t *testing.T) {
	g := NewGuard(nil, nil, Options{Headers: testHeaders})
	p := &principal.Principal{Subject: "alice", Consumer: "app", Scopes: []string{"a", "b"}, Roles: []string{"r"}, Method: principal.MethodJWT}
	h := http.Header{}
	g.principalHeaders(h, p)
	if n := testing.AllocsPerRun(100, func() { g.principalHeaders(h, p) }); n != 0 {
		t.Errorf("cached principal: %.0f allocations per request", n)
	}
	if h.Get(testHeaders.Scopes) != "a b" || h.Get(testHeaders.Subject) != "alice" || h.Get(testHeaders.Method) != "jwt" {
		t.Errorf("headers %v", h)
	}
	for i := range 200 { // every slot replaced at least once, values never mixed up
		q := &principal.Principal{Subject: fmt.Sprint("u", i), Method: principal.MethodJWT}
		h := http.Header{}
		g.principalHeaders(h, q)
		g.principalHeaders(h, p)
		g.principalHeaders(h, q)
		if h.Get(testHeaders.Subject) != q.Subject || h.Get(testHeaders.Consumer) != "app" {
			t.Fatalf("principal %d: %v", i, h)
		}
	}
	k := &principal.Principal{Subject: "bob", Method: principal.MethodAPIKey} // not cached by its authenticator
	h = http.Header{}
	g.principalHeaders(h, k)
	if h.Get(testHeaders.Subject) != "bob" || len(h) != 2 {
		t.Errorf("api key principal: %v", h)
	}
}

// A guard built without a header cleaner cannot tell a client's copy of an
// identity header from the gateway's: it refuses, and nothing is forwarded.
func TestGuardWithoutCleanerFailsClosed(t *testing.T) {
	p := &principal.Principal{Subject: "alice", Method: "jwt"}
	g := NewGuard(NewChain([]Authenticator{&fake{scheme: "Bearer", p: p}}, false, ""), nil, Options{Headers: testHeaders})
	r := httptest.NewRequest("GET", "/orders", nil)
	r.Header.Set("Authorization", "Bearer t")
	r.Header.Set(testHeaders.Subject, "mallory")
	x := &exchange.Exchange{Req: r}
	if prob := g.Authenticate(x); prob == nil || prob.Status != http.StatusInternalServerError {
		t.Fatalf("without a cleaner: %+v", prob)
	}
	if x.Principal != nil {
		t.Fatal("a principal was set")
	}
}
