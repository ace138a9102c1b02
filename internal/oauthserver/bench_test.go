package oauthserver

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

func benchTokenEndpoint(b *testing.B, dsn func(testing.TB) string) {
	h := newHarnessTB(b, dsn(b))
	cfg := h.config()
	cfg.Scopes = []string{"orders:read"}
	br := h.browser()
	h.code(br, cfg) // signs in and consents once; later authorizations skip both
	b.Run("code exchange", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			verifier := oauth2.GenerateVerifier()
			loc := h.redirect(h.get(br, cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier))))
			b.StartTimer()
			status, out := h.form(PathToken, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
				"redirect_uri": {appRedirect}, "code_verifier": {verifier}}, true)
			if status != http.StatusOK {
				b.Fatalf("exchange: %d %v", status, out)
			}
		}
	})
	b.Run("refresh", func(b *testing.B) {
		code, verifier := codeFor(h, br, cfg)
		tok, err := cfg.Exchange(context.Background(), code, verifier)
		if err != nil {
			b.Fatal(err)
		}
		rt := tok.RefreshToken
		b.ReportAllocs()
		for b.Loop() {
			status, out := h.form(PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, true)
			if status != http.StatusOK {
				b.Fatalf("refresh: %d %v", status, out)
			}
			rt = out["refresh_token"].(string)
		}
	})
}

// codeFor returns a fresh code (the user has consented already) and its verifier.
func codeFor(h *harness, br *http.Client, cfg *oauth2.Config) (string, oauth2.AuthCodeOption) {
	verifier := oauth2.GenerateVerifier()
	loc := h.redirect(h.get(br, cfg.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier))))
	return loc.Query().Get("code"), oauth2.VerifierOption(verifier)
}

func BenchmarkTokenEndpointSQLite(b *testing.B)   { benchTokenEndpoint(b, storetest.SQLiteDSN) }
func BenchmarkTokenEndpointPostgres(b *testing.B) { benchTokenEndpoint(b, storetest.PostgresDSN) }

// BenchmarkVerifyCached is the gateway's cost for an access token it has
// verified before: the JWT path's verified-token cache, the revocation check
// and, for a user's token, the last-use note of its grant — what
// Authenticate does for every request on an auth: [oauth] route.
func BenchmarkVerifyCached(b *testing.B) {
	h := newHarnessTB(b, storetest.SQLiteDSN(b))
	a, err := NewAuthenticator(h.srv, time.Second, nil)
	if err != nil {
		b.Fatal(err)
	}
	a.Start(context.Background())
	defer a.Close()
	status, out := h.form(PathToken, url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}, true)
	if status != 200 {
		b.Fatalf("token: %d %v", status, out)
	}
	user := h.tokens(h.config()) // sign-in, consent, code exchange: a token with a grant
	// A few revocations, so the check is not the empty-set shortcut.
	for _, id := range []string{"x1", "x2", "x3"} {
		if err := h.st.RevokeOAuthJTI(context.Background(), id, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	if err := a.Revocations().Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, token string }{
		{"client credentials", out["access_token"].(string)},
		{"user token", user.AccessToken},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, "http://gw/orders", nil)
			req.Header.Set("Authorization", "Bearer "+tc.token)
			if _, err := a.Authenticate(req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Authenticate(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
