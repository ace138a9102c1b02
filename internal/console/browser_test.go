package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
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

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/oauthserver"
	"github.com/bulwark-gw/bulwark/internal/server"
	"github.com/bulwark-gw/bulwark/internal/store"
)

const adminToken = "console-e2e-admin-token-0123456789abcdef"

// gatewayNode is a running Bulwark (internal/server, the binary's own code)
// with a SQLite store, in front of a real upstream.
type gatewayNode struct {
	proxy, admin string
	dsn          string
}

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary found (scripts/browser.sh installs Debian's); skipping the console browser test")
	return ""
}

// startGateway seeds a store with an hour of traffic, then runs Bulwark on it.
func startGateway(t *testing.T) *gatewayNode {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "bulwark.db")
	seed(t, dsn)
	cfg := fmt.Sprintf(`server:
  listen: "127.0.0.1:0"
admin:
  listen: "127.0.0.1:0"
  token: ${env:BULWARK_CONSOLE_E2E_TOKEN}
store: %q
identity:
  api_keys:
    pepper: ${env:BULWARK_CONSOLE_E2E_PEPPER}
audit:
  stdout: false
  store: true
apis:
  - name: shop
    upstream: %s
    auth: [api_key]
    quota: { by: consumer, limit: 100000, period: day, timezone: UTC }
    routes:
      - match: GET /items/{id}
      - match: POST /orders
`, dsn, up.URL)
	path := filepath.Join(dir, "bulwark.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BULWARK_CONSOLE_E2E_TOKEN", adminToken)
	t.Setenv("BULWARK_CONSOLE_E2E_PEPPER", "pepper-for-the-console-e2e-test-only-0123456789")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan server.Addrs, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, path, server.Options{Logger: slog.New(slog.DiscardHandler), Stdout: io.Discard,
			WatchInterval: -1, Ready: func(a server.Addrs) { ready <- a }})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case a := <-ready:
		return &gatewayNode{proxy: "http://" + a.Proxy, admin: "http://" + a.Admin, dsn: dsn}
	case err := <-done:
		t.Fatalf("bulwark did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("bulwark did not start in 30s")
	}
	return nil
}

// seed writes an hour of traffic ending now — allowed requests, refusals of
// every threat class, an injection burst and an enumeration alert — through
// the audit pipeline's counter sink, plus ownership records, a quota's usage
// and an OAuth client with a user's grant.
func seed(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	refusals := []struct {
		reason string
		status int
		ip     string
	}{
		{"unknown_key", 401, "198.51.100.7"}, {"rate_limited", 429, "198.51.100.8"}, {"injection_sqli", 403, "203.0.113.66"},
		{"not_owner", 403, "198.51.100.9"}, {"sensitive_data_blocked", 502, "198.51.100.10"}, {"body_too_large", 413, "198.51.100.11"},
	}
	var evs []audit.Event
	for i := range 600 {
		e := audit.Event{Time: now.Add(-time.Duration(i) * 6 * time.Second), RequestID: fmt.Sprintf("seed-%04d", i), API: "shop",
			Route: "GET /items/{id}", Method: "GET", Path: fmt.Sprintf("/items/%d", i%40), ClientIP: fmt.Sprintf("192.0.2.%d", 1+i%9),
			Principal: []string{"mobile-app", "web-shop", "partner-feed"}[i%3], Decision: audit.DecisionAllow, Status: 200,
			LatencyMS: float64(1 + i%30)}
		if i%4 == 0 {
			r := refusals[(i/4)%len(refusals)]
			e.Decision, e.Reason, e.Status, e.ClientIP = audit.DecisionDeny, r.reason, r.status, r.ip
		}
		evs = append(evs, e)
	}
	for i := range 12 { // a burst of injection attempts just now
		evs = append(evs, audit.Event{Time: now.Add(-time.Duration(i) * time.Second), RequestID: fmt.Sprintf("burst-%02d", i), API: "shop",
			Route: "POST /orders", Method: "POST", Path: "/orders", ClientIP: "203.0.113.66", Decision: audit.DecisionDeny,
			Reason: "injection_sqli", Status: 403, LatencyMS: 0.4})
	}
	evs = append(evs, audit.Event{Time: now.Add(-time.Minute), RequestID: "alert-1", API: "shop", Route: "GET /items/{id}",
		Method: "GET", Path: "/items/39", ClientIP: "192.0.2.200", Principal: "scraper", Decision: audit.DecisionAlert,
		Reason: "enumeration_distinct_ids"})
	if err := st.AppendAudit(ctx, evs); err != nil {
		t.Fatal(err)
	}
	if err := writeCounters(ctx, audit.NewCounterSink("seed", st), evs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportOwners(ctx, []store.OwnershipRecord{{ObjectType: "order", ObjectID: "1001", Owner: "alice"},
		{ObjectType: "order", ObjectID: "1002", Owner: "bob"}}); err != nil {
		t.Fatal(err)
	}
	day := now.Truncate(24 * time.Hour)
	if err := st.AddQuota(ctx, []store.QuotaDelta{{Key: "shop|c=mobile-app", PeriodStart: day, Delta: 42}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := oauthserver.CreateClient(ctx, st, oauthserver.ClientSpec{ID: "tracker", Name: "Order Tracker",
		RedirectURIs: []string{"https://tracker.example/cb"}, Scopes: []string{"orders:read"}, Grants: []string{"authorization_code"}}); err != nil {
		t.Fatal(err)
	}
	u, err := oauthserver.CreateUser(ctx, st, "alice", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveOAuthGrant(ctx, &store.OAuthGrant{ID: "grant-1", UserID: u.ID, ClientID: "tracker",
		Scopes: []string{"orders:read"}, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
}

// call sends GET /items/7 through the gateway with key and returns the status.
func (g *gatewayNode) call(t *testing.T, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.proxy+"/items/7", nil)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitAdminEvent waits until the admin API lists an audit event of decision
// admin with rule and principal.
func (g *gatewayNode) waitAdminEvent(t *testing.T, rule, principal string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, g.admin+"/admin/api/audit?decision=admin", nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Events []audit.Event `json:"events"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		for _, e := range out.Events {
			if err == nil && e.Rule == rule && e.Principal == principal {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no admin event %s by %s: %v %+v", rule, principal, err, out.Events)
		}
	}
}

// browser drives one headless Chromium, collecting what its pages write to
// the console (a CSP violation is an error there).
type browser struct {
	t        *testing.T
	ctx      context.Context
	shots    string
	mu       sync.Mutex
	messages []string
	refusing bool // a refusal is expected: Chrome logs its 403 as an error
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	bin := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoDefaultBrowserCheck, chromedp.WindowSize(1200, 900),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(cancelB)
	bctx, cancelT := context.WithTimeout(bctx, 180*time.Second)
	t.Cleanup(cancelT)
	shots := os.Getenv("BULWARK_ARTIFACTS")
	if shots == "" {
		shots = t.ArtifactDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: bctx, shots: shots}
	if err := chromedp.Do(bctx); err != nil { // start the browser, then subscribe
		t.Fatalf("start chromium: %v", err)
	}
	msgs := chromedp.Console(bctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				b.mu.Lock()
				if !b.refusing || !strings.Contains(m.Text, "status of 403") {
					b.messages = append(b.messages, m.String())
				}
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), 10*time.Second)
		defer cancel()
		_ = chromedp.Do(ctx, b.shot("failed"))
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		b.t.Fatalf("%s (at %s): %v", what, loc, err)
	}
}

func (b *browser) shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(b.shots, name+".png"), buf, 0o644)
	})
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

func (b *browser) eval(js string) int {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (b *browser) expectRefusal(on bool) {
	b.mu.Lock()
	b.refusing = on
	b.mu.Unlock()
}

func (b *browser) consoleMessages() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.messages...)
}

// TestConsoleInBrowser signs in with the keyboard, visits every page with
// seeded data (screenshots as artifacts, no console errors), checks the
// charts have points and that a filter narrows the audit list, creates a key
// and revokes it in the console (the very next API call with it is 401),
// sees a cross-site form refused, and signs out.
func TestConsoleInBrowser(t *testing.T) {
	b := newBrowser(t)
	g := startGateway(t)
	base := g.admin + "/console"

	// Unsigned: every page sends to the sign-in form.
	b.do("sign-in page", chromedp.Navigate(base+"/keys"), chromedp.WaitVisible(chromedp.CSS(`#token`)), b.shot("01-sign-in"))
	b.do("sign in",
		chromedp.KeyEvent(adminToken), chromedp.KeyEvent("\t"), chromedp.KeyEvent("alice-operator"), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#chart-requests`)), b.shot("02-dashboard"))
	if got := b.text(".who"); !strings.Contains(got, "alice-operator") {
		t.Errorf("signed in as %q", got)
	}
	for _, chart := range []string{"requests", "threats", "latency"} {
		if n := b.eval(`document.querySelectorAll('#chart-` + chart + ` .pt').length`); n == 0 {
			t.Errorf("chart %s has no points", chart)
		}
	}
	dash := b.text("main")
	for _, want := range []string{"Injection burst", "Enumeration: enumeration_distinct_ids", "mobile-app", "203.0.113.66", "shop/GET /items/{id}"} {
		if !strings.Contains(dash, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// Every range renders.
	for _, rg := range []string{"15m", "6h", "7d", "30d"} {
		b.do("range "+rg, chromedp.Navigate(base+"/?range="+rg), chromedp.WaitVisible(chromedp.CSS(`#chart-threats`)))
		if n := b.eval(`document.querySelectorAll('#chart-requests .pt').length`); n == 0 {
			t.Errorf("range %s: no points", rg)
		}
	}
	b.do("30d shot", b.shot("03-dashboard-30d"))
	// What console.js polls for live updates: the live region alone, charts included.
	live, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`fetch(document.getElementById('live-region').dataset.live).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(live, `id="chart-requests"`) || strings.Contains(live, "<html") {
		t.Errorf("live update: %v %.200q", err, live)
	}

	// Audit search: a filter narrows the list; one event opens.
	b.do("audit", chromedp.Navigate(base+"/audit"), chromedp.WaitVisible(chromedp.CSS(`#events`)), b.shot("04-audit"))
	all := b.eval(`document.querySelectorAll('#events tbody tr').length`)
	b.do("filter",
		chromedp.SendKeys(chromedp.CSS(`#f-reason`), "injection_sqli"), chromedp.Submit(chromedp.CSS(`#f-reason`)),
		// The new page's input holds the filter as its attribute, the old one's only as typed text.
		chromedp.WaitVisible(chromedp.CSS(`#f-reason[value="injection_sqli"]`)), b.shot("05-audit-filtered"))
	rows := b.eval(`document.querySelectorAll('#events tbody tr').length`)
	other := b.eval(`Array.from(document.querySelectorAll('#events tbody tr td:nth-child(4)')).filter(td => td.textContent !== 'injection_sqli').length`)
	if rows == 0 || rows >= all || other != 0 {
		t.Errorf("filter by reason: %d rows of %d, %d of another reason", rows, all, other)
	}
	b.do("event", chromedp.Click(chromedp.CSS(`#events tbody tr a`)), chromedp.WaitVisible(chromedp.CSS(`dl.event`)), b.shot("06-event"))
	if ev := b.text("dl.event"); !strings.Contains(ev, "injection_sqli") {
		t.Errorf("event page: %q", ev)
	}

	// Keys: create (the secret shows once), call with it, revoke, call again.
	b.do("keys", chromedp.Navigate(base+"/keys"), chromedp.WaitVisible(chromedp.CSS(`#k-consumer`)), b.shot("07-keys-empty"))
	b.do("create key", chromedp.SendKeys(chromedp.CSS(`#k-consumer`), "checkout"), chromedp.Submit(chromedp.CSS(`#k-consumer`)),
		chromedp.WaitVisible(chromedp.CSS(`#secret`)), b.shot("08-key-secret"))
	key, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`#secret`)))
	if err != nil || !strings.HasPrefix(key, "bwk_") {
		t.Fatalf("secret %q %v", key, err)
	}
	if got := g.call(t, key); got != http.StatusOK {
		t.Fatalf("call with the new key: %d", got)
	}
	b.do("keys list", chromedp.Navigate(base+"/keys"), chromedp.WaitVisible(chromedp.CSS(`#keys`)), b.shot("09-keys"))
	b.do("revoke", chromedp.Click(chromedp.CSS(`#keys button.danger`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	if got := g.call(t, key); got != http.StatusUnauthorized {
		t.Errorf("the call right after revoking: %d, want 401", got)
	}

	// The revocation is an audit event naming the operator (the pipeline
	// writes it off the request path: wait for it).
	g.waitAdminEvent(t, "keys.revoke", "console:alice-operator")

	// The other pages render their seeded data.
	for _, p := range []struct{ path, sel, want, shot string }{
		{"/owners", "#owners", "alice", "10-owners"},
		{"/quotas", "#quota-usage", "shop|c=mobile-app", "11-quotas"},
		{"/oauth?user=alice", "#grants", "grant-1", "12-oauth"},
		{"/routes", "#routes", "authentication", "13-routes"},
	} {
		b.do(p.path, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)), b.shot(p.shot))
		if got := b.text(p.sel); !strings.Contains(got, p.want) {
			t.Errorf("%s lacks %q: %q", p.path, p.want, got)
		}
	}
	// Import with the progress bar (console.js).
	file := filepath.Join(t.TempDir(), "owners.jsonl")
	if err := os.WriteFile(file, []byte(`{"object":"order","id":"2001","owner":"carol"}`+"\n"+`{"object":"order","id":"2002","owner":"dave"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("import", chromedp.Navigate(base+"/owners"), chromedp.SetUploadFiles(chromedp.CSS(`#o-file`), []string{file}),
		chromedp.Click(chromedp.CSS(`#import-form button`)), chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Imported 2 ownership records")]`)),
		b.shot("14-owners-imported"))

	// A cross-site page that knows the CSRF token still cannot change anything.
	csrf, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`input[name=csrf]`)))
	if err != nil {
		t.Fatal(err)
	}
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>evil</title><form id=f method=post action="%s/owners/delete">`+
			`<input name=csrf value="%s"><input name=object value=order><input name=id value=1001><button id=go>go</button></form>`, base, csrf)
	}))
	defer evil.Close()
	b.expectRefusal(true)
	b.do("cross-site", chromedp.Navigate(evil.URL), chromedp.Click(chromedp.CSS(`#go`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "another site")]`)), b.shot("15-cross-site-refused"))
	b.do("owners after", chromedp.Navigate(base+"/owners"), chromedp.WaitVisible(chromedp.CSS(`#owners`)))
	b.expectRefusal(false)
	if got := b.text("#owners"); !strings.Contains(got, "1001") {
		t.Error("the cross-site form deleted a record")
	}

	// Sign out: the session ends on the server.
	b.do("sign out", chromedp.Click(chromedp.CSS(`.signout button`)), chromedp.WaitVisible(chromedp.CSS(`#token`)))
	b.do("after sign out", chromedp.Navigate(base+"/audit"), chromedp.WaitVisible(chromedp.CSS(`#token`)), b.shot("16-signed-out"))

	// A narrow window stays readable: no horizontal scrolling of the page.
	b.do("narrow", chromedp.KeyEvent(adminToken), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`#chart-requests`)),
		chromedp.EmulateViewport(380, 800), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#chart-requests`)), b.shot("17-narrow"))
	if over := b.eval(`document.documentElement.scrollWidth - document.documentElement.clientWidth`); over > 0 {
		t.Errorf("narrow window scrolls sideways by %dpx", over)
	}
	if msgs := b.consoleMessages(); len(msgs) > 0 {
		t.Errorf("browser console:\n  %s", strings.Join(msgs, "\n  "))
	}
	t.Logf("screenshots in %s", b.shots)
}
