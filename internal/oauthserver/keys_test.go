package oauthserver

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
	"golang.org/x/oauth2"
)

func TestKeyRotation(t *testing.T) {
	var shift atomic.Int64
	h := newHarness(t, storetest.SQLiteDSN(t), func(o *Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
		o.KeyRotation, o.KeyPublishAhead, o.AccessTokenTTL = time.Hour, 10*time.Minute, 5*time.Minute
	})
	ctx := context.Background()
	kid := func() string {
		t.Helper()
		status, out := h.form(PathToken, url.Values{"grant_type": {"client_credentials"}}, true)
		if status != 200 {
			t.Fatalf("token: %d %v", status, out)
		}
		hdr, _ := claimsOf(t, out["access_token"].(string))
		return hdr["kid"].(string)
	}
	published := func() []string {
		var ids []string
		for _, k := range h.srv.ring.jwks().Keys {
			ids = append(ids, k.KeyID)
		}
		return ids
	}
	first := kid()
	shift.Store(int64(time.Hour + time.Minute)) // the first key is due
	if err := h.srv.ring.load(ctx); err != nil {
		t.Fatal(err)
	}
	keys := published()
	if len(keys) != 2 || kid() != first {
		t.Fatalf("a new key must be published before it signs: keys %v, signing %s", keys, kid())
	}
	shift.Store(int64(time.Hour + 12*time.Minute)) // past the publish-ahead
	if err := h.srv.ring.load(ctx); err != nil {
		t.Fatal(err)
	}
	second := kid()
	if second == first || len(published()) != 2 {
		t.Fatalf("after publish-ahead: signing %s (first %s), keys %v", second, first, published())
	}
	// The old key stays published until its tokens expired (TTL + 1h), then goes.
	shift.Store(int64(3*time.Hour + time.Minute))
	if err := h.srv.ring.load(ctx); err != nil {
		t.Fatal(err)
	}
	if keys := published(); slices.Contains(keys, first) || !slices.Contains(keys, second) {
		t.Fatalf("old key not dropped (first %s, second %s): %v", first, second, keys)
	}
	// Another node with a different secret cannot read the keys: it refuses to start.
	bad := Options{Issuer: h.ts.URL, Secret: []byte(strings.Repeat("x", 32))}
	if _, err := New(ctx, bad, h.st, nil); err == nil || !strings.Contains(err.Error(), "wrong oauth secret") {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestAppsAPI(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	b := h.browser()
	h.code(b, h.config())
	resp := h.get(b, h.ts.URL+PathAppsAPI)
	page := body(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(page, `"name":"Order Tracker"`) || !strings.Contains(page, `"description":"read your orders"`) {
		t.Fatalf("list: %d %s", resp.StatusCode, page)
	}
	grants, err := h.st.OAuthGrants(context.Background(), h.user.ID)
	if err != nil || len(grants) != 1 {
		t.Fatalf("grants %v %v", grants, err)
	}
	del := func(c *http.Client, id string) int {
		req, _ := http.NewRequest(http.MethodDelete, h.ts.URL+PathAppsAPI+"/"+id, nil)
		r, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if got := del(http.DefaultClient, grants[0].ID); got != 401 {
		t.Errorf("no sign-in: %d", got)
	}
	// Another user cannot revoke alice's grant.
	if _, err := CreateUser(context.Background(), h.st, "mallory", "mallory-password"); err != nil {
		t.Fatal(err)
	}
	m := h.browser()
	lp := h.get(m, h.ts.URL+PathApps)
	page = body(t, lp)
	r := h.post(m, PathLogin, url.Values{"csrf": {field(t, csrfRe, page)}, "next": {"apps"}, "username": {"mallory"}, "password": {"mallory-password"}})
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != PathApps {
		t.Fatalf("mallory login: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if got := del(m, grants[0].ID); got != 404 {
		t.Errorf("another user's grant: %d", got)
	}
	if got := del(b, grants[0].ID); got != 204 {
		t.Errorf("own grant: %d", got)
	}
	if got := del(b, grants[0].ID); got != 404 {
		t.Errorf("twice: %d", got)
	}
	// The page form without a CSRF token is refused.
	r = h.post(b, PathApps+"/revoke", url.Values{"grant": {grants[0].ID}})
	r.Body.Close()
	if r.StatusCode != 403 {
		t.Errorf("revoke without csrf: %d", r.StatusCode)
	}
}

// The connected-apps page's own forms: revoking from the page ends the grant
// and its tokens, another user's grant id revokes nothing, and signing out
// needs the form's token and ends the session on the server, not only in the
// browser.
func TestAppsPageRevokeAndLogout(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	ctx := context.Background()
	cfg := h.config()
	b := h.browser()
	code, verifier := h.code(b, cfg)
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	grants, err := h.st.OAuthGrants(ctx, h.user.ID)
	if err != nil || len(grants) != 1 {
		t.Fatalf("grants %v %v", grants, err)
	}
	grant := grants[0].ID

	// Not signed in: the page is the sign-in form, the API says so.
	anon := h.browser()
	if p := body(t, h.get(anon, h.ts.URL+PathApps)); !strings.Contains(p, "Sign in") || strings.Contains(p, "Order Tracker") {
		t.Fatalf("apps page without sign-in:\n%s", p)
	}
	if r := h.get(anon, h.ts.URL+PathAppsAPI); r.StatusCode != http.StatusUnauthorized || !strings.Contains(body(t, r), "login_required") {
		t.Fatalf("apps API without sign-in: %d", r.StatusCode)
	}

	// Mallory, signed in with a valid form token of her own, names alice's grant.
	if _, err := CreateUser(ctx, h.st, "mallory", "mallory-password"); err != nil {
		t.Fatal(err)
	}
	m := h.browser()
	h.signIn(m, h.loginForm(m), "mallory", "mallory-password")
	mcsrf := field(t, csrfRe, body(t, h.get(m, h.ts.URL+PathApps)))
	r := h.post(m, PathApps+"/revoke", url.Values{"csrf": {mcsrf}, "grant": {grant}})
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || !h.active(tok.AccessToken) {
		t.Fatalf("another user's revoke: %d, alice's token active %v", r.StatusCode, h.active(tok.AccessToken))
	}

	// Alice's page lists the app with its form; her form token revokes it.
	page := body(t, h.get(b, h.ts.URL+PathApps))
	if !strings.Contains(page, "Order Tracker") || !strings.Contains(page, `name="grant" value="`+grant+`"`) {
		t.Fatalf("apps page:\n%s", page)
	}
	csrf := field(t, csrfRe, page)
	// A form token of another browser is not alice's.
	r = h.post(b, PathApps+"/revoke", url.Values{"csrf": {mcsrf}, "grant": {grant}})
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden || !h.active(tok.AccessToken) {
		t.Fatalf("revoke with another browser's token: %d", r.StatusCode)
	}
	r = h.post(b, PathApps+"/revoke", url.Values{"csrf": {csrf}, "grant": {grant}})
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != PathApps {
		t.Fatalf("revoke: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if h.active(tok.AccessToken) || h.active(tok.RefreshToken) {
		t.Fatal("a token of the revoked grant is still active")
	}
	if p := body(t, h.get(b, h.ts.URL+PathApps)); strings.Contains(p, "Order Tracker") {
		t.Fatalf("the revoked app is still listed:\n%s", p)
	}

	// Signing out: refused without the form's token, then done with it.
	var session string
	site, _ := url.Parse(h.ts.URL)
	for _, c := range b.Jar.Cookies(site) {
		if c.Name == cookieLogin {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie")
	}
	r = h.post(b, PathLogout, url.Values{"csrf": {"wrong"}})
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without the form token: %d", r.StatusCode)
	}
	if p := body(t, h.get(b, h.ts.URL+PathApps)); strings.Contains(p, "Sign in") {
		t.Fatal("a refused logout signed the user out")
	}
	r = h.post(b, PathLogout, url.Values{"csrf": {csrf}})
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != PathApps {
		t.Fatalf("logout: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if p := body(t, h.get(b, h.ts.URL+PathApps)); !strings.Contains(p, "Sign in") {
		t.Fatal("still signed in after logout")
	}
	// The old cookie, replayed, is no session any more: the server forgot it.
	replay, _ := http.NewRequest(http.MethodGet, h.ts.URL+PathAppsAPI, nil)
	replay.AddCookie(&http.Cookie{Name: cookieLogin, Value: session})
	rr, err := http.DefaultClient.Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	rr.Body.Close()
	if rr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed session cookie after logout: %d", rr.StatusCode)
	}
}
