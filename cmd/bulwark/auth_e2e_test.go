package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
)

// issuer is a real local identity provider: it serves a JWKS and mints tokens.
type issuer struct {
	key     *rsa.PrivateKey
	kid     string
	srv     *httptest.Server
	fetches atomic.Int32
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key, kid: "k1"}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.fetches.Add(1)
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: is.kid, Algorithm: "RS256", Use: "sig"}}}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: is.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", is.kid))
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]any{"iss": "https://login.test/", "aud": "orders-api", "sub": "alice",
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "scope": "orders:read"}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	tok, err := josejwt.Signed(sig).Claims(base).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func authConfig(up, jwks string) string {
	return authConfigAS(up, jwks, "http://127.0.0.1:1/introspect")
}

func authConfigAS(up, jwks, as string) string {
	return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:auth.db
identity:
  api_keys:
    pepper: ${env:BULWARK_ADMIN_TOKEN}-pepper
    cache_ttl: 2s
  jwt:
    - name: corp
      issuer: https://login.test/
      jwks_url: ` + jwks + `
      audiences: [orders-api]
  introspection:
    - name: partner
      url: ` + as + `
      client_id: bulwark
      client_secret: ${env:BULWARK_ADMIN_TOKEN}
apis:
  - name: shop
    upstream: ` + up + `
    auth: [jwt, api_key]
    routes:
      - match: GET /users/{id}
        scopes: [orders:read]
      - match: GET,POST /orders
        scopes: [orders:write]
      - match: GET /events
        auth: [none]
      - match: GET /slow
        auth: [api_key]
      - match: GET /catalog
        auth: [introspection:partner]
        keep_credential: true
`
}

type authCase struct {
	name    string
	header  map[string]string
	path    string
	status  int
	code    string
	reason  string
	wwwAuth string
}

func TestJWTAuthenticationThroughTheGateway(t *testing.T) {
	up := upstream(t)
	is := newIssuer(t)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), authConfig(up.URL, is.srv.URL)))

	good := is.token(t, nil)
	cases := []authCase{
		{"no credentials", nil, "/users/1", 401, "credentials_missing", "credentials_missing", `Bearer realm="bulwark"`},
		{"expired", map[string]string{"Authorization": "Bearer " + is.token(t, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})},
			"/users/1", 401, "invalid_credentials", "expired", `error="invalid_token"`},
		{"wrong audience", map[string]string{"Authorization": "Bearer " + is.token(t, map[string]any{"aud": "other-api"})},
			"/users/1", 401, "invalid_credentials", "audience_mismatch", `error="invalid_token"`},
		{"tampered", map[string]string{"Authorization": "Bearer " + tamper(good)}, "/users/1", 401, "invalid_credentials", "bad_signature", ""},
		{"alg none", map[string]string{"Authorization": "Bearer " + algNone(good)}, "/users/1", 401, "invalid_credentials", "algorithm_not_allowed", ""},
		{"token in query", nil, "/users/1?access_token=" + good, 400, "credential_in_query", "credential_in_query", ""},
		{"insufficient scope", map[string]string{"Authorization": "Bearer " + good}, "/orders", 403, "insufficient_scope", "insufficient_scope", `error="insufficient_scope"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkAuthCase(t, p, c) })
	}

	// A valid token reaches the upstream as the principal, without the raw token,
	// and a client-sent principal header is replaced.
	req, _ := http.NewRequest("GET", p.url("/users/1"), nil)
	req.Header.Set("Authorization", "Bearer "+good)
	req.Header.Set("X-Bulwark-Subject", "admin")
	resp, body := do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("valid token: %d %s", resp.StatusCode, body)
	}
	var echo map[string]string
	_ = json.Unmarshal(body, &echo)
	if echo["subject"] != "alice" || echo["authorization"] != "" || echo["method_hdr"] != "jwt" {
		t.Fatalf("upstream saw %v", echo)
	}
	// An open route strips a spoofed principal header too.
	req, _ = http.NewRequest("GET", p.url("/events"), nil)
	req.Header.Set("X-Bulwark-Subject", "admin")
	if resp, _ := do(t, req); resp.StatusCode != 200 {
		t.Fatalf("open route: %d", resp.StatusCode)
	}
	// Audit records the principal and never the token.
	waitFor(t, "allowed jwt event", func() bool { return strings.Contains(p.stdout.String(), `"principal":"alice"`) })
	if strings.Contains(p.stdout.String(), good[:40]) || strings.Contains(p.stderr.String(), good[:40]) {
		t.Fatal("a token reached the logs")
	}
}

func checkAuthCase(t *testing.T, p *proc, c authCase) {
	t.Helper()
	req, _ := http.NewRequest("GET", p.url(c.path), nil)
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, body := do(t, req)
	pr := mustProblem(t, resp, body, c.status, c.code)
	if c.wwwAuth != "" && !strings.Contains(resp.Header.Get("WWW-Authenticate"), c.wwwAuth) {
		t.Fatalf("WWW-Authenticate = %q, want %q", resp.Header.Get("WWW-Authenticate"), c.wwwAuth)
	}
	waitFor(t, "audit reason "+c.reason, func() bool {
		return strings.Contains(p.stdout.String(), `"request_id":"`+pr.RequestID+`"`) &&
			regexp.MustCompile(`"request_id":"`+regexp.QuoteMeta(pr.RequestID)+`"[^\n]*"reason":"`+c.reason+`"`).MatchString(p.stdout.String())
	})
}

// tamper changes the subject of a signed token without re-signing it.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), `"sub":"alice"`, `"sub":"admin"`, 1))
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

// algNone rewrites the header to alg "none" and drops the signature.
func algNone(tok string) string {
	parts := strings.Split(tok, ".")
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}

func TestAPIKeyLifecycleThroughTheGateway(t *testing.T) {
	up := upstream(t)
	is := newIssuer(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, authConfig(up.URL, is.srv.URL))
	p := startBulwark(t, "serve", "-c", cfg)

	key := createKey(t, cfg, "--consumer", "billing", "--scopes", "orders:read")
	req, _ := http.NewRequest("GET", p.url("/users/7"), nil)
	req.Header.Set("X-API-Key", key)
	resp, body := do(t, req)
	var echo map[string]string
	_ = json.Unmarshal(body, &echo)
	if resp.StatusCode != 200 || echo["consumer"] != "billing" || echo["api_key"] != "" {
		t.Fatalf("valid key: %d %s", resp.StatusCode, body)
	}
	// Malformed, unknown and query-string keys.
	checkAuthCase(t, p, authCase{"malformed", map[string]string{"X-API-Key": "bwk_nope"}, "/users/7", 401, "invalid_credentials", "credential_malformed", ""})
	checkAuthCase(t, p, authCase{"key in query", nil, "/users/7?api_key=" + key, 400, "credential_in_query", "credential_in_query", ""})

	// Revoked with the CLI while the gateway runs: refused shortly after.
	id := keyID(t, key, cfg)
	revoke := exec.Command(binPath, "keys", "revoke", "-c", cfg, id)
	revoke.Env = append(revoke.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
	if out, err := revoke.CombinedOutput(); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	waitFor(t, "revocation to reach the gateway", func() bool {
		req, _ := http.NewRequest("GET", p.url("/users/7"), nil)
		req.Header.Set("X-API-Key", key)
		resp, _ := do(t, req)
		return resp.StatusCode == 401
	})
	if strings.Contains(p.stdout.String(), key) || strings.Contains(p.stderr.String(), key) {
		t.Fatal("an API key reached the logs")
	}
}

// createKey runs `bulwark keys create` and returns the printed key.
func createKey(t *testing.T, cfg string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"keys", "create", "-c", cfg}, args...)...)
	cmd.Env = append(cmd.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, out)
	}
	k := regexp.MustCompile(`bwk_[A-Za-z0-9_]+`).FindString(string(out))
	if k == "" {
		t.Fatalf("no key printed:\n%s", out)
	}
	return k
}

// keyID returns the public id part of a key as `keys list` shows it.
func keyID(t *testing.T, key, cfg string) string {
	t.Helper()
	cmd := exec.Command(binPath, "keys", "list", "-c", cfg)
	cmd.Env = append(cmd.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("keys list: %v\n%s", err, out)
	}
	for _, f := range strings.Fields(string(out)) {
		if len(f) >= 8 && strings.Contains(key, f) && !strings.HasPrefix(f, "bwk_") {
			return f
		}
	}
	t.Fatalf("key id not found in:\n%s", out)
	return ""
}

func TestIntrospectionThroughTheGateway(t *testing.T) {
	up := upstream(t)
	is := newIssuer(t)
	var calls atomic.Int32
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		id, secret, ok := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		if !ok || id != "bulwark" || secret != testToken {
			w.WriteHeader(401)
			return
		}
		if r.FormValue("token") == "opaque-good" {
			_, _ = io.WriteString(w, `{"active":true,"sub":"partner-user","client_id":"partner-app","scope":"catalog:read","exp":`+
				strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)+`}`)
			return
		}
		_, _ = io.WriteString(w, `{"active":false}`)
	}))
	defer as.Close()
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), authConfigAS(up.URL, is.srv.URL, as.URL+"/introspect")))

	for i := 0; i < 3; i++ { // the answer is cached: one introspection call
		req, _ := http.NewRequest("GET", p.url("/catalog"), nil)
		req.Header.Set("Authorization", "Bearer opaque-good")
		resp, body := do(t, req)
		var echo map[string]string
		_ = json.Unmarshal(body, &echo)
		if resp.StatusCode != 200 || echo["subject"] != "partner-user" || echo["authorization"] != "Bearer opaque-good" {
			t.Fatalf("active token: %d %s", resp.StatusCode, body)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("introspection calls = %d, want 1 (cached)", calls.Load())
	}
	checkAuthCase(t, p, authCase{"inactive", map[string]string{"Authorization": "Bearer opaque-bad"}, "/catalog", 401, "invalid_credentials", "token_inactive", `error="invalid_token"`})
}

func TestAdminKeyAPI(t *testing.T) {
	up := upstream(t)
	is := newIssuer(t)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), authConfig(up.URL, is.srv.URL)))
	call := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, p.admin(path), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, b := do(t, req)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	status, created := call("POST", "/admin/api/keys", `{"consumer":"mobile","scopes":["orders:read"],"expires":"30d"}`)
	key, _ := created["key"].(string)
	if status != 201 || !strings.HasPrefix(key, "bwk_") {
		t.Fatalf("create: %d %v", status, created)
	}
	id := created["details"].(map[string]any)["id"].(string)
	if status, _ := call("POST", "/admin/api/keys", `{"scopes":["x"]}`); status != 400 {
		t.Fatalf("create without consumer: %d", status)
	}
	_, list := call("GET", "/admin/api/keys?consumer=mobile", "")
	if b, _ := json.Marshal(list); strings.Contains(string(b), key) || !strings.Contains(string(b), id) {
		t.Fatalf("list leaks the key or lacks it: %s", b)
	}
	use := func(k string) int {
		req, _ := http.NewRequest("GET", p.url("/users/1"), nil)
		req.Header.Set("X-API-Key", k)
		resp, _ := do(t, req)
		return resp.StatusCode
	}
	if use(key) != 200 {
		t.Fatal("created key refused")
	}
	status, rotated := call("POST", "/admin/api/keys/"+id+"/rotate?overlap=1h", "")
	newKey, _ := rotated["key"].(string)
	if status != 201 || use(newKey) != 200 || use(key) != 200 {
		t.Fatalf("rotate: %d; the new key and (during the overlap) the old key must both work", status)
	}
	if status, _ := call("POST", "/admin/api/keys/nope/revoke", ""); status != 404 {
		t.Fatalf("revoke unknown: %d", status)
	}
}
