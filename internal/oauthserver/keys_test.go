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
