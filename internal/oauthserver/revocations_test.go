package oauthserver

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// TestRevocationWakesOtherNodes: a node following the revocation log hourly
// still refuses a token revoked on another node, because PostgreSQL's change
// notification wakes its poller.
func TestRevocationWakesOtherNodes(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	node, other := storetest.Open(t, dsn), storetest.Open(t, dsn)
	ctx := t.Context()
	r := NewRevocations(node, time.Hour, time.Hour, nil)
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { <-done }) // runs after t.Context is canceled
	claims := map[string]any{"jti": "tok-1"}
	if r.Revoked(claims) {
		t.Fatal("revoked before any revocation")
	}
	if err := other.RevokeOAuthJTI(ctx, "tok-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !r.Revoked(claims) {
		if time.Now().After(deadline) {
			t.Fatal("the revocation never reached the node (it polls hourly: the notification did not wake it)")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRevocationFeltAtOnceInProcess: a grant disconnected on the apps page,
// or a token revoked at /oauth/revoke, is refused by the same process's
// gateway on the very next request, though it polls the log only hourly
// (SQLite cannot notify).
func TestRevocationFeltAtOnceInProcess(t *testing.T) {
	h := newHarness(t, storetest.SQLiteDSN(t), nil)
	a, err := NewAuthenticator(h.srv, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Start(t.Context())
	t.Cleanup(a.Close)
	cfg := h.config()
	b := h.browser()
	call := func(access string) error {
		req, _ := http.NewRequest(http.MethodGet, "http://gw/orders", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		_, err := a.Authenticate(req)
		return err
	}
	code, verifier := h.code(b, cfg)
	tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if err := call(tok.AccessToken); err != nil {
		t.Fatalf("before the revoke: %v", err)
	}
	grants, err := h.st.OAuthGrants(t.Context(), h.user.ID)
	if err != nil || len(grants) != 1 {
		t.Fatalf("grants %v %v", grants, err)
	}
	req, _ := http.NewRequest(http.MethodDelete, h.ts.URL+PathAppsAPI+"/"+grants[0].ID, nil)
	resp, err := b.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("disconnect: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := call(tok.AccessToken); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("the next request after the disconnect: %v", err)
	}

	// RFC 7009 revocation of an access token: its family is refused at once.
	code, verifier = h.code(b, cfg)
	tok, err = cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if err := call(tok.AccessToken); err != nil {
		t.Fatalf("new grant: %v", err)
	}
	if status, out := h.form(PathRevoke, url.Values{"token": {tok.AccessToken}}, true); status != 200 {
		t.Fatalf("revoke: %d %v", status, out)
	}
	if err := call(tok.AccessToken); err == nil {
		t.Fatal("a revoked access token still passes")
	}
}
