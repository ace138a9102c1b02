package main

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
)

const oauthSecretEnv = "BULWARK_TEST_OAUTH_SECRET"

func oauthConfig() string {
	return `admin:
  listen: "off"
store: sqlite:oauth.db
oauth:
  issuer: https://api.example.com
  secret: ${env:` + oauthSecretEnv + `}
  scopes:
    - {name: "orders:read", description: "read your orders"}
apis:
  - name: shop
    upstream: http://127.0.0.1:9
    routes:
      - match: GET /orders
        auth: [oauth]
`
}

func runOAuthCmd(t *testing.T, cmd func([]string, io.Writer, io.Writer) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cmd(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestClientsAndUsers(t *testing.T) {
	t.Setenv(oauthSecretEnv, "e2e-oauth-secret-0123456789abcdef-0123456789")
	cfg := writeConfig(t, t.TempDir(), oauthConfig())

	code, out, errOut := runOAuthCmd(t, clientsCommand, "create", "-c", cfg, "--name", "Order Tracker", "--id", "tracker",
		"--redirect-uri", "https://tracker.example/cb", "--scopes", "orders:read")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	secret := regexp.MustCompile(`client_secret: (bws_\S+)`).FindStringSubmatch(out)
	if secret == nil || !strings.Contains(out, "shown once") {
		t.Fatalf("create output:\n%s", out)
	}
	for name, args := range map[string][]string{
		"unknown scope":   {"--name", "X", "--redirect-uri", "https://x.example/cb", "--scopes", "admin"},
		"http redirect":   {"--name", "X", "--redirect-uri", "http://x.example/cb"},
		"password grant":  {"--name", "X", "--grants", "password"},
		"duplicate id":    {"--name", "X", "--id", "tracker", "--redirect-uri", "https://x.example/cb"},
		"public with cc":  {"--name", "X", "--public", "--grants", "client_credentials"},
		"fragment in uri": {"--name", "X", "--redirect-uri", "https://x.example/cb#f"},
	} {
		if code, _, errOut := runOAuthCmd(t, clientsCommand, append([]string{"create", "-c", cfg}, args...)...); code != 1 || errOut == "" {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
	code, out, _ = runOAuthCmd(t, clientsCommand, "list", "-c", cfg, "--json")
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0]["client_id"] != "tracker" {
		t.Fatalf("list: %d %s", code, out)
	}
	if strings.Contains(out, secret[1]) || strings.Contains(out, "secret") {
		t.Errorf("list shows the secret or its hash:\n%s", out)
	}
	if code, _, errOut := runOAuthCmd(t, clientsCommand, "revoke", "-c", cfg, "tracker"); code != 0 {
		t.Fatalf("revoke: %d %s", code, errOut)
	}
	if code, out, _ := runOAuthCmd(t, clientsCommand, "list", "-c", cfg); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("list after revoke: %s", out)
	}

	passwordInput = strings.NewReader("a-long-enough-password\n")
	t.Cleanup(func() { passwordInput = nil })
	if code, out, errOut := runOAuthCmd(t, usersCommand, "create", "-c", cfg, "alice"); code != 0 || !strings.Contains(out, "created user alice") {
		t.Fatalf("users create: %d %s %s", code, out, errOut)
	}
	passwordInput = strings.NewReader("short\n")
	if code, _, errOut := runOAuthCmd(t, usersCommand, "create", "-c", cfg, "bob"); code != 1 || !strings.Contains(errOut, "at least") {
		t.Errorf("short password: %d %s", code, errOut)
	}
	passwordInput = strings.NewReader("another-long-password\n")
	if code, _, _ := runOAuthCmd(t, usersCommand, "create", "-c", cfg, "alice"); code != 1 {
		t.Errorf("duplicate user: %d", code)
	}
	if code, out, errOut := runOAuthCmd(t, usersCommand, "totp", "-c", cfg, "alice"); code != 0 ||
		!strings.Contains(out, "otpauth://totp/api.example.com:alice?") || !strings.Contains(out, "shown once") {
		t.Errorf("users totp: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runOAuthCmd(t, usersCommand, "totp", "-c", cfg, "nobody"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("users totp for nobody: %d %s", code, errOut)
	}
	if code, out, _ := runOAuthCmd(t, usersCommand, "totp", "-c", cfg, "--off", "alice"); code != 0 || !strings.Contains(out, "off for alice") {
		t.Errorf("users totp --off: %d %s", code, out)
	}
	if code, _, _ := runOAuthCmd(t, clientsCommand, "bogus"); code != 2 {
		t.Errorf("unknown command: %d", code)
	}
}
