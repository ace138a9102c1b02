package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
)

// loginRecorder is a login upstream that records what reaches it: it reads
// the username the way a Go backend does (encoding/json, ParseForm), accepts
// only alice/right, and can hold every request until released (a slow
// upstream).
type loginRecorder struct {
	srv   *httptest.Server
	hits  atomic.Int32
	mu    sync.Mutex
	users []string // usernames as the upstream read them
	gate  chan struct{}
}

func newLoginRecorder(t *testing.T, slow bool) *loginRecorder {
	t.Helper()
	lr := &loginRecorder{}
	if slow {
		lr.gate = make(chan struct{})
	}
	lr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lr.hits.Add(1)
		var body struct{ Username, Password string }
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			_ = json.NewDecoder(r.Body).Decode(&body)
		} else {
			body.Username, body.Password = r.PostFormValue("username"), r.PostFormValue("password")
		}
		lr.mu.Lock()
		lr.users = append(lr.users, body.Username)
		lr.mu.Unlock()
		if strings.HasPrefix(body.Username, "slowpoke") { // never answers in time
			<-r.Context().Done()
			return
		}
		if lr.gate != nil {
			select {
			case <-lr.gate:
			case <-r.Context().Done():
				return
			}
		}
		if body.Username != "alice" || body.Password != "right" {
			w.WriteHeader(http.StatusUnauthorized)
		}
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(func() {
		if lr.gate != nil {
			select {
			case <-lr.gate:
			default:
				close(lr.gate)
			}
		}
		lr.srv.Close()
	})
	return lr
}

// bruteConfig's upstream timeout is generous: held and answered attempts
// must not time out on a loaded CI machine (the race tests hold attempts
// until every one is decided). withHeaderTimeout shortens it where a 504 is
// the point.
func withHeaderTimeout(cfg, d string) string {
	return strings.Replace(cfg, "response_header: 20s", "response_header: "+d, 1)
}

func bruteConfig(up, extra, brute string) string {
	return `server:
  listen: 127.0.0.1:0
  trusted_proxies: [127.0.0.1/32]
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:brute.db
audit: {stdout: true, store: false}
` + extra + `
apis:
  - name: auth
    upstream:
      targets: [` + up + `]
      timeouts: {response_header: 20s}
    auth: [none]
    routes:
      - match: POST /login
        brute_force:
` + brute
}

// loginAs posts a login from client address ip (believed: the test is a
// trusted proxy) with a JSON or form body.
func loginAs(t *testing.T, p *proc, ip, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", p.url("/login"), strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if ip != "" {
		req.Header.Set("X-Forwarded-For", ip)
	}
	return do(t, req)
}

func jsonLogin(user, password string) string {
	b, _ := json.Marshal(map[string]string{"username": user, "password": password})
	return string(b)
}

const ctJSON = "application/json"

// raceLogins sends n wrong-password logins for bob at once, spread over
// nodes, against a slow upstream: it releases the upstream only once every
// attempt has either reached it or been refused, so each admitted attempt
// was in flight while all the others were decided. It returns the statuses.
func raceLogins(t *testing.T, lr *loginRecorder, nodes []*proc, n int) map[int]int {
	t.Helper()
	var refused atomic.Int32
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", nodes[i%len(nodes)].url("/login"), strings.NewReader(jsonLogin("bob", "guess")))
			req.Header.Set("Content-Type", ctJSON)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("login %d: %v", i, err)
				refused.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				refused.Add(1)
			}
			statuses <- resp.StatusCode
		})
	}
	waitFor(t, "every attempt forwarded or refused", func() bool {
		return int(lr.hits.Load())+int(refused.Load()) >= n
	})
	close(lr.gate)
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	return got
}

const raceBrute = `          max_failures: 5
          delay_after: 100
          window: 1m
          lockout: 1m
          attempt_timeout: 30s
`

// TestBruteForceParallelLoginsCannotOutrunTheCount: 40 wrong logins for one
// user at once, against an upstream that holds every answer: only
// max_failures reach it (the others are refused while those are in flight),
// and the user is locked once they fail.
func TestBruteForceParallelLoginsCannotOutrunTheCount(t *testing.T) {
	lr := newLoginRecorder(t, true)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), bruteConfig(lr.srv.URL, "", raceBrute)))
	got := raceLogins(t, lr, []*proc{p}, 40)
	if h := lr.hits.Load(); h != 5 || got[401] != 5 || got[429] != 35 {
		t.Fatalf("upstream received %d attempts; statuses %v; want exactly 5 forwarded (401) and 35 refused (429)", h, got)
	}
	resp, body := loginAs(t, p, "", ctJSON, jsonLogin("bob", "another"))
	mustProblem(t, resp, body, 429, "login_locked")
	if lr.hits.Load() != 5 {
		t.Fatal("a locked attempt reached the upstream")
	}
}

// TestBruteForceParallelLoginsAcrossNodesOnRedis: the same race spread over
// two gateway processes sharing Redis.
func TestBruteForceParallelLoginsAcrossNodesOnRedis(t *testing.T) {
	redisURL := os.Getenv("BULWARK_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BULWARK_TEST_REDIS_URL not set; skipping the two-node race (e.g. redis://127.0.0.1:6379/0)")
	}
	secret := "brute-e2e-" + randomSuffix(t) + randomSuffix(t) + randomSuffix(t) + randomSuffix(t)
	cleanBruteKeys(t, redisURL, secret, bruteforce.Subject{Kind: bruteforce.KindUsername, Value: "bob"},
		bruteforce.Subject{Kind: bruteforce.KindIP, Value: "127.0.0.1"})
	lr := newLoginRecorder(t, true)
	cfg := bruteConfig(lr.srv.URL, "cluster:\n  redis: "+redisURL+"\n  secret: "+secret+"\n", raceBrute)
	n1 := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	n2 := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	got := raceLogins(t, lr, []*proc{n1, n2}, 40)
	if h := lr.hits.Load(); h != 5 || got[401] != 5 || got[429] != 35 {
		t.Fatalf("upstream received %d attempts over two nodes; statuses %v; want exactly 5 forwarded and 35 refused", h, got)
	}
	for _, p := range []*proc{n1, n2} {
		resp, body := loginAs(t, p, "", ctJSON, jsonLogin("bob", "another"))
		mustProblem(t, resp, body, 429, "login_locked")
	}
	if lr.hits.Load() != 5 {
		t.Fatal("a locked attempt reached the upstream")
	}
}

// cleanBruteKeys deletes, when the test ends, the Redis keys the gateways
// make for subjects under secret (they would expire with their window).
func cleanBruteKeys(t *testing.T, redisURL, secret string, subjects ...bruteforce.Subject) {
	t.Helper()
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	g, err := bruteforce.New(bruteforce.NewMemoryBackend(), bruteforce.Config{Window: time.Minute, Hold: time.Minute, Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c := redis.NewClient(opt)
		defer c.Close()
		for _, s := range subjects {
			k, _ := g.Key(s)
			for _, suffix := range []string{":n", ":lock", ":held"} {
				c.Del(context.Background(), "bulwark:bf:{"+k+"}"+suffix)
			}
		}
	})
}

// TestBruteForceUsernameVariantsCountAsOneAccount: case, width, surrounding
// spaces and a form body all count against alice; a NUL, an invisible
// character or a username in the query string are refused before the
// upstream. A route can choose narrower rules.
func TestBruteForceUsernameVariantsCountAsOneAccount(t *testing.T) {
	lr := newLoginRecorder(t, false)
	brute := `          max_failures: 4
          delay_after: 100
      - match: POST /login-exact
        brute_force:
          max_failures: 2
          delay_after: 100
          username_normalize: [trim]
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), bruteConfig(lr.srv.URL, "", brute)))
	const ctForm = "application/x-www-form-urlencoded"
	refused := []struct{ name, ct, body, code string }{
		{"nul", ctJSON, `{"username":"alice\u0000","password":"x"}`, "login_username_invalid"},
		{"form nul", ctForm, "username=alice%00&password=x", "login_username_invalid"},
		{"zero-width space", ctJSON, `{"username":"ali\u200bce","password":"x"}`, "login_username_invalid"},
		{"newline", ctForm, "username=alice%0A&password=x", "login_username_invalid"},
		// A case-variant duplicate is refused by the JSON scan before the login guard reads it.
		{"duplicate key", ctJSON, `{"username":"bob","USERNAME":"alice","password":"x"}`, "json_duplicate_key"},
		{"latin-1 form", ctForm + "; charset=iso-8859-1", "username=alice&password=x", "login_malformed"},
	}
	for _, c := range refused {
		resp, body := loginAs(t, p, "", c.ct, c.body)
		mustProblem(t, resp, body, 400, c.code)
	}
	req, _ := http.NewRequest("POST", p.url("/login?username=bob"), strings.NewReader(jsonLogin("alice", "x")))
	req.Header.Set("Content-Type", ctJSON)
	resp, body := do(t, req)
	mustProblem(t, resp, body, 400, "login_malformed")
	if h := lr.hits.Load(); h != 0 {
		t.Fatalf("%d refused logins reached the upstream", h)
	}

	variants := []struct{ ct, body string }{
		{ctJSON, `{"username":"ａｌｉｃｅ","password":"x"}`},
		{ctJSON, `{"username":"ALICE","password":"x"}`},
		{ctJSON, `{"username":"  alice ","password":"x"}`},
		{ctForm, "username=Alice&password=x"},
	}
	for _, v := range variants {
		if resp, body := loginAs(t, p, "", v.ct, v.body); resp.StatusCode != 401 {
			t.Fatalf("%s: %d %s", v.body, resp.StatusCode, body)
		}
	}
	resp, body = loginAs(t, p, "", ctJSON, jsonLogin("alice", "right"))
	mustProblem(t, resp, body, 429, "login_locked")
	if h := lr.hits.Load(); h != 4 {
		t.Fatalf("upstream received %d attempts; want the 4 variants", h)
	}

	// username_normalize: [trim] — a case-sensitive backend's rules: "Bob"
	// and "bob" are two accounts, " bob" is bob.
	exact := func(user string) int {
		req, _ := http.NewRequest("POST", p.url("/login-exact"), strings.NewReader(jsonLogin(user, "x")))
		req.Header.Set("Content-Type", ctJSON)
		resp, _ := do(t, req)
		return resp.StatusCode
	}
	for _, u := range []string{"bob", "Bob", " bob"} {
		if s := exact(u); s != 401 {
			t.Fatalf("%q on the exact route: %d", u, s)
		}
	}
	if s := exact("bob"); s != 429 {
		t.Fatalf("bob after bob and \" bob\": %d; want locked", s)
	}
	if s := exact("Bob"); s != 401 {
		t.Fatalf("Bob after one failure: %d; want counted apart from bob", s)
	}
}

// TestBruteForceIPThresholdIsTheIPsOwn: alice's failures lock alice, not bob
// behind the same address; a spray over many users from one address hits
// the address's own threshold, which other addresses do not share.
func TestBruteForceIPThresholdIsTheIPsOwn(t *testing.T) {
	lr := newLoginRecorder(t, false)
	brute := `          max_failures: 3
          ip_max_failures: 6
          delay_after: 100
          ip_delay_after: 100
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), bruteConfig(lr.srv.URL, "", brute)))
	const office, home = "203.0.113.7", "198.51.100.9"
	try := func(ip, user, pw string) (*http.Response, []byte) {
		return loginAs(t, p, ip, ctJSON, jsonLogin(user, pw))
	}
	for range 3 {
		if resp, _ := try(office, "alice", "typo"); resp.StatusCode != 401 {
			t.Fatalf("alice's failure: %d", resp.StatusCode)
		}
	}
	resp, body := try(office, "alice", "right")
	mustProblem(t, resp, body, 429, "login_locked")
	if resp, body := try(office, "bob", "wrong"); resp.StatusCode != 401 {
		t.Fatalf("bob from alice's office after her lockout: %d %s; want his attempt forwarded", resp.StatusCode, body)
	}
	for _, u := range []string{"carol", "dave"} { // 3 + 1 + 2 = 6 failures from the office
		if resp, _ := try(office, u, "spray"); resp.StatusCode != 401 {
			t.Fatalf("%s: %d", u, resp.StatusCode)
		}
	}
	before := lr.hits.Load()
	resp, body = try(office, "erin", "spray")
	mustProblem(t, resp, body, 429, "login_locked")
	if lr.hits.Load() != before {
		t.Fatal("an attempt from a locked address reached the upstream")
	}
	if resp, _ := try(home, "erin", "x"); resp.StatusCode != 401 {
		t.Fatalf("erin from another address: %d; want forwarded", resp.StatusCode)
	}
}

// TestBruteForceLostAnswerCountsAsFailure: an attempt whose answer never
// comes (the upstream times out, the gateway answers 504) counts as a
// failure: otherwise a caller who can make answers get lost would have
// guesses checked without limit.
func TestBruteForceLostAnswerCountsAsFailure(t *testing.T) {
	lr := newLoginRecorder(t, false)
	brute := `          max_failures: 2
          delay_after: 100
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), withHeaderTimeout(bruteConfig(lr.srv.URL, "", brute), "1s")))
	for range 2 {
		resp, _ := loginAs(t, p, "", ctJSON, jsonLogin("slowpoke", "x"))
		if resp.StatusCode != http.StatusGatewayTimeout {
			t.Fatalf("hung upstream: %d; want 504", resp.StatusCode)
		}
	}
	waitLocked(t, p, "slowpoke")
	if h := lr.hits.Load(); h != 2 {
		t.Fatalf("upstream received %d attempts; want 2", h)
	}

	// A client that leaves once its attempt reached the upstream: the same.
	// On a gateway with the generous timeout: the client must leave before
	// any 504, however long a loaded CI machine takes to notice the attempt.
	p = startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), bruteConfig(lr.srv.URL, "", brute)))
	for i := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "POST", p.url("/login"), strings.NewReader(jsonLogin("slowpoke-gone", "x")))
		req.Header.Set("Content-Type", ctJSON)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				t.Errorf("attempt %d answered %d; want the client gone first", i, resp.StatusCode)
			}
		}()
		waitFor(t, "the attempt at the upstream", func() bool { return lr.hits.Load() == int32(3+i) })
		cancel()
		<-done
	}
	waitLocked(t, p, "slowpoke-gone")
	if h := lr.hits.Load(); h != 4 {
		t.Fatalf("upstream received %d attempts; want 4", h)
	}
}

// waitLocked polls until user is locked out. An attempt settled by the
// gateway's own answer (504, a client gone) is counted once the handler
// returns, which may be just after the client saw the answer; meanwhile its
// slot is still held, so polls are refused (login_busy) and never reach the
// upstream: polling costs nothing.
func waitLocked(t *testing.T, p *proc, user string) {
	t.Helper()
	waitFor(t, user+" locked out", func() bool {
		resp, body := loginAs(t, p, "", ctJSON, jsonLogin(user, "x"))
		var pr problem
		_ = json.Unmarshal(body, &pr)
		if resp.StatusCode != 429 || (pr.Code != "login_locked" && pr.Code != "login_busy") {
			t.Fatalf("%s: %d %s; want 429 login_busy or login_locked", user, resp.StatusCode, body)
		}
		return pr.Code == "login_locked"
	})
}
