package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/demo"
)

func exposureConfig(shop, doc string) string {
	cfg := strings.Replace(shopConfig(shop), "    auth: [api_key]\n", "    auth: [api_key]\n    openapi: "+doc+`
    response:
      contract: false
      sensitive: {card: redact, email: monitor}
`, 1)
	cfg = strings.Replace(cfg, "      - match: GET /users/{id}\n", "      - match: GET /users/{id}\n        response: {contract: true}\n", 1)
	return cfg + "      - match: GET /debug/crash\n"
}

func TestDemoShopDataExposure(t *testing.T) {
	shop, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	defer shop.Close()
	shopSrv := httptest.NewServer(shop.Handler())
	defer shopSrv.Close()
	doc, _ := filepath.Abs("../../examples/shop.openapi.yaml")
	dir := t.TempDir()
	cfg := writeConfig(t, dir, exposureConfig(shopSrv.URL, doc))
	p := startBulwark(t, "serve", "-c", cfg)
	alice := shopper{t, p, createKey(t, cfg, "--consumer", "web", "--subject", "1", "--roles", "shopper")}
	admin := shopper{t, p, createKey(t, cfg, "--consumer", "ops", "--subject", "3", "--roles", "admin")}

	// Directly, the shop leaks; through Bulwark only the declared fields arrive.
	status, body := alice.do("GET", "/users/1", "")
	if status != 200 {
		t.Fatalf("GET /users/1: %d %s", status, body)
	}
	var user map[string]any
	if err := json.Unmarshal(body, &user); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	for _, leaked := range []string{"password_hash", "ssn", "internal_notes"} {
		if _, ok := user[leaked]; ok {
			t.Fatalf("%s reached a non-admin client: %s", leaked, body)
		}
	}
	if user["username"] != "alice" || user["email"] == nil {
		t.Fatalf("declared fields missing: %s", body)
	}
	// The card number is masked, keeping the last four digits.
	card, _ := user["card_number"].(string)
	if !strings.HasSuffix(card, "1111") || strings.Contains(card, "4111111111111111") {
		t.Fatalf("card number not masked: %q", card)
	}
	// Admins see what their view allows.
	_, body = admin.do("GET", "/users/1", "")
	if !strings.Contains(string(body), "internal_notes") || strings.Contains(string(body), "password_hash") {
		t.Fatalf("admin view: %s", body)
	}
	// A crashing endpoint shows a clean problem; the trace stays in the diagnostic log.
	status, body = alice.do("GET", "/debug/crash", "")
	if status != 500 || strings.Contains(string(body), "goroutine") || strings.Contains(string(body), "SELECT") ||
		!strings.Contains(string(body), "upstream_error") {
		t.Fatalf("crash: %d %s", status, body)
	}
	waitFor(t, "the original error in the diagnostic log", func() bool {
		return strings.Contains(p.stderr.String(), "upstream error body replaced")
	})
	if strings.Contains(p.stdout.String(), "goroutine") {
		t.Fatal("a stack trace reached the audit log")
	}
	// Server-identifying headers are gone, security headers are set.
	req, _ := http.NewRequest("GET", p.url("/users/1"), nil)
	req.Header.Set("X-API-Key", alice.key)
	resp, _ := do(t, req)
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("security headers: %v", resp.Header)
	}
}

func TestFilteringWorksOnCompressedResponses(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = io.WriteString(zw, `{"id":1,"username":"alice","password_hash":"$2b$12$abcdefghijklmnopqrstuuJ9f7ZKbQ1fM0dE9Yc7HqQ6VtVQw2JmK","card_number":"4111 1111 1111 1111"}`)
		_ = zw.Close()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Server", "leaky/1.0")
		w.Header().Set("X-Powered-By", "PHP/5.4")
		_, _ = w.Write(buf.Bytes())
	}))
	defer up.Close()
	cfg := `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:exp.db
audit: {stdout: true, store: false}
apis:
  - name: users
    upstream: ` + up.URL + `
    auth: [none]
    response:
      allow: [id, username, card_number]
      sensitive: {card: redact}
    routes:
      - match: GET /users/{id}
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	req, _ := http.NewRequest("GET", p.url("/users/1"), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Content-Length") != strconv.Itoa(len(raw)) {
		t.Fatalf("encoding/length: %v (%d bytes)", resp.Header, len(raw))
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if strings.Contains(string(body), "password_hash") || strings.Contains(string(body), "4111 1111 1111 1111") || !strings.Contains(string(body), "1111") {
		t.Fatalf("filtered body: %s", body)
	}
	if et := resp.Header.Get("ETag"); et == `"v1"` || et == "" {
		t.Fatalf("ETag not recomputed: %q", et)
	}
	if resp.Header.Get("Server") != "" || resp.Header.Get("X-Powered-By") != "" {
		t.Fatalf("server headers leak: %v", resp.Header)
	}
}
