package jwt

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/principal"
)

func TestValidTokens(t *testing.T) {
	f := newFixture(t, nil)
	now := f.clock.Now()
	tests := []struct {
		name       string
		token      func(t testing.TB) string
		wantScopes []string
		wantRoles  []string
		wantIss    string
	}{
		{name: "RS256", token: func(t testing.TB) string { return f.token(t, "RS256", "rsa1", claims(issJWKS, now, nil)) }},
		{name: "PS256", token: func(t testing.TB) string { return f.token(t, "PS256", "rsa1", claims(issJWKS, now, nil)) }},
		{name: "ES256", token: func(t testing.TB) string { return f.token(t, "ES256", "ec1", claims(issJWKS, now, nil)) }},
		{name: "EdDSA", token: func(t testing.TB) string { return f.token(t, "EdDSA", "ed1", claims(issJWKS, now, nil)) }},
		{name: "ES256 without kid", token: func(t testing.TB) string { return f.token(t, "ES256", "", claims(issJWKS, now, nil)) }},
		{name: "scp array", wantScopes: []string{"a", "b"}, token: func(t testing.TB) string {
			return f.token(t, "RS256", "rsa1", claims(issJWKS, now, map[string]any{"scope": nil, "scp": []string{"b", "a", "b"}}))
		}},
		{name: "expired within leeway", token: func(t testing.TB) string {
			return f.token(t, "RS256", "rsa1", claims(issJWKS, now, map[string]any{"exp": now.Add(-10 * time.Second).Unix()}))
		}},
		{name: "aud array with one match", token: func(t testing.TB) string {
			return f.token(t, "RS256", "rsa1", claims(issJWKS, now, map[string]any{"aud": []string{"x", "api"}}))
		}},
		{name: "signed by go-jose", token: func(t testing.TB) string { return joseToken(t, f.keys, claims(issJWKS, now, nil)) }},
		{name: "static PEM key without kid", wantIss: issStatic, wantRoles: []string{}, token: func(t testing.TB) string {
			return f.token(t, "RS256", "", claims(issStatic, now, nil))
		}},
		{name: "static HMAC key", wantIss: issStatic, wantRoles: []string{}, token: func(t testing.TB) string {
			return f.token(t, "HS256", "hs1", claims(issStatic, now, nil))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.auth.Authenticate(request(tc.token(t)))
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			want := principal.Principal{Subject: "user-1", Consumer: "client-1", Method: principal.MethodJWT,
				Issuer: issJWKS, Scopes: []string{"read", "write"}, Roles: []string{"admin", "user"}}
			if tc.wantScopes != nil {
				want.Scopes = tc.wantScopes
			}
			if tc.wantRoles != nil {
				want.Roles = tc.wantRoles
			}
			if tc.wantIss != "" {
				want.Issuer = tc.wantIss
			}
			if p.Subject != want.Subject || p.Consumer != want.Consumer || p.Method != want.Method ||
				p.Issuer != want.Issuer || !slices.Equal(p.Scopes, want.Scopes) || !slices.Equal(p.Roles, want.Roles) {
				t.Fatalf("principal = %+v; want %+v", p, want)
			}
			if len(p.CredentialID) != 12 || p.ExpiresAt.IsZero() || p.Claims["sub"] != "user-1" {
				t.Fatalf("credential id %q, expires %v, claims %v", p.CredentialID, p.ExpiresAt, p.Claims)
			}
		})
	}
}

// joseToken signs with go-jose itself, proving interoperability.
func joseToken(t testing.TB, k *testKeys, c map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "rsa1")
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.rsa}, opts)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(mustJSON(t, c))
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPrincipalClaims(t *testing.T) {
	f := newFixture(t, nil)
	now := f.clock.Now()
	tok := f.token(t, "RS256", "rsa1", claims(issJWKS, now, map[string]any{"jti": "tok-7", "azp": nil, "client_id": "svc"}))
	p, err := f.auth.Authenticate(request(tok))
	if err != nil {
		t.Fatal(err)
	}
	if p.CredentialID != "tok-7" || p.Consumer != "svc" || !p.ExpiresAt.Equal(time.Unix(now.Add(time.Hour).Unix(), 0)) {
		t.Fatalf("principal = %+v", p)
	}
	again, err := f.auth.Authenticate(request(tok))
	if err != nil || again != p {
		t.Fatalf("second Authenticate = %p, %v; want the cached principal %p", again, err, p)
	}
	f.clock.advance(time.Hour) // exactly exp: the cache entry ends, leeway still admits it
	if q, err := f.auth.Authenticate(request(tok)); err != nil || q == p {
		t.Fatalf("after exp: %p, %v; want a fresh verification within leeway", q, err)
	}
}

func TestTypesAndAudienceConfig(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*Config)
		header map[string]any
		over   map[string]any
		reason string // "" means accepted
	}{
		{name: "typ at+jwt accepted with prefix and case", cfg: func(c *Config) { c.Types = []string{"at+jwt"} },
			header: map[string]any{"typ": "application/AT+JWT"}},
		{name: "typ absent refused when types set", cfg: func(c *Config) { c.Types = []string{"at+jwt"} },
			header: map[string]any{}, reason: authn.ReasonMalformed},
		{name: "typ JWT refused when types set", cfg: func(c *Config) { c.Types = []string{"at+jwt"} },
			header: map[string]any{"typ": "JWT"}, reason: authn.ReasonMalformed},
		{name: "typ absent accepted by default", header: map[string]any{}},
		{name: "aud all matched", cfg: func(c *Config) { c.Audiences, c.AudienceMatchAll = []string{"api", "billing"}, true },
			over: map[string]any{"aud": []string{"billing", "api"}}},
		{name: "aud all missing one", cfg: func(c *Config) { c.Audiences, c.AudienceMatchAll = []string{"api", "billing"}, true },
			over: map[string]any{"aud": []string{"api"}}, reason: authn.ReasonAudience},
		{name: "aud any", cfg: func(c *Config) { c.Audiences = []string{"api", "billing"} },
			over: map[string]any{"aud": "billing"}},
		{name: "aud unchecked when none configured", cfg: func(c *Config) { c.Audiences = nil },
			over: map[string]any{"aud": "anything"}},
		{name: "required claim missing", cfg: func(c *Config) { c.RequiredClaims = []string{"tenant.id"} },
			reason: authn.ReasonClaims},
		{name: "required claim present", cfg: func(c *Config) { c.RequiredClaims = []string{"tenant.id"} },
			over: map[string]any{"tenant": map[string]any{"id": "t1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.cfg)
			h := map[string]any{"alg": "RS256", "kid": "rsa1"}
			for k, v := range tc.header {
				h[k] = v
			}
			if tc.header == nil {
				h["typ"] = "JWT"
			}
			tok := signRaw(t, "RS256", f.keys.rsa, mustJSON(t, h), mustJSON(t, claims(issJWKS, f.clock.Now(), tc.over)))
			_, err := f.auth.Authenticate(request(tok))
			checkReason(t, err, tc.reason)
		})
	}
}

// checkReason asserts acceptance (reason "") or a Failure with reason.
func checkReason(t *testing.T, err error, reason string) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Fatalf("err = %v; want accepted", err)
		}
		return
	}
	if f := asFailure(err); f == nil || f.Reason != reason {
		t.Fatalf("err = %v; want %s", err, reason)
	}
}

// TestChainOverHTTP runs the authenticator in an authn chain behind a real server.
func TestChainOverHTTP(t *testing.T) {
	f := newFixture(t, nil)
	chain := authn.NewChain([]authn.Authenticator{f.auth}, false, "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, prob := chain.Authenticate(r)
		if prob != nil {
			for k, v := range prob.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(prob.Status)
			return
		}
		chain.Strip(r.Header, p, false)
		w.Header().Set("X-Subject", p.Subject)
		w.Header().Set("X-Upstream-Authz", r.Header.Get("Authorization"))
	}))
	t.Cleanup(srv.Close)
	valid := f.token(t, "ES256", "ec1", claims(issJWKS, f.clock.Now(), nil))
	tests := []struct {
		name, query, token string
		status             int
		challenge          string
	}{
		{name: "valid", token: valid, status: http.StatusOK},
		{name: "missing", status: http.StatusUnauthorized, challenge: `Bearer realm="bulwark"`},
		{name: "forged", token: valid[:len(valid)-4] + "AAAA", status: http.StatusUnauthorized,
			challenge: `Bearer realm="bulwark", error="invalid_token", error_description="The token's signature is invalid."`},
		{name: "in query", query: "?access_token=x", token: valid, status: http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+tc.query, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "bearer "+tc.token)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || resp.Header.Get("WWW-Authenticate") != tc.challenge {
				t.Fatalf("status %d, challenge %q; want %d, %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tc.status, tc.challenge)
			}
			if tc.status == http.StatusOK && (resp.Header.Get("X-Subject") != "user-1" || resp.Header.Get("X-Upstream-Authz") != "") {
				t.Fatalf("subject %q, upstream authorization %q", resp.Header.Get("X-Subject"), resp.Header.Get("X-Upstream-Authz"))
			}
		})
	}
}
