package oauthserver

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// Two-step sign-in end to end over the server's socket, no browser: once a
// user enrolls a TOTP secret, the login form wants the current code too; a
// missing or wrong code fails like a wrong password (and counts toward the
// lockout), a code is accepted once, and removing the factor restores
// password-only sign-in.
func TestTOTPSignIn(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	ctx := context.Background()
	link, secret, err := EnrollTOTP(ctx, h.st, h.srv.opts, testUser)
	if err != nil {
		t.Fatal(err)
	}
	key, err := otp.NewKeyFromURL(link)
	if err != nil || key.Secret() != secret || key.AccountName() != testUser || key.Issuer() != "127.0.0.1" || key.Period() != 30 {
		t.Fatalf("otpauth URL %q: %v", link, err)
	}
	if u, err := h.st.OAuthUserByName(ctx, testUser); err != nil || !u.TOTP || strings.Contains(string(u.TOTPSecret), secret) {
		t.Fatalf("stored user %+v %v: want an encrypted secret", u, err)
	}
	cfg := h.config()
	authURL := cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	signIn := func(code string) *http.Response {
		t.Helper()
		b := h.browser()
		page := body(t, h.get(b, authURL))
		if !strings.Contains(page, `name="code"`) || !strings.Contains(page, `autocomplete="one-time-code"`) {
			t.Fatalf("login page without a code field:\n%s", page)
		}
		form := url.Values{"csrf": {field(t, csrfRe, page)}, "query": {field(t, queryRe, page)},
			"username": {testUser}, "password": {testPassword}}
		if code != "" {
			form.Set("code", code)
		}
		r := h.post(b, PathLogin, form)
		r.Body.Close()
		return r
	}
	now, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if wrong == now {
		wrong = "111111"
	}
	for _, tc := range []struct{ name, code string }{{"no code", ""}, {"wrong code", wrong}, {"letters", "abcdef"}} {
		if r := signIn(tc.code); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tc.name, r.StatusCode)
		}
	}
	if r := signIn(now); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), PathAuthorize+"?") {
		t.Fatalf("right code: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := signIn(now); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the same code again: %d, want 401 (a code is used once)", r.StatusCode)
	}
	if err := RemoveTOTP(ctx, h.st, testUser); err != nil {
		t.Fatal(err)
	}
	if r := signIn(""); r.StatusCode != http.StatusSeeOther {
		t.Errorf("after removing the factor: %d", r.StatusCode)
	}
}
