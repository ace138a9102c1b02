package main

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCORSThroughTheGateway(t *testing.T) {
	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Access-Control-Allow-Origin", "*") // the upstream's own, too permissive
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer up.Close()
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), `server:
  listen: 127.0.0.1:0
admin:
  listen: "off"
audit: {stdout: true, store: false}
apis:
  - name: shop
    upstream: `+up.URL+`
    auth: [none]
    cors:
      allow_origins: [https://app.example.com, "https://*.partner.example"]
      allow_methods: [GET, POST, PUT]
      allow_headers: [Authorization, X-Trace]
      expose_headers: [X-Request-Id]
      allow_credentials: true
      max_age: 10m
    routes:
      - match: GET,POST,PUT /orders/{id}
      - match: GET /open
        cors: {allow_origins: ["*"]}
      - match: GET /plain
        cors: {allow_origins: [https://app.example.com], pass_refused: true}
  - name: other
    hosts: [other.test]
    upstream: `+up.URL+`
    auth: [none]
    routes:
      - match: GET /x
`))
	send := func(method, path string, h map[string]string) (*http.Response, string) {
		req, _ := http.NewRequest(method, p.url(path), nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, body := do(t, req)
		return resp, string(body)
	}
	pre := func(origin, method, headers string) map[string]string {
		h := map[string]string{"Origin": origin, "Access-Control-Request-Method": method}
		if headers != "" {
			h["Access-Control-Request-Headers"] = headers
		}
		return h
	}

	// Preflights are answered at the gateway; the upstream never sees them.
	resp, _ := send("OPTIONS", "/orders/1", pre("https://app.example.com", "PUT", "authorization, x-trace"))
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" || resp.Header.Get("Access-Control-Allow-Methods") != "GET, POST, PUT" ||
		resp.Header.Get("Access-Control-Max-Age") != "600" || !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Origin") {
		t.Fatalf("allowed preflight: %d %v", resp.StatusCode, resp.Header)
	}
	for name, h := range map[string]map[string]string{
		"origin":      pre("https://evil.test", "PUT", ""),
		"lookalike":   pre("https://app.example.com.evil.test", "GET", ""),
		"null origin": pre("null", "GET", ""),
		"method":      pre("https://app.example.com", "DELETE", ""),
		"header":      pre("https://app.example.com", "GET", "x-admin"),
	} {
		resp, body := send("OPTIONS", "/orders/1", h)
		if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" || !strings.Contains(body, `"code":"cors_`) {
			t.Fatalf("refused preflight (%s): %d %v %s", name, resp.StatusCode, resp.Header, body)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("a preflight reached the upstream (%d)", hits.Load())
	}
	// A route without CORS keeps its ordinary answer to OPTIONS.
	req, _ := http.NewRequest("OPTIONS", p.url("/x"), nil)
	req.Host = "other.test"
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "GET")
	if resp, _ := do(t, req); resp.StatusCode != 405 {
		t.Fatalf("OPTIONS on a route without cors: %d", resp.StatusCode)
	}

	// Actual requests: the allowed origin gets exactly the gateway's headers.
	resp, _ = send("GET", "/orders/1", map[string]string{"Origin": "https://a.partner.example"})
	if resp.StatusCode != 200 || len(resp.Header.Values("Access-Control-Allow-Origin")) != 1 ||
		resp.Header.Get("Access-Control-Allow-Origin") != "https://a.partner.example" || resp.Header.Get("Access-Control-Expose-Headers") != "X-Request-Id" {
		t.Fatalf("allowed request: %d %v", resp.StatusCode, resp.Header)
	}
	before := hits.Load()
	resp, body := send("POST", "/orders/1", map[string]string{"Origin": "https://evil.test"})
	if resp.StatusCode != 403 || !strings.Contains(body, "cors_origin_refused") || hits.Load() != before {
		t.Fatalf("refused origin: %d %s (upstream hits %d→%d)", resp.StatusCode, body, before, hits.Load())
	}
	// Same host (the API's own page), and no Origin at all (not a browser): no CORS involved.
	for _, h := range []map[string]string{{"Origin": "http://" + p.addrs["proxy"]}, {}} {
		resp, _ := send("GET", "/orders/1", h)
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("not cross-origin %v: %d %v", h, resp.StatusCode, resp.Header)
		}
	}
	// "*" without credentials.
	resp, _ = send("GET", "/open", map[string]string{"Origin": "https://any.test"})
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("wildcard: %v", resp.Header)
	}
	// pass_refused: forwarded, but without any CORS header (the page cannot read it).
	resp, _ = send("GET", "/plain", map[string]string{"Origin": "https://evil.test"})
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("pass_refused: %d %v", resp.StatusCode, resp.Header)
	}
	waitFor(t, "the refusal in the audit log", func() bool { return strings.Contains(p.stdout.String(), `"reason":"cors_origin_refused"`) })
}

func TestCORSConfigErrors(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), `admin:
  listen: "off"
apis:
  - name: a
    upstream: http://127.0.0.1:9
    auth: [none]
    routes:
      - match: GET /a
        cors:
          allow_origins: ["*", "app.example.com"]
          allow_credentials: true
`)
	out, err := exec.Command(binPath, "check", "-c", cfg).CombinedOutput()
	if err == nil {
		t.Fatalf("check passed:\n%s", out)
	}
	for _, want := range []string{`:10:`, `apis[0].routes[0].cors.allow_origins[0]`, `with allow_credentials`, `allow_origins[1]`, "not an origin"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}
