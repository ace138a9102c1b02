package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	execpkg "os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// upstream is a real backend that echoes what it received.
func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			time.Sleep(1500 * time.Millisecond) // an in-flight request during shutdown
		case "/events":
			w.Header().Set("Content-Type", "text/event-stream")
			for i := 1; i <= 3; i++ {
				fmt.Fprintf(w, "data: %d\n\n", i)
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"method": r.Method, "path": r.URL.Path, "raw_path": r.URL.RawPath, "query": r.URL.RawQuery,
			"xff": r.Header.Get("X-Forwarded-For"), "request_id": r.Header.Get("X-Request-Id"), "body": string(body),
			"subject": r.Header.Get("X-Bulwark-Subject"), "consumer": r.Header.Get("X-Bulwark-Consumer"),
			"method_hdr": r.Header.Get("X-Bulwark-Auth-Method"), "authorization": r.Header.Get("Authorization"),
			"api_key": r.Header.Get("X-Api-Key"),
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func baseConfig(up string, extraRoutes string) string {
	return `server:
  listen: 127.0.0.1:0
  shutdown_grace: 10s
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:audit.db
audit:
  stdout: true
  store: true
limits:
  max_body: 1KiB
  json_max_depth: 4
apis:
  - name: shop
    upstream: ` + up + `
    auth: [none]
    routes:
      - match: GET /users/{id}
      - match: GET,POST /orders
      - match: GET /slow
      - match: GET /events
` + extraRoutes
}

func TestServeProxiesAndRefuses(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, baseConfig(up.URL, "")))

	// A normal request reaches the upstream with the canonical path and a request id.
	resp, body := get(t, p.url("/users//7/./?x=1"))
	if resp.StatusCode != 200 {
		t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
	var echo map[string]string
	_ = json.Unmarshal(body, &echo)
	if echo["path"] != "/users/7/" || echo["query"] != "x=1" || echo["request_id"] != resp.Header.Get("X-Request-Id") {
		t.Fatalf("upstream saw %v", echo)
	}
	// Client-sent X-Forwarded-For from an untrusted peer is not believed.
	req, _ := http.NewRequest("GET", p.url("/users/1"), nil)
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	_, body = do(t, req)
	_ = json.Unmarshal(body, &echo)
	if echo["xff"] != "127.0.0.1" {
		t.Fatalf("X-Forwarded-For = %q, want the real peer only", echo["xff"])
	}

	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
	}{
		{"unknown route", "GET", "/nope", "", "", 404, "route_not_found"},
		{"method not allowed", "DELETE", "/users/1", "", "", 405, "method_not_allowed"},
		{"encoded slash", "GET", "/users/a%2Fb", "", "", 400, "path_invalid"},
		{"nul byte", "GET", "/users/%00", "", "", 400, "path_invalid"},
		{"escape above root", "GET", "/users/../../etc/passwd", "", "", 400, "path_invalid"},
		{"body too large", "POST", "/orders", "application/json", `{"a":"` + strings.Repeat("x", 2048) + `"}`, 413, "body_too_large"},
		{"wrong content type", "POST", "/orders", "application/xml", "<a/>", 415, "unsupported_media_type"},
		{"json too deep", "POST", "/orders", "application/json", `{"a":{"b":{"c":{"d":{"e":1}}}}}`, 400, "json_too_deep"},
		{"invalid json", "POST", "/orders", "application/json", `{"a":`, 400, "json_invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, p.url("/"), strings.NewReader(c.body))
			req.URL.Opaque = c.path // send the path bytes exactly as written
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			resp, body := do(t, req)
			mustProblem(t, resp, body, c.status, c.code)
			if c.status == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Fatalf("Allow = %q", resp.Header.Get("Allow"))
			}
		})
	}

	// A valid JSON body passes.
	req, _ = http.NewRequest("POST", p.url("/orders"), strings.NewReader(`{"item":1}`))
	req.Header.Set("Content-Type", "application/json")
	resp, body = do(t, req)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `{\"item\":1}`) {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}

	// Server-sent events stream through.
	resp, err := http.Get(p.url("/events"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	var events []string
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			events = append(events, d)
		}
	}
	resp.Body.Close()
	if strings.Join(events, ",") != "1,2,3" {
		t.Fatalf("events = %v", events)
	}

	// Every request produced one audit line on stdout, never the query string.
	waitFor(t, "audit lines", func() bool { return strings.Count(p.stdout.String(), "\n") >= len(cases)+4 })
	for _, line := range strings.Split(strings.TrimSpace(p.stdout.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line is not JSON: %q", line)
		}
		if strings.Contains(line, "x=1") {
			t.Fatalf("audit line holds the query string: %s", line)
		}
	}
	if !strings.Contains(p.stdout.String(), `"reason":"path_invalid"`) {
		t.Fatalf("no path_invalid audit event in:\n%s", p.stdout.String())
	}
}

func TestAdminAPIAndMetrics(t *testing.T) {
	up := upstream(t)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), baseConfig(up.URL, "")))
	get(t, p.url("/users/1"))
	get(t, p.url("/nope"))

	resp, body := get(t, p.admin("/admin/api/routes"))
	mustNoTokenProblem(t, resp, body)
	req, _ := http.NewRequest("GET", p.admin("/admin/api/routes"), nil)
	req.Header.Set("Authorization", "Bearer wrong-token")
	resp, body = do(t, req)
	mustNoTokenProblem(t, resp, body)

	authed := func(path string) []byte {
		req, _ := http.NewRequest("GET", p.admin(path), nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, body := do(t, req)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return body
	}
	if b := authed("/admin/api/routes"); !strings.Contains(string(b), "/users/{id}") {
		t.Fatalf("routes: %s", b)
	}
	if b := authed("/admin/api/config"); strings.Contains(string(b), testToken) || !strings.Contains(string(b), `"shop"`) {
		t.Fatalf("config summary leaks the token or lacks the api: %s", b)
	}
	if b := authed("/admin/api/upstreams"); !strings.Contains(string(b), up.URL) {
		t.Fatalf("upstreams: %s", b)
	}
	waitFor(t, "denied event in the store", func() bool {
		return strings.Contains(string(authed("/admin/api/audit?decision=deny")), "route_not_found")
	})
	if b := authed("/admin/api/audit?decision=allow&limit=5"); strings.Contains(string(b), "route_not_found") {
		t.Fatalf("filter ignored: %s", b)
	}

	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, body := get(t, p.admin(path)); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	_, body = get(t, p.admin("/metrics"))
	for _, want := range []string{
		`bulwark_requests_total{api="shop",decision="allow",route="GET /users/{id}",status="200"} 1`,
		`bulwark_upstream_healthy{api="shop",target="` + up.URL + `"} 1`,
		`bulwark_request_duration_seconds_bucket`,
	} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %s", want)
		}
	}
}

func mustNoTokenProblem(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" || !strings.Contains(string(body), "admin_unauthorized") {
		t.Fatalf("want 401 admin_unauthorized, got %d %s", resp.StatusCode, body)
	}
}

func TestReloadSwapsValidAndKeepsOldOnInvalid(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, baseConfig(up.URL, ""))
	p := startBulwark(t, "serve", "-c", cfg)
	if resp, _ := get(t, p.url("/products")); resp.StatusCode != 404 {
		t.Fatalf("before reload: %d", resp.StatusCode)
	}
	// Changes replace the file whole: the file watcher must never read it
	// truncated (a refused reload more than the test counts).
	rewrite := func(body string) {
		t.Helper()
		if err := os.Rename(writeConfig(t, t.TempDir(), body), cfg); err != nil {
			t.Fatal(err)
		}
	}

	// A valid change with a new route, picked up on SIGHUP.
	rewrite(baseConfig(up.URL, "      - match: GET /products\n"))
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "reload via SIGHUP", func() bool { resp, _ := get(t, p.url("/products")); return resp.StatusCode == 200 })

	// An invalid config (unknown field, bad duration) is refused; the old one keeps serving.
	bad := baseConfig(up.URL, "      - match: GET /products\n        colour: blue\n") + "limits2: {}\n"
	bad = strings.Replace(bad, "shutdown_grace: 10s", "shutdown_grace: ten", 1)
	rewrite(bad)
	_ = p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "refusal logged", func() bool { return strings.Contains(p.stderr.String(), "config reload refused") })
	for _, want := range []string{"bulwark.yaml:3:", "shutdown_grace", "colour", "limits2"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Fatalf("refusal log lacks %q:\n%s", want, p.stderr.String())
		}
	}
	if resp, _ := get(t, p.url("/products")); resp.StatusCode != 200 {
		t.Fatalf("old config stopped serving: %d", resp.StatusCode)
	}

	// A change of the file alone (no signal) is picked up by the watcher.
	rewrite(baseConfig(up.URL, "      - match: GET /catalog\n"))
	waitFor(t, "reload via file watch", func() bool { resp, _ := get(t, p.url("/catalog")); return resp.StatusCode == 200 })
	if resp, _ := get(t, p.url("/products")); resp.StatusCode != 404 {
		t.Fatalf("removed route still served: %d", resp.StatusCode)
	}
	// Polled: a reload counts itself just after the swap the requests above
	// saw, which a loaded CI machine can delay past the next scrape.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, body := get(t, p.admin("/metrics"))
		if strings.Contains(string(body), `bulwark_config_reloads_total{result="error"} 1`) &&
			strings.Contains(string(body), `bulwark_config_reloads_total{result="ok"} 2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reload metrics wrong:\n%s", grep(string(body), "reload"))
		}
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestSIGTERMDrainsInFlightAndKeepsAudit(t *testing.T) {
	// The upstream says when the slow request reaches it: SIGTERM must find
	// it in flight (a fixed sleep missed it on a loaded CI machine).
	echo := upstream(t)
	reached := make(chan struct{}, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case reached <- struct{}{}:
			default:
			}
		}
		echo.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	// Every event in full: the default tiers keep 1 % of allowed requests.
	cfg := writeConfig(t, dir, strings.Replace(baseConfig(up.URL, ""), "  store: true\n", "  store: true\n  tiers: {store_all: true}\n", 1))
	p := startBulwark(t, "serve", "-c", cfg)

	var status atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(p.url("/slow"))
		if err == nil {
			status.Store(int32(resp.StatusCode))
			resp.Body.Close()
		}
	}()
	select {
	case <-reached: // in flight at the gateway, which now holds it for 1.5 s
	case <-time.After(30 * time.Second):
		t.Fatalf("the slow request never reached the upstream\n%s", p.stderr.String())
	}
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.stderr.String())
	}
	<-done
	if status.Load() != 200 {
		t.Fatalf("in-flight request got %d, want 200", status.Load())
	}
	// The acknowledged audit events survived the shutdown: a new process serves them.
	p2 := startBulwark(t, "serve", "-c", cfg)
	req, _ := http.NewRequest("GET", p2.admin("/admin/api/audit?route=GET%20/slow"), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	_, body := do(t, req)
	if !strings.Contains(string(body), `"status": 200`) {
		t.Fatalf("audit event of the drained request missing after restart: %s", body)
	}
}

func TestServeRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "apis:\n  - name: Bad Name\n    upstream: ftp://x\n    routes:\n      - match: GET /a/{id\n")
	cmd := execpkg.Command(binPath, "serve", "-c", cfg)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve accepted a bad config:\n%s", out)
	}
	if !strings.Contains(string(out), "bulwark.yaml:2:") || !strings.Contains(string(out), "bulwark.yaml:3:") {
		t.Fatalf("errors lack file:line:\n%s", out)
	}
	if _, err := os.Stat(dir + "/audit.db"); err == nil {
		t.Fatal("a refused config still opened the store")
	}
}

func TestSmugglingAttemptRefused(t *testing.T) {
	up := upstream(t)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), baseConfig(up.URL, "")))
	c, err := net.Dial("tcp", p.addrs["proxy"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// CL says the body is 4 bytes, TE says chunked: a front proxy framing by
	// Content-Length would pass the smuggled GET /users/666 along as body.
	_, _ = io.WriteString(c, "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"+
		"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /users/666 HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	all, _ := io.ReadAll(c) // the gateway answers once and closes
	text := string(all)
	if !strings.HasPrefix(text, "HTTP/1.1 400") || !strings.Contains(text, "bad_framing") ||
		strings.Count(text, "HTTP/1.1") != 1 || strings.Contains(text, "666") {
		t.Fatalf("got:\n%s", text)
	}
}

// Two APIs with the same paths on different hosts: each host reaches its own
// API, and a host neither names is refused.
func TestAPIsAreSeparatedByHost(t *testing.T) {
	a, b := upstream(t), upstream(t)
	dir := t.TempDir()
	cfg := baseConfig(a.URL, "")
	cfg = cfg[:strings.Index(cfg, "apis:")] + `apis:
  - name: one
    hosts: [one.example.com]
    upstream: ` + a.URL + `
    routes:
      - match: /**
        auth: [none]
  - name: two
    hosts: [two.example.com, "*.two.example.com"]
    upstream: ` + b.URL + `
    routes:
      - match: /**
        auth: [none]
        inspect: {mode: off}
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, cfg))
	send := func(host, path string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", p.url(path), nil)
		req.Host = host
		return do(t, req)
	}
	attack := "/x?q=" + url.QueryEscape("1' UNION SELECT password FROM users--")
	if resp, body := send("one.example.com", attack); resp.StatusCode != 403 {
		t.Fatalf("one.example.com (inspection on): %d %s", resp.StatusCode, body)
	}
	for _, h := range []string{"two.example.com", "api.two.example.com"} {
		if resp, body := send(h, attack); resp.StatusCode != 200 {
			t.Fatalf("%s (inspection off): %d %s", h, resp.StatusCode, body)
		}
	}
	resp, body := send("three.example.com", "/x")
	mustProblem(t, resp, body, 404, "route_not_found")
}
