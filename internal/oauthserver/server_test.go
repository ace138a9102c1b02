package oauthserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func claimsOf(t *testing.T, tok string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	var h, c map[string]any
	for i, v := range []*map[string]any{&h, &c} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(raw, v) != nil {
			t.Fatalf("bad JWT part %d", i)
		}
	}
	return h, c
}

func TestCodeFlowIssuesRFC9068Tokens(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	tok := h.tokens(h.config())
	hdr, c := claimsOf(t, tok.AccessToken)
	if hdr["typ"] != "at+jwt" || hdr["alg"] != "ES256" || hdr["kid"] == "" {
		t.Errorf("header %v", hdr)
	}
	for _, k := range []string{"jti", "iat", "exp", "client_id", "gid", "fam"} {
		if c[k] == nil {
			t.Errorf("claim %s missing: %v", k, c)
		}
	}
	if c["iss"] != h.ts.URL || c["sub"] != h.user.ID || c["client_id"] != "app" || c["scope"] != "orders:read" {
		t.Errorf("claims %v", c)
	}
	if aud, _ := c["aud"].([]any); len(aud) != 1 || aud[0] != h.ts.URL {
		t.Errorf("aud %v", c["aud"])
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token")
	}
	if !h.active(tok.AccessToken) {
		t.Error("fresh access token inactive")
	}
	// The second authorization reuses the remembered consent: no consent page.
	b := h.browser()
	h.login(b, h.config().AuthCodeURL("x-state-123", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))).Body.Close()
	code, verifier := h.code(b, h.config())
	if _, err := h.config().Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("second exchange: %v", err)
	}
}

func TestMetadataAndJWKS(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	resp := h.get(http.DefaultClient, h.ts.URL+PathMetadata)
	var md map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&md); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if md["issuer"] != h.ts.URL || md["authorization_response_iss_parameter_supported"] != true {
		t.Errorf("metadata %v", md)
	}
	if m, _ := md["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "S256" {
		t.Errorf("code challenge methods %v", md["code_challenge_methods_supported"])
	}
	resp = h.get(http.DefaultClient, h.ts.URL+PathJWKS)
	var set struct{ Keys []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(set.Keys) != 1 || set.Keys[0]["d"] != nil || set.Keys[0]["kid"] == "" {
		t.Errorf("jwks %v", set)
	}
}

func TestPKCE(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	cfg := h.config()
	b := h.browser()
	h.login(b, cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))).Body.Close()
	for name, opts := range map[string][]oauth2.AuthCodeOption{
		"missing": nil,
		"plain": {oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)),
			oauth2.SetAuthURLParam("code_challenge_method", "plain")},
		"no method": {oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43))},
	} {
		t.Run(name, func(t *testing.T) {
			loc := h.redirect(h.get(b, cfg.AuthCodeURL("state-0123456789", opts...)))
			if loc.Query().Get("error") != "invalid_request" || loc.Query().Get("code") != "" || loc.Query().Get("iss") != h.ts.URL {
				t.Errorf("got %s", loc)
			}
		})
	}
	t.Run("wrong verifier", func(t *testing.T) {
		code, _ := h.code(b, cfg)
		_, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		if re, ok := err.(*oauth2.RetrieveError); !ok || re.ErrorCode != "invalid_grant" || re.Response.StatusCode != 400 {
			t.Errorf("got %v", err)
		}
	})
	t.Run("verifier missing", func(t *testing.T) {
		code, _ := h.code(b, cfg)
		_, err := cfg.Exchange(context.Background(), code)
		if re, ok := err.(*oauth2.RetrieveError); !ok || re.ErrorCode == "" || re.Response.StatusCode != 400 {
			t.Errorf("got %v", err)
		}
	})
}

func TestCodeReplayRevokesFirstTokens(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	cfg := h.config()
	code, verifier := h.code(h.browser(), cfg)
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if re, ok := err.(*oauth2.RetrieveError); !ok || re.ErrorCode != "invalid_grant" {
		t.Fatalf("replay: %v", err)
	}
	if h.active(tok.AccessToken) {
		t.Error("access token from the first use still active")
	}
	if _, err := cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("refresh token from the first use still works")
	}
}

func TestRedirectURIMustMatchExactly(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	b := h.browser()
	ch := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())
	h.login(b, h.config().AuthCodeURL("state-0123456789", ch)).Body.Close()
	for _, uri := range []string{
		appRedirect + "/", "https://APP.example/cb", "https://app.example/CB", appRedirect + "?x=1",
		"https://evil@app.example/cb", "https://app.example/cb/../evil", "https://app.example/cb%2F..%2Fevil",
		"https://app.example:8443/cb", "http://app.example/cb", "https://app.example.evil/cb", "",
	} {
		cfg := h.config()
		cfg.RedirectURL = uri
		if uri == "" {
			// The client has one URI: omitting it is allowed (RFC 6749 §3.1.2.3).
			continue
		}
		resp := h.get(b, cfg.AuthCodeURL("state-0123456789", ch))
		page := body(t, resp)
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(page, `"error"`) {
			t.Errorf("%q: status %d location %q: %s", uri, resp.StatusCode, resp.Header.Get("Location"), page)
		}
	}
	// Native apps: any loopback port (RFC 8252 §7.3), but not another path or host.
	native := &oauth2.Config{ClientID: "native", Scopes: []string{"orders:read"},
		Endpoint: oauth2.Endpoint{AuthURL: h.ts.URL + PathAuthorize, TokenURL: h.ts.URL + PathToken}}
	for uri, ok := range map[string]bool{"http://127.0.0.1:53211/cb": true, "http://127.0.0.1:1/cb": true,
		"http://127.0.0.1:53211/other": false, "http://localhost:53211/cb": false, "http://127.0.0.2:5/cb": false} {
		native.RedirectURL = uri
		resp := h.get(b, native.AuthCodeURL("state-0123456789", ch))
		page := body(t, resp)
		if got := resp.StatusCode == 200 && strings.Contains(page, "Allow"); got != ok {
			t.Errorf("native %q: status %d, consent shown %v", uri, resp.StatusCode, got)
		}
	}
}

func TestStateRequired(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	b := h.browser()
	ch := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())
	h.login(b, h.config().AuthCodeURL("state-0123456789", ch)).Body.Close()
	for _, state := range []string{"", "short"} {
		loc := h.redirect(h.get(b, h.config().AuthCodeURL(state, ch)))
		if loc.Query().Get("error") != "invalid_state" || loc.Query().Get("code") != "" {
			t.Errorf("state %q: %s", state, loc)
		}
	}
	// The state comes back exactly: a client comparing it detects a mismatch.
	code, _ := h.code(b, h.config())
	if code == "" {
		t.Fatal("no code")
	}
}

func TestRefreshRotationReuseAndGrace(t *testing.T) {
	// The grace retry below must come within RefreshGrace in real time: 10 s,
	// which a loaded CI machine does not miss (2 s, it could).
	h := newHarness(t, storetest.SQLiteDSN(t), func(o *Options) { o.RefreshGrace = 10 * time.Second })
	tok := h.tokens(h.config())
	refresh := func(rt string, extra url.Values) (int, map[string]any) {
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
		for k, v := range extra {
			f[k] = v
		}
		return h.form(PathToken, f, true)
	}
	status, first := refresh(tok.RefreshToken, nil)
	if status != 200 || first["refresh_token"] == tok.RefreshToken {
		t.Fatalf("rotation: %d %v", status, first)
	}
	// A retry within the grace window gets the same pair.
	status, again := refresh(tok.RefreshToken, nil)
	if status != 200 || again["access_token"] != first["access_token"] || again["refresh_token"] != first["refresh_token"] {
		t.Fatalf("grace retry: %d %v", status, again)
	}
	// Another client presenting it gets nothing.
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {"native"}}
	if status, out := h.form(PathToken, f, false); status == 200 {
		t.Fatalf("other client got the pair: %v", out)
	}
	// Scope escalation at refresh is refused.
	if status, out := refresh(first["refresh_token"].(string), url.Values{"scope": {"orders:read profile"}}); status != 400 || out["error"] != "invalid_scope" {
		t.Fatalf("escalation: %d %v", status, out)
	}
	// After the grace window, reuse revokes the whole family.
	h.srv.opts.Now = func() time.Time { return time.Now().Add(11 * time.Second) }
	if status, out := refresh(tok.RefreshToken, nil); status != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", status, out)
	}
	if status, out := refresh(first["refresh_token"].(string), nil); status != 400 {
		t.Fatalf("family survived reuse: %d %v", status, out)
	}
	if h.active(first["access_token"].(string)) {
		t.Error("access token of the family still active")
	}
}

func TestConcurrentRefreshGetsOnePair(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	concurrentRefresh(t, h)
}

func concurrentRefresh(t *testing.T, h *harness) {
	tok := h.tokens(h.config())
	const n = 8
	var wg sync.WaitGroup
	got := make([]map[string]any, n)
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], got[i] = h.form(PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, true)
		}()
	}
	wg.Wait()
	for i := range n {
		if codes[i] != 200 || got[i]["refresh_token"] != got[0]["refresh_token"] || got[i]["access_token"] != got[0]["access_token"] {
			t.Fatalf("request %d: %d %v (first %v)", i, codes[i], got[i], got[0])
		}
	}
	if status, out := h.form(PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {got[0]["refresh_token"].(string)}}, true); status != 200 {
		t.Fatalf("the new refresh token does not work: %d %v", status, out)
	}
}

func TestClientAuthentication(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	cc := func(id, secret string) error {
		c := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: h.ts.URL + PathToken, Scopes: []string{"orders:read"}}
		_, err := c.Token(context.Background())
		return err
	}
	if err := cc("app", h.secret); err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	for name, args := range map[string][2]string{
		"wrong secret": {"app", h.secret + "x"}, "no secret": {"app", ""}, "unknown": {"nobody", "x"},
		"public client": {"native", ""},
	} {
		err := cc(args[0], args[1])
		re, ok := err.(*oauth2.RetrieveError)
		if !ok || re.Response.StatusCode/100 != 4 || re.ErrorCode == "" {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if re.ErrorCode == "invalid_client" && re.Response.StatusCode != 401 {
			t.Errorf("%s: invalid_client with %d", name, re.Response.StatusCode)
		}
	}
	// Scope beyond the client's.
	c := clientcredentials.Config{ClientID: "app", ClientSecret: h.secret, TokenURL: h.ts.URL + PathToken, Scopes: []string{"admin"}}
	if _, err := c.Token(context.Background()); err == nil {
		t.Error("scope beyond the client's granted")
	}
	// Grants that are not offered.
	for _, g := range []string{"password", "implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer"} {
		if status, out := h.form(PathToken, url.Values{"grant_type": {g}, "username": {testUser}, "password": {testPassword}}, true); status != 400 || out["error"] == nil {
			t.Errorf("grant %s: %d %v", g, status, out)
		}
	}
	// Introspection needs client authentication.
	tok := h.tokens(h.config())
	if status, _ := h.form(PathIntro, url.Values{"token": {tok.AccessToken}}, false); status != 401 {
		t.Errorf("unauthenticated introspection: %d", status)
	}
}

func TestTokensInURLRefused(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	resp, err := http.Post(h.ts.URL+PathToken+"?grant_type=client_credentials&client_id=app&client_secret="+h.secret, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, resp)
	if resp.StatusCode != 400 || !strings.Contains(page, "invalid_request") {
		t.Errorf("%d %s", resp.StatusCode, page)
	}
}

func TestPromptNone(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	b := h.browser()
	ch := oauth2.S256ChallengeOption(oauth2.GenerateVerifier())
	none := oauth2.SetAuthURLParam("prompt", "none")
	loc := h.redirect(h.get(b, h.config().AuthCodeURL("state-0123456789", ch, none)))
	if loc.Query().Get("error") != "login_required" {
		t.Errorf("not signed in: %s", loc)
	}
	h.login(b, h.config().AuthCodeURL("state-0123456789", ch)).Body.Close()
	loc = h.redirect(h.get(b, h.config().AuthCodeURL("state-0123456789", ch, none)))
	if loc.Query().Get("error") != "consent_required" || loc.Query().Get("code") != "" || loc.Query().Get("iss") != h.ts.URL {
		t.Errorf("no grant: %s", loc)
	}
	h.code(b, h.config()) // consents
	loc = h.redirect(h.get(b, h.config().AuthCodeURL("state-0123456789", ch, none)))
	if loc.Query().Get("code") == "" {
		t.Errorf("with a grant: %s", loc)
	}
}

func TestDenyAndRevokedClient(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	b := h.browser()
	cfg := h.config()
	resp := h.login(b, cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	loc := h.approve(b, resp, "deny")
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" {
		t.Errorf("deny: %s", loc)
	}
	tok := h.tokens(cfg)
	if err := h.st.RevokeOAuthClient(context.Background(), "app", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("revoked client refreshed")
	}
	resp = h.get(b, cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if resp.StatusCode == 200 || resp.Header.Get("Location") != "" {
		t.Errorf("revoked client authorized: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestRevocationEndpoint(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	tok := h.tokens(h.config())
	if status, out := h.form(PathRevoke, url.Values{"token": {tok.RefreshToken}}, true); status != 200 {
		t.Fatalf("revoke: %d %v", status, out)
	}
	if h.active(tok.AccessToken) {
		t.Error("access token active after its refresh token was revoked")
	}
	revs, err := h.st.OAuthRevocationsSince(context.Background(), 0)
	if err != nil || len(revs) == 0 {
		t.Errorf("no revocation recorded for the gateways: %v %v", revs, err)
	}
}

func TestLoginPage(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), loginProtection(3, 0))
	b := h.browser()
	authURL := h.config().AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	resp := h.get(b, authURL)
	page := body(t, resp)
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || resp.Header.Get("X-Frame-Options") != "DENY" || strings.Contains(page, "<script") {
		t.Errorf("headers %v", resp.Header)
	}
	csrf, query := field(t, csrfRe, page), field(t, queryRe, page)
	post := func(f url.Values) (*http.Response, string) {
		r := h.post(b, PathLogin, f)
		return r, body(t, r)
	}
	// No CSRF token, or a wrong one: refused.
	if r, _ := post(url.Values{"query": {query}, "username": {testUser}, "password": {testPassword}}); r.StatusCode != 403 {
		t.Errorf("no csrf: %d", r.StatusCode)
	}
	// An open redirect through the query field is impossible: it must be a valid request.
	if r, _ := post(url.Values{"csrf": {csrf}, "query": {"client_id=app&redirect_uri=https://evil.example/"}, "username": {testUser}, "password": {testPassword}}); r.StatusCode != 400 || r.Header.Get("Location") != "" {
		t.Errorf("bad query: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	for i := range 3 {
		if r, p := post(url.Values{"csrf": {csrf}, "query": {query}, "username": {testUser}, "password": {"wrong" + string(rune('a'+i))}}); r.StatusCode != 401 || !strings.Contains(p, "Wrong username or password") {
			t.Fatalf("wrong password %d: %d", i, r.StatusCode)
		}
	}
	// Locked: even the right password waits.
	if r, _ := post(url.Values{"csrf": {csrf}, "query": {query}, "username": {testUser}, "password": {testPassword}}); r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
		t.Errorf("after 3 failures: %d", r.StatusCode)
	}
}

// TestPostgres runs the concurrency-sensitive cases on PostgreSQL: the
// conditional update that lets one of many concurrent refreshes rotate.
func TestPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	h := newHarness(t, dsn, nil)
	t.Run("concurrent refresh", func(t *testing.T) { concurrentRefresh(t, h) })
	t.Run("code replay", func(t *testing.T) {
		cfg := h.config()
		code, verifier := h.code(h.browser(), cfg)
		tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err == nil {
			t.Fatal("code replay accepted")
		}
		if h.active(tok.AccessToken) {
			t.Error("first tokens survive a code replay")
		}
	})
}

// TestNativePublicClient runs the flow of a native app (RFC 8252): a public
// client on a loopback redirect with any port, PKCE instead of a secret.
func TestNativePublicClient(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	cfg := &oauth2.Config{ClientID: "native", RedirectURL: "http://127.0.0.1:49152/cb", Scopes: []string{"orders:read"},
		Endpoint: oauth2.Endpoint{AuthURL: h.ts.URL + PathAuthorize, TokenURL: h.ts.URL + PathToken, AuthStyle: oauth2.AuthStyleInParams}}
	verifier := oauth2.GenerateVerifier()
	b := h.browser()
	resp := h.login(b, cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	loc := h.approve(b, resp, "approve")
	if loc.Host != "127.0.0.1:49152" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %s", loc)
	}
	tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	next, err := cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v", err)
	}
	// A public client cannot introspect (it cannot authenticate).
	f := url.Values{"token": {next.AccessToken}, "client_id": {"native"}}
	if status, _ := h.form(PathIntro, f, false); status != 401 {
		t.Errorf("public client introspection: %d", status)
	}
}

func TestValidation(t *testing.T) {
	for uri, ok := range map[string]bool{
		"https://app.example/cb": true, "http://127.0.0.1/cb": true, "http://[::1]:8080/cb": true,
		"com.example.app:/cb": true, "http://app.example/cb": false, "https://u:p@app.example/cb": false,
		"https://app.example/cb#x": false, "/cb": false, "javascript:alert(1)": false, "myapp:/cb": false,
	} {
		if err := validRedirect(uri); (err == nil) != ok {
			t.Errorf("redirect %q: %v", uri, err)
		}
	}
	for name, o := range map[string]Options{
		"no issuer": {Secret: testSecret},
		"short":     {Issuer: "https://a", Secret: []byte("short")},
		"bad scope": {Issuer: "https://a", Secret: testSecret, Scopes: []Scope{{Name: "a b", Description: "x"}}},
		"no words":  {Issuer: "https://a", Secret: testSecret, Scopes: []Scope{{Name: "a"}}},
		"twice":     {Issuer: "https://a", Secret: testSecret, Scopes: []Scope{{Name: "a", Description: "x"}, {Name: "a", Description: "y"}}},
		"query":     {Issuer: "https://a/?x=1", Secret: testSecret},
		"negative":  {Issuer: "https://a", Secret: testSecret, AccessTokenTTL: -1},
	} {
		if err := o.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := (Options{Issuer: "https://a", Secret: testSecret, Scopes: []Scope{{Name: "orders:read", Description: "x"}}}).Validate(); err != nil {
		t.Errorf("valid options refused: %v", err)
	}
	for _, pw := range []string{"", "short"} {
		if _, err := CreateUser(context.Background(), nil, "bob", pw); err == nil {
			t.Errorf("password %q accepted", pw)
		}
	}
	if checkPassword("$argon2id$v=19$m=1,t=1,p=1$$", "x") || checkPassword("garbage", "x") {
		t.Error("malformed hash matched")
	}
	if h, _ := HashPassword("pw-0123456789"); !checkPassword(h, "pw-0123456789") || checkPassword(h, "pw-0123456780") {
		t.Error("argon2id round trip")
	}
}

// A store that fails during sign-in is not a wrong password: the answer is
// 503 and no failure is counted (an outage must not lock users out).
func TestLoginStoreFailureIsNotAWrongPassword(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), loginProtection(1, 1))
	b := h.browser()
	page := body(t, h.get(b, h.ts.URL+PathApps))
	csrf := field(t, csrfRe, page)
	if err := h.st.Close(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		r := h.post(b, PathLogin, url.Values{"csrf": {csrf}, "next": {"apps"}, "username": {testUser}, "password": {testPassword}})
		p := body(t, r)
		if r.StatusCode != http.StatusServiceUnavailable || strings.Contains(p, "Wrong username or password") {
			t.Fatalf("store down: %d %s", r.StatusCode, p)
		}
	}
	// One failure would lock both the username and the IP: the guard still admits.
	a, p := h.srv.guard.Admit(context.Background(), bruteforce.Login{IP: "127.0.0.1", Username: testUser})
	if p != nil {
		t.Fatalf("an outage counted as failed sign-ins: %d %s", p.Status, p.Code)
	}
	h.srv.guard.Settle(a, bruteforce.Released)
}
