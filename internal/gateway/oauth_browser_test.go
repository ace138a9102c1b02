package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/bulwark-gw/bulwark/internal/oauthserver"
	"github.com/bulwark-gw/bulwark/internal/store/storetest"
)

// chromium returns the path of a Chromium binary, or skips t.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary found (Debian: apt-get install chromium); skipping the browser flow")
	return ""
}

// TestOAuthBrowserFlow drives the whole flow in headless Chromium, with the
// keyboard: sign in → consent → code → token (golang.org/x/oauth2) → API call
// through the gateway → connected-apps page → disconnect → the next call is
// 401. A screenshot of each page is written to the test's artifact directory
// (go test -artifacts keeps them).
func TestOAuthBrowserFlow(t *testing.T) {
	bin := chromium(t)
	rec := &recorder{}
	up := httptest.NewServer(rec)
	t.Cleanup(up.Close)
	ln, issuer := listen(t)
	n := newOAuthNode(t, ln, issuer, storetest.SQLiteDSN(t), up.URL)

	// The third-party app: its callback receives the authorization response.
	var mu sync.Mutex
	var callback *http.Request
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cb" {
			http.NotFound(w, r) // the browser also asks for /favicon.ico
			return
		}
		mu.Lock()
		callback = r
		mu.Unlock()
		_, _ = w.Write([]byte("<!doctype html><title>Order Tracker</title><p id=done>Connected.</p>"))
	}))
	t.Cleanup(app.Close)
	ctx := context.Background()
	_, secret, err := oauthserver.CreateClient(ctx, n.st, oauthserver.ClientSpec{ID: "tracker", Name: "Order Tracker",
		Site: "https://tracker.example", RedirectURIs: []string{app.URL + "/cb"}, Scopes: []string{"orders:read"},
		Grants: []string{"authorization_code", "refresh_token"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oauthserver.CreateUser(ctx, n.st, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	cfg := &oauth2.Config{ClientID: "tracker", ClientSecret: secret, RedirectURL: app.URL + "/cb", Scopes: []string{"orders:read"},
		Endpoint: oauth2.Endpoint{AuthURL: issuer + oauthserver.PathAuthorize, TokenURL: issuer + oauthserver.PathToken, AuthStyle: oauth2.AuthStyleInHeader}}
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("state-browser-1", oauth2.S256ChallengeOption(verifier))

	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoDefaultBrowserCheck, chromedp.WindowSize(1000, 800),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	bctx, cancelT := context.WithTimeout(bctx, 90*time.Second)
	defer cancelT()

	shots := t.ArtifactDir()
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), buf, 0o644)
		})
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	// Sign in with the keyboard: the username field has focus, Tab to the
	// password, Enter submits.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(authURL),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		shot("1-login"),
	); err != nil {
		t.Fatalf("login page: %v", err)
	}
	title, err := chromedp.Run(bctx, chromedp.Title())
	if err != nil || title != "Sign in" {
		t.Fatalf("login page title %q %v", title, err)
	}
	if err := chromedp.Do(bctx,
		chromedp.KeyEvent("alice"),
		chromedp.KeyEvent("\t"),
		chromedp.KeyEvent("correct horse battery"),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`button[value=approve]`)),
		shot("2-consent"),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	consentText := text("main")
	if !strings.Contains(consentText, "Allow Order Tracker") || !strings.Contains(consentText, "read your orders") ||
		!strings.Contains(consentText, "orders") {
		t.Fatalf("consent page: %q", consentText)
	}
	// Allow has focus: Enter approves.
	if err := chromedp.Do(bctx,
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#done`)),
		shot("3-app-callback"),
	); err != nil {
		t.Fatalf("consent: %v", err)
	}
	mu.Lock()
	q := callback.URL.Query()
	mu.Unlock()
	if q.Get("state") != "state-browser-1" || q.Get("iss") != issuer || q.Get("code") == "" {
		t.Fatalf("authorization response %v", q)
	}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if got := n.call(t, http.MethodGet, tok.AccessToken); got != 200 {
		t.Fatalf("API call with the token: %d", got)
	}
	// The gateway records the use off the request path: wait for it.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		gs, err := n.st.OAuthGrants(ctx, callbackUser(t, n))
		if err == nil && len(gs) == 1 && !gs[0].LastUsedAt.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("last use never recorded: %v %v", gs, err)
		}
	}
	// The connected-apps page, then disconnect.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(issuer+oauthserver.PathApps),
		chromedp.WaitVisible(chromedp.CSS(`section[aria-label="Order Tracker"]`)),
		shot("4-connected-apps"),
	); err != nil {
		t.Fatalf("connected apps: %v", err)
	}
	if apps := text("main"); !strings.Contains(apps, "read your orders") || !strings.Contains(apps, "Last used") {
		t.Errorf("apps page: %q", apps)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`section[aria-label="Order Tracker"] button`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "No app has access")]`)),
		shot("5-disconnected"),
	); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	waitStatus(t, n, tok.AccessToken, 401)
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("the refresh token survived the disconnect")
	}
	t.Logf("screenshots in %s", shots)
}

func callbackUser(t *testing.T, n *oauthNode) string {
	t.Helper()
	u, err := n.st.OAuthUserByName(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
