package introspect

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

const testToken = "opaque-TOKEN.abc_123~x+y/z=="

func TestActiveTokenPrincipal(t *testing.T) {
	as := newAS(t, activeBody())
	a := newTestAuth(t, as, newClock(), nil, func(c *Config) {
		c.Issuer = "https://as.example"
		c.Audiences = []string{"orders-api"}
		c.RoleClaims = []string{"roles"}
	})
	p, err := a.Authenticate(bearerRequest(testToken))
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	got := *p
	got.Claims = nil
	want := principal.Principal{
		Subject: "alice", Consumer: "shop-app", Scopes: []string{"read", "write"},
		Roles: []string{"admin", "user"}, Method: principal.MethodIntrospection,
		Issuer: "https://as.example", ExpiresAt: time.Unix(t0.Add(time.Hour).Unix(), 0),
	}
	want.CredentialID = tokenKey(sha256.Sum256([]byte(testToken))).credentialID()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("principal\n got %+v\nwant %+v", got, want)
	}
	if len(p.CredentialID) != 12 || strings.Contains(testToken, p.CredentialID) {
		t.Errorf("CredentialID %q: want 12 hex digits of the hash", p.CredentialID)
	}
	if p.Claims["client_id"] != "shop-app" {
		t.Errorf("Claims = %v: want the response map", p.Claims)
	}
	if got := as.Last().form.Get("token"); got != testToken {
		t.Errorf("AS got token %q, want %q", got, testToken)
	}
}

func TestResponses(t *testing.T) {
	with := func(edit func(m map[string]any)) map[string]any {
		m := activeBody()
		edit(m)
		return m
	}
	tests := []struct {
		name string
		body map[string]any
		want string // Failure reason, "" for a principal
	}{
		{"active", activeBody(), ""},
		{"active no exp", with(func(m map[string]any) { delete(m, "exp") }), ""},
		{"consumer only", with(func(m map[string]any) { delete(m, "sub") }), ""},
		{"aud string", with(func(m map[string]any) { m["aud"] = "orders-api" }), ""},
		{"inactive", map[string]any{"active": false}, authn.ReasonInactive},
		{"inactive with claims", with(func(m map[string]any) { m["active"] = false }), authn.ReasonInactive},
		{"expired", with(func(m map[string]any) { m["exp"] = float64(t0.Unix() - 1) }), authn.ReasonExpired},
		{"expires now", with(func(m map[string]any) { m["exp"] = float64(t0.Unix()) }), authn.ReasonExpired},
		{"not yet valid", with(func(m map[string]any) { m["nbf"] = float64(t0.Unix() + 60) }), authn.ReasonNotYetValid},
		{"issuer mismatch", with(func(m map[string]any) { m["iss"] = "https://evil.example" }), authn.ReasonUnknownIssuer},
		{"issuer missing", with(func(m map[string]any) { delete(m, "iss") }), authn.ReasonUnknownIssuer},
		{"audience mismatch", with(func(m map[string]any) { m["aud"] = []any{"billing"} }), authn.ReasonAudience},
		{"audience missing", with(func(m map[string]any) { delete(m, "aud") }), authn.ReasonAudience},
		{"no identity", with(func(m map[string]any) { delete(m, "sub"); delete(m, "client_id") }), authn.ReasonClaims},
		{"sub not string", with(func(m map[string]any) { m["sub"] = 42.0 }), authn.ReasonClaims},
		{"scope not string", with(func(m map[string]any) { m["scope"] = 1.0 }), authn.ReasonClaims},
		{"exp not number", with(func(m map[string]any) { m["exp"] = "soon" }), authn.ReasonClaims},
		{"exp huge", with(func(m map[string]any) { m["exp"] = 1e300 }), authn.ReasonClaims},
		{"refresh token", with(func(m map[string]any) { m["token_type"] = "refresh_token" }), authn.ReasonClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAS(t, tt.body)
			a := newTestAuth(t, as, newClock(), nil, func(c *Config) {
				c.Issuer = "https://as.example"
				c.Audiences = []string{"orders-api"}
			})
			p, err := a.Authenticate(bearerRequest(testToken))
			if got := reasonOf(err); got != tt.want {
				t.Fatalf("reason = %q (%v), want %q", got, err, tt.want)
			}
			if (p != nil) != (tt.want == "") {
				t.Errorf("principal = %v with err %v", p, err)
			}
			var f *authn.Failure
			if errors.As(err, &f) && (f.Code != authn.ErrCodeInvalidToken || f.Status != 0 || strings.Contains(f.Error(), testToken)) {
				t.Errorf("failure %+v: want 401 invalid_token without the token", f)
			}
		})
	}
}

func TestEndpointErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"500", rawHandler(500, "application/json", `{"active":true,"sub":"x"}`)},
		{"401 bad client", rawHandler(401, "application/json", `{"error":"invalid_client"}`)},
		{"redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", 307) }},
		{"html", rawHandler(200, "text/html", `{"active":true,"sub":"x"}`)},
		{"bad json", rawHandler(200, "application/json", `{"active":true,`)},
		{"not an object", rawHandler(200, "application/json", `[true]`)},
		{"null", rawHandler(200, "application/json", `null`)},
		{"active missing", rawHandler(200, "application/json", `{"sub":"x"}`)},
		{"active string", rawHandler(200, "application/json", `{"active":"true","sub":"x"}`)},
		{"trailing data", rawHandler(200, "application/json", `{"active":true,"sub":"x"}{"active":false}`)},
		{"too large", rawHandler(200, "application/json", `{"active":true,"sub":"`+strings.Repeat("a", maxResponseSize)+`"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newAS(t, nil)
			as.setHandler(tt.handler)
			a := newTestAuth(t, as, newClock(), nil, nil)
			for i := range 2 {
				p, err := a.Authenticate(bearerRequest(testToken))
				if p != nil || reasonOf(err) != "<plain>" {
					t.Fatalf("call %d: got (%v, %v), want a plain error", i, p, err)
				}
			}
			if as.Calls() != 2 {
				t.Errorf("calls = %d: an endpoint error must not be cached", as.Calls())
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	as := newAS(t, nil)
	as.setHandler(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	a := newTestAuth(t, as, newClock(), nil, func(c *Config) { c.Timeout = 10 * time.Millisecond })
	p, err := a.Authenticate(bearerRequest(testToken))
	if p != nil || reasonOf(err) != "<plain>" {
		t.Fatalf("got (%v, %v), want a plain error", p, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v: want a deadline error", err)
	}
}

func TestClientAuthentication(t *testing.T) {
	const id, secret = "client:1 é", "s3cr+t/&=%"
	// RFC 6749 §2.3.1: form-urlencode id and secret, then base64 "id:secret".
	const encodedPair = "client%3A1+%C3%A9:s3cr%2Bt%2F%26%3D%25"
	const tokenForm = "token=opaque-TOKEN.abc_123~x%2By%2Fz%3D%3D"
	tests := []struct {
		method   string
		wantAuth string
		wantBody string
	}{
		{"", "Basic " + base64.StdEncoding.EncodeToString([]byte(encodedPair)),
			tokenForm + "&token_type_hint=access_token"},
		{AuthMethodBasic, "Basic " + base64.StdEncoding.EncodeToString([]byte(encodedPair)),
			tokenForm + "&token_type_hint=access_token"},
		{AuthMethodPost, "",
			"client_id=client%3A1+%C3%A9&client_secret=s3cr%2Bt%2F%26%3D%25&" + tokenForm + "&token_type_hint=access_token"},
	}
	for _, tt := range tests {
		t.Run("method="+tt.method, func(t *testing.T) {
			as := newAS(t, activeBody())
			a := newTestAuth(t, as, newClock(), nil, func(c *Config) {
				c.ClientID, c.ClientSecret, c.AuthMethod = id, secret, tt.method
			})
			if _, err := a.Authenticate(bearerRequest(testToken)); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			got := as.Last()
			if got.method != http.MethodPost || got.contentType != "application/x-www-form-urlencoded" || got.accept != "application/json" {
				t.Errorf("request %s %q accept %q", got.method, got.contentType, got.accept)
			}
			if got.auth != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", got.auth, tt.wantAuth)
			}
			if got.body != tt.wantBody {
				t.Errorf("body = %q\n          want %q", got.body, tt.wantBody)
			}
		})
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	elsewhere := newAS(t, activeBody())
	as := newAS(t, nil)
	as.setHandler(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL, http.StatusTemporaryRedirect)
	})
	a := newTestAuth(t, as, newClock(), nil, func(c *Config) { c.HTTPClient = &http.Client{} })
	if _, err := a.Authenticate(bearerRequest(testToken)); reasonOf(err) != "<plain>" {
		t.Fatalf("err = %v, want a plain error", err)
	}
	if elsewhere.Calls() != 0 {
		t.Errorf("redirect target got %d calls: the token must not follow a redirect", elsewhere.Calls())
	}
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(jsonHandler(activeBody()))
	t.Cleanup(srv.Close)
	a, err := New(Config{URL: srv.URL, ClientID: "gw", ClientSecret: "s", HTTPClient: srv.Client(),
		Now: newClock().Now}, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if p, err := a.Authenticate(bearerRequest(testToken)); err != nil || p.Subject != "alice" {
		t.Fatalf("got (%v, %v)", p, err)
	}
}

func TestSchemeAndStrip(t *testing.T) {
	a := newTestAuth(t, newAS(t, nil), newClock(), nil, nil)
	if a.Scheme() != "Bearer" {
		t.Errorf("Scheme = %q", a.Scheme())
	}
	h := http.Header{"Authorization": {"Bearer x"}, "X-Other": {"y"}}
	a.Strip(h)
	if _, ok := h["Authorization"]; ok || h.Get("X-Other") != "y" {
		t.Errorf("after Strip: %v", h)
	}
}
