package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/bulwark-gw/bulwark/internal/authn"
)

const (
	issJWKS   = "https://idp.example.com/"
	issStatic = "https://static.example.com/"
)

// clock is a fake clock tests move by hand.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// testKeys are real keys generated for one test.
type testKeys struct {
	rsa      *rsa.PrivateKey
	ec       *ecdsa.PrivateKey
	ed       ed25519.PrivateKey
	attacker *rsa.PrivateKey
	hmac     []byte
}

func newTestKeys(t testing.TB) *testKeys {
	t.Helper()
	k := &testKeys{hmac: make([]byte, 32)}
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if k.attacker, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		t.Fatal(err)
	}
	if _, err = rand.Read(k.hmac); err != nil {
		t.Fatal(err)
	}
	return k
}

// publicJWKS is the issuer's published key set.
func (k *testKeys) publicJWKS() []jose.JSONWebKey {
	return []jose.JSONWebKey{
		{Key: &k.rsa.PublicKey, KeyID: "rsa1", Use: "sig"},
		{Key: &k.ec.PublicKey, KeyID: "ec1", Use: "sig"},
		{Key: k.ed.Public(), KeyID: "ed1"},
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signRaw signs header.payload with alg and key, exactly as an attacker or a
// standards-following issuer would, so tests control every byte.
func signRaw(t testing.TB, alg string, key any, header, payload []byte) string {
	t.Helper()
	input := b64(header) + "." + b64(payload)
	return input + "." + b64(signature(t, alg, key, []byte(input)))
}

func signature(t testing.TB, alg string, key any, input []byte) []byte {
	t.Helper()
	digest := sha256.Sum256(input)
	var sig []byte
	var err error
	switch alg {
	case "RS256":
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, digest[:])
	case "PS256":
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, digest[:], nil)
	case "ES256":
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), digest[:])
		if err == nil {
			sig = make([]byte, 64)
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:])
		}
	case "EdDSA":
		sig = ed25519.Sign(key.(ed25519.PrivateKey), input)
	case "HS256":
		m := hmac.New(sha256.New, key.([]byte))
		m.Write(input)
		sig = m.Sum(nil)
	default:
		t.Fatalf("signature: unsupported alg %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// claims returns a valid claim set for iss at now; overrides replace or (with
// a nil value) delete members.
func claims(iss string, now time.Time, overrides map[string]any) map[string]any {
	c := map[string]any{
		"iss":          iss,
		"sub":          "user-1",
		"aud":          "api",
		"azp":          "client-1",
		"exp":          now.Add(time.Hour).Unix(),
		"iat":          now.Unix(),
		"scope":        "write read",
		"realm_access": map[string]any{"roles": []string{"admin", "user"}},
	}
	for k, v := range overrides {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// jwksServer is a real local JWKS and discovery endpoint that counts requests.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	status  int    // 0: 200
	body    string // non-empty: served instead of the key set
	issuer  string // discovery issuer; default the server URL
	fetches atomic.Int64
}

func newJWKSServer(t testing.TB, keys []jose.JSONWebKey) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("/jwks", s.serveJWKS)
	mux.HandleFunc("/.well-known/openid-configuration", s.serveDiscovery)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	s.fetches.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status != 0 {
		w.WriteHeader(s.status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if s.body != "" {
		_, _ = w.Write([]byte(s.body))
		return
	}
	_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: s.keys})
}

func (s *jwksServer) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	iss := s.issuer
	s.mu.Unlock()
	if iss == "" {
		iss = s.URL
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": s.URL + "/jwks"})
}

func (s *jwksServer) set(keys []jose.JSONWebKey, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys, s.status, s.body = keys, status, body
}

// fixture is an Authenticator over two issuers: one with a JWKS, one with
// static keys (an RSA PEM without kid and an HMAC secret).
type fixture struct {
	keys  *testKeys
	clock *clock
	srv   *jwksServer
	auth  *Authenticator
}

func newFixture(t testing.TB, mutate func(*Config)) *fixture {
	t.Helper()
	f := &fixture{keys: newTestKeys(t), clock: newClock()}
	f.srv = newJWKSServer(t, f.keys.publicJWKS())
	jwksCfg := Config{
		Issuer: issJWKS, JWKSURL: f.srv.URL + "/jwks", Audiences: []string{"api"},
		Algorithms: []string{"RS256", "PS256", "ES256", "EdDSA"}, Leeway: 30 * time.Second,
		RoleClaims: []string{"realm_access.roles"}, Now: f.clock.Now,
	}
	if mutate != nil {
		mutate(&jwksCfg)
	}
	staticCfg := Config{
		Issuer: issStatic, Algorithms: []string{"RS256", "HS256"}, Now: f.clock.Now,
		StaticKeys: []string{pemPublic(t, &f.keys.rsa.PublicKey),
			string(mustJSON(t, jose.JSONWebKey{Key: f.keys.hmac, KeyID: "hs1"}))},
	}
	a, err := New([]Config{jwksCfg, staticCfg}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Start(t.Context())
	f.auth = a
	return f
}

func pemPublic(t testing.TB, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// token signs claims with the fixture's key for alg under kid.
func (f *fixture) token(t testing.TB, alg, kid string, c map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": alg, "typ": "JWT"}
	if kid != "" {
		h["kid"] = kid
	}
	return signRaw(t, alg, f.keys.signer(alg), mustJSON(t, h), mustJSON(t, c))
}

func (k *testKeys) signer(alg string) any {
	switch alg {
	case "ES256":
		return k.ec
	case "EdDSA":
		return k.ed
	case "HS256":
		return k.hmac
	}
	return k.rsa
}

// request builds a request carrying token as a bearer credential.
func request(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/orders", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

// asFailure returns err as a Failure, or nil.
func asFailure(err error) *authn.Failure {
	var f *authn.Failure
	if errors.As(err, &f) {
		return f
	}
	return nil
}
