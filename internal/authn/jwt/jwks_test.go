package jwt

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/logtest"
)

// newJWKSAuth returns a started Authenticator over one JWKS-backed issuer.
func newJWKSAuth(t testing.TB, c Config, logs *logtest.Buffer) *Authenticator {
	t.Helper()
	var logger *slog.Logger
	if logs != nil {
		logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	a, err := New([]Config{c}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Start(t.Context())
	return a
}

func TestJWKSRotation(t *testing.T) {
	f := newFixture(t, nil)
	old := f.token(t, "RS256", "rsa1", claims(issJWKS, f.clock.Now(), nil))
	if _, err := f.auth.Authenticate(request(old)); err != nil {
		t.Fatalf("token under rsa1: %v", err)
	}
	next, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f.srv.set([]jose.JSONWebKey{{Key: &next.PublicKey, KeyID: "rsa2", Use: "sig"}}, 0, "")
	f.clock.advance(DefaultMinRefetchInterval + time.Second)
	h := mustJSON(t, map[string]any{"alg": "RS256", "kid": "rsa2"})
	rotated := signRaw(t, "RS256", next, h, mustJSON(t, claims(issJWKS, f.clock.Now(), nil)))
	if _, err := f.auth.Authenticate(request(rotated)); err != nil {
		t.Fatalf("token under new kid rsa2: %v", err)
	}
	if n := f.srv.fetches.Load(); n != 2 {
		t.Fatalf("jwks fetches = %d; want 2 (start + one refetch)", n)
	}
	if n := f.auth.cache.len(); n != 1 {
		t.Fatalf("cache entries = %d; want 1 (rsa1's token dropped)", n)
	}
	_, err = f.auth.Authenticate(request(old))
	checkReason(t, err, authn.ReasonUnknownKey)
	if n := f.srv.fetches.Load(); n != 2 {
		t.Fatalf("jwks fetches = %d; want 2 (refetch is rate-limited)", n)
	}
}

func TestUnknownKidFlood(t *testing.T) {
	f := newFixture(t, nil)
	f.clock.advance(DefaultMinRefetchInterval + time.Second)
	tokens := make([]string, 500)
	for i := range tokens {
		h := mustJSON(t, map[string]any{"alg": "ES256", "kid": fmt.Sprintf("kid-%d-%s", i, rand.Text())})
		tokens[i] = signRaw(t, "ES256", f.keys.ec, h, mustJSON(t, claims(issJWKS, f.clock.Now(), nil)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(tokens))
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(tokens); i += 8 {
				_, err := f.auth.Authenticate(request(tokens[i]))
				if fail := asFailure(err); fail == nil || fail.Reason != authn.ReasonUnknownKey {
					errs <- fmt.Errorf("token %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := f.srv.fetches.Load(); n > 3 {
		t.Fatalf("jwks fetches = %d; want at most 3", n)
	}
}

func TestJWKSDownKeepsKeys(t *testing.T) {
	keys := newTestKeys(t)
	srv := newJWKSServer(t, keys.publicJWKS())
	clk := newClock()
	logs := &logtest.Buffer{}
	a := newJWKSAuth(t, Config{Issuer: issJWKS, JWKSURL: srv.URL + "/jwks", Algorithms: []string{"ES256"}, Now: clk.Now}, logs)
	is := a.issuers[issJWKS]
	before := fetchFailures.Get(is.cfg.Name)
	failures := []struct {
		name   string
		status int
		body   string
	}{
		{name: "server error", status: http.StatusInternalServerError},
		{name: "bad json", body: `{"keys":[`},
		{name: "empty set", body: `{"keys":[]}`},
		{name: "only encryption keys", body: `{"keys":[{"kty":"oct","k":"AAAA","use":"enc"}]}`},
		{name: "not found", status: http.StatusNotFound},
	}
	for i, tc := range failures {
		srv.set(keys.publicJWKS(), tc.status, tc.body)
		if err := is.refresh(t.Context(), true); err == nil {
			t.Fatalf("%s: refresh succeeded", tc.name)
		}
		tok := signRaw(t, "ES256", keys.ec, mustJSON(t, map[string]any{"alg": "ES256", "kid": "ec1"}),
			mustJSON(t, claims(issJWKS, clk.Now(), map[string]any{"aud": nil, "jti": fmt.Sprint("t", i)})))
		if _, err := a.Authenticate(request(tok)); err != nil {
			t.Fatalf("%s: cached keys no longer serve: %v", tc.name, err)
		}
	}
	if n := logs.Count("jwks refresh failed"); n != 1 {
		t.Fatalf("failure logged %d times; want once per streak", n)
	}
	// Each failed fetch counts (bulwark_jwks_fetch_failures_total).
	if got := fetchFailures.Get(is.cfg.Name) - before; got != uint64(len(failures)) || is.cfg.Name == "" {
		t.Fatalf("fetch failures counted %d for issuer %q, want %d", got, is.cfg.Name, len(failures))
	}
	srv.set(keys.publicJWKS(), 0, "")
	if err := is.refresh(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if n := logs.Count("jwks refresh recovered"); n != 1 {
		t.Fatalf("recovery logged %d times; want 1", n)
	}
}

func TestNoKeysYetIsUnavailable(t *testing.T) {
	keys := newTestKeys(t)
	srv := newJWKSServer(t, nil)
	srv.set(nil, http.StatusServiceUnavailable, "")
	clk := newClock()
	a := newJWKSAuth(t, Config{Issuer: issJWKS, JWKSURL: srv.URL + "/jwks", Algorithms: []string{"ES256"}, Now: clk.Now}, nil)
	tok := signRaw(t, "ES256", keys.ec, mustJSON(t, map[string]any{"alg": "ES256", "kid": "ec1"}),
		mustJSON(t, claims(issJWKS, clk.Now(), nil)))
	_, err := a.Authenticate(request(tok))
	if err == nil || asFailure(err) != nil || errors.Is(err, authn.ErrNoCredentials) || !errors.Is(err, errNoKeys) {
		t.Fatalf("err = %v; want a plain (503) error", err)
	}
	prob := authn.NewChain([]authn.Authenticator{a}, false, "").Authenticate
	if _, p := prob(request(tok)); p == nil || p.Status != http.StatusServiceUnavailable {
		t.Fatalf("chain problem = %v; want 503", p)
	}
	// The endpoint recovers: the next token past the rate limit fetches the keys.
	srv.set(keys.publicJWKS(), 0, "")
	clk.advance(DefaultMinRefetchInterval + time.Second)
	if _, err := a.Authenticate(request(tok)); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestDiscovery(t *testing.T) {
	tests := []struct {
		name         string
		advertisedAs string // discovery document issuer; "" = the configured one
		wantErr      bool
	}{
		{name: "issuer matches"},
		{name: "issuer mismatch", advertisedAs: "https://evil.example/", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys := newTestKeys(t)
			srv := newJWKSServer(t, keys.publicJWKS())
			srv.issuer = tc.advertisedAs
			clk := newClock()
			a := newJWKSAuth(t, Config{Issuer: srv.URL, DiscoveryURL: srv.URL + "/.well-known/openid-configuration",
				Algorithms: []string{"EdDSA"}, Now: clk.Now}, nil)
			tok := signRaw(t, "EdDSA", keys.ed, mustJSON(t, map[string]any{"alg": "EdDSA", "kid": "ed1"}),
				mustJSON(t, claims(srv.URL, clk.Now(), nil)))
			p, err := a.Authenticate(request(tok))
			if tc.wantErr {
				if err == nil || asFailure(err) != nil || srv.fetches.Load() != 0 {
					t.Fatalf("err = %v, jwks fetches %d; want plain error and no jwks fetch", err, srv.fetches.Load())
				}
				return
			}
			if err != nil || p.Issuer != srv.URL {
				t.Fatalf("Authenticate = %v, %v", p, err)
			}
		})
	}
}

func TestParseJWKSSkipsUnusableKeys(t *testing.T) {
	keys := newTestKeys(t)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	set := append(keys.publicJWKS(),
		jose.JSONWebKey{Key: &keys.attacker.PublicKey, KeyID: "enc", Use: "enc"},
		jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "oct"},
		jose.JSONWebKey{Key: &weak.PublicKey, KeyID: "weak"},
		jose.JSONWebKey{Key: keys.rsa, KeyID: "private"})
	body := mustJSON(t, jose.JSONWebKeySet{Keys: set})
	got, err := parseJWKS(body)
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range got {
		if _, isPriv := k.key.(*rsa.PrivateKey); isPriv {
			t.Fatal("private key kept")
		}
		kids = append(kids, k.kid)
	}
	if want := "rsa1,ec1,ed1,private"; strings.Join(kids, ",") != want {
		t.Fatalf("kids = %v; want %s", kids, want)
	}
}
