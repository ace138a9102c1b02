package oauthserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bulwark-gw/bulwark/internal/store"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// testSecret is the oauth secret of test servers.
var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

const (
	testUser     = "alice"
	testPassword = "correct horse battery"
	appRedirect  = "https://app.example/cb"
)

// harness is a real server on a real socket over a SQLite (or PostgreSQL) store.
type harness struct {
	t      testing.TB
	st     *store.Store
	srv    *Server
	ts     *httptest.Server
	secret string // the confidential client's
	user   *store.OAuthUser
}

func newHarness(t *testing.T, dsn string, mod func(*Options)) *harness {
	t.Helper()
	return newHarnessMod(t, dsn, mod)
}

// newHarnessTB is newHarness for benchmarks.
func newHarnessTB(t testing.TB, dsn string) *harness { return newHarnessMod(t, dsn, nil) }

func newHarnessMod(t testing.TB, dsn string, mod func(*Options)) *harness {
	t.Helper()
	st := storetest.Open(t, dsn)
	h := &harness{t: t, st: st}
	var handler http.Handler = http.NotFoundHandler()
	h.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(h.ts.Close)
	opts := Options{Issuer: h.ts.URL, Secret: testSecret, Scopes: []Scope{
		{Name: "orders:read", Description: "read your orders", Categories: []string{"orders"}},
		{Name: "profile", Description: "see your email address", Categories: []string{"email"}},
		{Name: "admin", Description: "administer the shop"},
	}}
	if mod != nil {
		mod(&opts)
	}
	srv, err := New(context.Background(), opts, st, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.srv, handler = srv, srv
	ctx := context.Background()
	_, h.secret, err = CreateClient(ctx, st, ClientSpec{ID: "app", Name: "Order Tracker", Site: "https://app.example",
		RedirectURIs: []string{appRedirect}, Scopes: []string{"orders:read", "profile"},
		Grants: []string{"authorization_code", "refresh_token", "client_credentials"}})
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	if _, _, err := CreateClient(ctx, st, ClientSpec{ID: "native", Name: "Desktop", Public: true,
		RedirectURIs: []string{"http://127.0.0.1/cb"}, Scopes: []string{"orders:read"},
		Grants: []string{"authorization_code", "refresh_token"}}); err != nil {
		t.Fatalf("CreateClient native: %v", err)
	}
	if h.user, err = CreateUser(ctx, st, testUser, testPassword); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return h
}

func (h *harness) config() *oauth2.Config {
	return &oauth2.Config{ClientID: "app", ClientSecret: h.secret, RedirectURL: appRedirect,
		Scopes:   []string{"orders:read"},
		Endpoint: oauth2.Endpoint{AuthURL: h.ts.URL + PathAuthorize, TokenURL: h.ts.URL + PathToken, AuthStyle: oauth2.AuthStyleInHeader}}
}

// browser is a cookie-keeping client that does not follow redirects.
func (h *harness) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var (
	csrfRe  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	queryRe = regexp.MustCompile(`name="query" value="([^"]*)"`)
)

func body(t testing.TB, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func field(t testing.TB, re *regexp.Regexp, page string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in page:\n%s", re, page)
	}
	return htmlUnescape(m[1])
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// get fetches u with the browser.
func (h *harness) get(b *http.Client, u string) *http.Response {
	h.t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

func (h *harness) post(b *http.Client, path string, form url.Values) *http.Response {
	h.t.Helper()
	resp, err := b.PostForm(h.ts.URL+path, form)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// login signs the browser in through the page the authorize URL shows and
// returns the response to the redirect back to authorize.
func (h *harness) login(b *http.Client, authURL string) *http.Response {
	h.t.Helper()
	resp := h.get(b, authURL)
	page := body(h.t, resp)
	if resp.StatusCode != 200 || !strings.Contains(page, "Sign in") {
		h.t.Fatalf("want login page, got %d:\n%s", resp.StatusCode, page)
	}
	resp = h.post(b, PathLogin, url.Values{"csrf": {field(h.t, csrfRe, page)}, "query": {field(h.t, queryRe, page)},
		"next": {""}, "username": {testUser}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("login: status %d: %s", resp.StatusCode, body(h.t, resp))
	}
	resp.Body.Close()
	return h.get(b, h.ts.URL+resp.Header.Get("Location"))
}

// approve submits the consent page resp shows and returns the redirect.
func (h *harness) approve(b *http.Client, resp *http.Response, decision string) *url.URL {
	h.t.Helper()
	page := body(h.t, resp)
	if !strings.Contains(page, "Allow") {
		h.t.Fatalf("want consent page, got %d:\n%s", resp.StatusCode, page)
	}
	r := h.post(b, PathConsent, url.Values{"csrf": {field(h.t, csrfRe, page)}, "query": {field(h.t, queryRe, page)}, "decision": {decision}})
	return h.redirect(r)
}

// redirect returns the Location of a redirect to the client.
func (h *harness) redirect(r *http.Response) *url.URL {
	h.t.Helper()
	defer r.Body.Close()
	if r.StatusCode < 300 || r.StatusCode >= 400 {
		h.t.Fatalf("want a redirect, got %d: %s", r.StatusCode, body(h.t, r))
	}
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// code runs sign-in and consent for cfg and returns the code and verifier.
func (h *harness) code(b *http.Client, cfg *oauth2.Config) (string, string) {
	h.t.Helper()
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier))
	resp := h.get(b, authURL)
	if strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		page := body(h.t, resp)
		if strings.Contains(page, "Sign in") {
			resp = h.login(b, authURL)
		} else {
			resp = &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(page)), Header: resp.Header}
		}
	}
	var loc *url.URL
	if resp.StatusCode == 200 {
		loc = h.approve(b, resp, "approve")
	} else {
		loc = h.redirect(resp)
	}
	q := loc.Query()
	if q.Get("code") == "" || q.Get("state") != "state-0123456789" || q.Get("iss") != h.ts.URL {
		h.t.Fatalf("bad authorization response %s", loc)
	}
	return q.Get("code"), verifier
}

// tokens runs the whole code flow and returns the tokens.
func (h *harness) tokens(cfg *oauth2.Config) *oauth2.Token {
	h.t.Helper()
	code, verifier := h.code(h.browser(), cfg)
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		h.t.Fatalf("Exchange: %v", err)
	}
	return tok
}

// form posts form to path with basic auth of the confidential client (when
// auth) and decodes the JSON answer.
func (h *harness) form(path string, form url.Values, auth bool) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth {
		req.SetBasicAuth("app", h.secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			h.t.Fatalf("%s: not JSON (%d): %s", path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

func (h *harness) active(token string) bool {
	h.t.Helper()
	status, out := h.form(PathIntro, url.Values{"token": {token}}, true)
	if status != 200 {
		h.t.Fatalf("introspect: %d %v", status, out)
	}
	return out["active"] == true
}

var _ = time.Second
