package console

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "test-admin-token-0123456789abcdef"

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// node is a console without gateway or store on a real socket.
type node struct {
	srv   *httptest.Server
	clk   *clock
	token string
	mu    sync.Mutex
}

func newNode(t *testing.T, tls bool) *node {
	t.Helper()
	n := &node{clk: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, token: testToken}
	c, err := New(Deps{Token: func() string { n.mu.Lock(); defer n.mu.Unlock(); return n.token }, Now: n.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if tls {
		n.srv = httptest.NewTLSServer(c)
	} else {
		n.srv = httptest.NewServer(c)
	}
	t.Cleanup(n.srv.Close)
	return n
}

// client returns a cookie-keeping client that does not follow redirects.
func (n *node) client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cl := n.srv.Client()
	cl.Jar = jar
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return cl
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches path and returns the status, body and the page's CSRF token.
func get(t *testing.T, cl *http.Client, u string) (int, string, string) {
	t.Helper()
	resp, err := cl.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := csrfField.FindStringSubmatch(string(b))
	tok := ""
	if m != nil {
		tok = m[1]
	}
	return resp.StatusCode, string(b), tok
}

// post submits form to path with the given Origin ("" for none).
func post(t *testing.T, cl *http.Client, u, origin string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// signIn signs cl in and returns the session's CSRF token.
func (n *node) signIn(t *testing.T, cl *http.Client) string {
	t.Helper()
	_, _, tok := get(t, cl, n.srv.URL+"/console/login")
	resp := post(t, cl, n.srv.URL+"/console/login", n.srv.URL, url.Values{"csrf": {tok}, "token": {n.token}, "operator": {"ops"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body, csrf := get(t, cl, n.srv.URL+"/console/audit")
	if csrf == "" {
		t.Fatalf("no CSRF token on a signed-in page: %s", body)
	}
	return csrf
}

func TestSignInSetsAStrictSessionCookie(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[tls], func(t *testing.T) {
			n := newNode(t, tls)
			cl := n.client(t)
			_, _, tok := get(t, cl, n.srv.URL+"/console/login")
			resp := post(t, cl, n.srv.URL+"/console/login", n.srv.URL, url.Values{"csrf": {tok}, "token": {testToken}})
			var sc *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == cookieName {
					sc = c
				}
			}
			if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Secure != tls || sc.Path != "/console" {
				t.Fatalf("session cookie %+v", sc)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
}

func TestSignInRefusals(t *testing.T) {
	n := newNode(t, false)
	cl := n.client(t)
	_, _, tok := get(t, cl, n.srv.URL+"/console/login")
	for _, tc := range []struct {
		name   string
		origin string
		form   url.Values
		want   int
	}{
		{"wrong token", n.srv.URL, url.Values{"csrf": {tok}, "token": {"nope"}}, http.StatusUnauthorized},
		{"no form token", n.srv.URL, url.Values{"token": {testToken}}, http.StatusForbidden},
		{"cross-site", "http://evil.example", url.Values{"csrf": {tok}, "token": {testToken}}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp := post(t, cl, n.srv.URL+"/console/login", tc.origin, tc.form); resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	// Guessing is throttled per address.
	for range loginMaxFailures {
		_, _, tok = get(t, cl, n.srv.URL+"/console/login")
		post(t, cl, n.srv.URL+"/console/login", n.srv.URL, url.Values{"csrf": {tok}, "token": {"guess"}})
	}
	_, _, tok = get(t, cl, n.srv.URL+"/console/login")
	if resp := post(t, cl, n.srv.URL+"/console/login", n.srv.URL, url.Values{"csrf": {tok}, "token": {testToken}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after %d failures: %d, want 429", loginMaxFailures, resp.StatusCode)
	}
}

func TestPagesNeedASession(t *testing.T) {
	n := newNode(t, false)
	cl := n.client(t)
	for _, p := range []string{"/console/", "/console/audit", "/console/keys", "/console/owners", "/console/quotas", "/console/oauth", "/console/routes"} {
		resp, err := cl.Get(n.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
			t.Errorf("%s without a session: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestChangesNeedCSRFAndSameOrigin(t *testing.T) {
	n := newNode(t, false)
	cl := n.client(t)
	csrf := n.signIn(t, cl)
	u := n.srv.URL + "/console/owners/delete"
	form := url.Values{"object": {"order"}, "id": {"1"}}
	withCSRF := url.Values{"object": {"order"}, "id": {"1"}, "csrf": {csrf}}
	for _, tc := range []struct {
		name   string
		origin string
		form   url.Values
		want   int
	}{
		{"no token", n.srv.URL, form, http.StatusForbidden},
		{"wrong token", n.srv.URL, url.Values{"csrf": {"x" + csrf}}, http.StatusForbidden},
		{"other origin", "http://127.0.0.1:1", withCSRF, http.StatusForbidden},
		{"same origin with token", n.srv.URL, withCSRF, http.StatusNotFound}, // reaches the handler: no store here
		{"no origin with token", "", withCSRF, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp := post(t, cl, u, tc.origin, tc.form); resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(withCSRF.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-site")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("Sec-Fetch-Site same-site: %d, want 403", resp.StatusCode)
	}
}

func TestSessionEnds(t *testing.T) {
	cases := []struct {
		name string
		end  func(t *testing.T, n *node, cl *http.Client, csrf string)
	}{
		{"sign out", func(t *testing.T, n *node, cl *http.Client, csrf string) {
			old := cl.Jar.Cookies(mustURL(t, n.srv.URL+"/console/"))
			if resp := post(t, cl, n.srv.URL+"/console/logout", n.srv.URL, url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign out: %d", resp.StatusCode)
			}
			cl.Jar.SetCookies(mustURL(t, n.srv.URL+"/console/"), old) // a stolen copy of the cookie
		}},
		{"idle", func(t *testing.T, n *node, _ *http.Client, _ string) { n.clk.add(IdleTimeout) }},
		{"absolute", func(t *testing.T, n *node, cl *http.Client, _ string) {
			for range int(AbsoluteTimeout / (IdleTimeout / 2)) {
				n.clk.add(IdleTimeout / 2)
				get(t, cl, n.srv.URL+"/console/audit")
			}
		}},
		{"new admin token", func(t *testing.T, n *node, _ *http.Client, _ string) {
			n.mu.Lock()
			n.token = "rotated-admin-token-abcdef0123456789"
			n.mu.Unlock()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := newNode(t, false)
			cl := n.client(t)
			csrf := n.signIn(t, cl)
			tc.end(t, n, cl, csrf)
			resp, err := cl.Get(n.srv.URL + "/console/audit")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
				t.Errorf("after the session ended: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestOperatorName(t *testing.T) {
	for in, want := range map[string]string{"": "admin", "  alice ": "alice", "a\x00b\nc": "abc", strings.Repeat("x", 80): strings.Repeat("x", 64)} {
		if got := operatorName(in); got != want {
			t.Errorf("operatorName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVCellsDefuseFormulas(t *testing.T) {
	for in, want := range map[string]string{"=cmd()": "'=cmd()", "+1": "'+1", "@x": "'@x", "/items/1": "/items/1", "": ""} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}
