package demo

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The app refuses an authorization response it did not ask for: no
// session, another state, another issuer; and it starts every authorization
// with PKCE S256 and a fresh state.
func TestTrackerRefusesForeignResponses(t *testing.T) {
	const gateway = "http://127.0.0.1:1" // never called: every case fails before the exchange
	var tr *Tracker
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tr.Handler().ServeHTTP(w, r) }))
	defer app.Close()
	tr = NewTracker(gateway, app.URL, "secret")
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := c.Get(app.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("Location")
	}
	if status, _ := get("/orders"); status != http.StatusUnauthorized {
		t.Errorf("orders before connecting: %d", status)
	}
	if status, _ := get("/callback?code=x&state=s&iss=" + url.QueryEscape(gateway)); status != http.StatusBadRequest {
		t.Errorf("callback without a session: %d", status)
	}
	status, loc := get("/connect")
	u, err := url.Parse(loc)
	if status != http.StatusFound || err != nil || !strings.HasPrefix(loc, gateway+"/oauth/authorize?") {
		t.Fatalf("connect: %d %q", status, loc)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || len(q.Get("state")) < 16 ||
		q.Get("client_id") != TrackerClientID || q.Get("redirect_uri") != app.URL+"/callback" {
		t.Fatalf("authorization request %v", q)
	}
	state := q.Get("state")
	if status, _ := get("/callback?code=x&state=other&iss=" + url.QueryEscape(gateway)); status != http.StatusBadRequest {
		t.Errorf("another state: %d", status)
	}
	// The state was used up by the failed attempt: a new one is needed.
	if status, _ := get("/callback?code=x&state=" + state + "&iss=" + url.QueryEscape(gateway)); status != http.StatusBadRequest {
		t.Errorf("a spent state: %d", status)
	}
	_, loc = get("/connect")
	u, _ = url.Parse(loc)
	if status, _ := get("/callback?code=x&state=" + u.Query().Get("state") + "&iss=https://evil.example"); status != http.StatusBadRequest {
		t.Errorf("another issuer: %d", status)
	}
}
