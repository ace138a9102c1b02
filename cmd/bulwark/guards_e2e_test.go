package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

func guardsConfig(up string) string {
	return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:guards.db
audit: {stdout: true, store: false}
apis:
  - name: shop
    upstream: ` + up + `
    auth: [none]
    quota: {by: ip, limit: 3, period: day, timezone: Europe/Berlin}
    routes:
      - match: GET /reports
      - match: POST /login
        quota: {by: ip, limit: 1000, period: month}
        brute_force:
          username_field: username
          failure_statuses: [401]
          max_failures: 3
          window: 10m
          lockout: 10m
          delay_after: 10
`
}

// loginUpstream accepts only alice/right and counts what reaches it.
func loginUpstream(t *testing.T, hits *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		var body struct{ Username, Password string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		if r.URL.Path == "/login" && !(body.Username == "alice" && body.Password == "right") {
			w.WriteHeader(401)
		}
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func login(t *testing.T, p *proc, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", p.url("/login"), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func TestBruteForceLocksOutWithoutReachingTheUpstream(t *testing.T) {
	var hits atomic.Int32
	up := loginUpstream(t, &hits)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), guardsConfig(up.URL)))

	// Parameter pollution on the username field is refused outright.
	resp, body := login(t, p, `{"username":"bob","username":"alice","password":"x"}`)
	mustProblem(t, resp, body, 400, "json_duplicate_key") // hygiene refuses duplicate keys on a route whose guard reads the body

	for i := range 3 {
		if resp, _ := login(t, p, `{"username":"bob","password":"guess`+string(rune('a'+i))+`"}`); resp.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i, resp.StatusCode)
		}
	}
	before := hits.Load()
	resp, body = login(t, p, `{"username":"bob","password":"guess-d"}`)
	mustProblem(t, resp, body, 429, "login_locked")
	if resp.Header.Get("Retry-After") == "" || hits.Load() != before {
		t.Fatalf("locked attempt reached the upstream or lacks Retry-After: %v", resp.Header)
	}
	// The IP has its own, higher threshold (10 x max_failures by default):
	// bob's failures do not lock alice out from the same address.
	if resp, body = login(t, p, `{"username":"alice","password":"right"}`); resp.StatusCode != 200 {
		t.Fatalf("alice from bob's address: %d %s", resp.StatusCode, body)
	}
	// Usernames never reach the logs.
	if strings.Contains(p.stderr.String(), "bob") || strings.Contains(p.stdout.String(), "bob") {
		t.Fatal("a username reached the logs")
	}
}

func TestQuotaExhaustsPersistsAndResets(t *testing.T) {
	var hits atomic.Int32
	up := loginUpstream(t, &hits)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, guardsConfig(up.URL))
	p := startBulwark(t, "serve", "-c", cfg)
	for i := range 3 {
		if status, _ := statusOf(t, mustReq(t, p.url("/reports"))); status != 200 {
			t.Fatalf("request %d within quota: %d", i, status)
		}
	}
	resp, body := get(t, p.url("/reports"))
	mustProblem(t, resp, body, 429, "quota_exceeded")
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("quota problem without Retry-After")
	}
	// Restart: the count survives (the store was flushed on shutdown).
	if err := p.stop(sigterm); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p = startBulwark(t, "serve", "-c", cfg)
	resp, body = get(t, p.url("/reports"))
	mustProblem(t, resp, body, 429, "quota_exceeded")

	// The admin API shows and resets it.
	admin := func(method, path string) (int, string) {
		req, _ := http.NewRequest(method, p.admin(path), nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, b := do(t, req)
		return resp.StatusCode, string(b)
	}
	status, list := admin("GET", "/admin/api/quotas?quota=shop")
	if status != 200 || !strings.Contains(list, `"used": 3`) {
		t.Fatalf("quota list: %d %s", status, list)
	}
	if status, _ := admin("POST", "/admin/api/quotas/reset?quota=shop&key=shop%7C127.0.0.1"); status != 200 {
		t.Fatalf("reset: %d", status)
	}
	if status, _ := statusOf(t, mustReq(t, p.url("/reports"))); status != 200 {
		t.Fatalf("after reset: %d", status)
	}
}

const sigterm = syscall.SIGTERM
