package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
)

const keysPepperEnv = "BULWARK_TEST_KEYS_PEPPER"

func keysConfig() string {
	return `admin:
  listen: "off"
store: sqlite:keys.db
identity:
  api_keys:
    pepper: ${env:` + keysPepperEnv + `}
apis:
  - name: shop
    upstream: http://127.0.0.1:9
    auth: [api_key]
    routes:
      - match: GET /orders
`
}

// runKeys runs `bulwark keys ARGS` through keysCommand and returns its exit
// status and output.
func runKeys(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := keysCommand(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestKeysCreateListRevoke(t *testing.T) {
	t.Setenv(keysPepperEnv, "e2e-pepper-0123456789abcdef-0123456789abcdef")
	cfg := writeConfig(t, t.TempDir(), keysConfig())

	code, out, errOut := runKeys(t, "create", "-c", cfg, "--consumer", "shop", "--subject", "alice",
		"--scopes", "orders:read,orders:write", "--roles", "admin", "--expires", "90d", "--meta", "team=payments")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	key := regexp.MustCompile(apikey.Pattern).FindString(out)
	id, err := apikey.ParseKey(key)
	if err != nil {
		t.Fatalf("create printed no valid key (%v):\n%s", err, out)
	}
	if !strings.Contains(out, "cannot be shown again") || !strings.Contains(out, id) {
		t.Errorf("create output lacks the warning or the id:\n%s", out)
	}

	code, out, errOut = runKeys(t, "list", "-c", cfg)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "active") {
		t.Fatalf("list: exit %d, want the key active:\n%s%s", code, out, errOut)
	}
	// The same through the built binary.
	bin, err := exec.Command(binPath, "keys", "list", "-c", cfg, "--consumer", "shop").CombinedOutput()
	if err != nil || !strings.Contains(string(bin), id) || strings.Contains(string(bin), key) {
		t.Fatalf("bulwark keys list: %v:\n%s", err, bin)
	}
	code, out, _ = runKeys(t, "list", "-c", cfg, "--json", "--consumer", "shop")
	var listed []map[string]any
	if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil || len(listed) != 1 {
		t.Fatalf("list --json: exit %d, %v:\n%s", code, err, out)
	}
	if listed[0]["id"] != id || listed[0]["subject"] != "alice" || listed[0]["expires_at"] == nil {
		t.Errorf("listed %v", listed[0])
	}
	for _, leak := range []string{key, key[len(apikey.Prefix)+apikey.IDLen+1:], `"hash"`} {
		if strings.Contains(out, leak) {
			t.Errorf("listing contains %q:\n%s", leak, out)
		}
	}

	if code, out, errOut := runKeys(t, "revoke", id, "-c", cfg); code != 0 || !strings.Contains(out, id) {
		t.Fatalf("revoke: exit %d:\n%s%s", code, out, errOut)
	}
	if _, out, _ := runKeys(t, "list", "-c", cfg); strings.Contains(out, id) {
		t.Errorf("list shows a revoked key without --all:\n%s", out)
	}
	if _, out, _ := runKeys(t, "list", "-c", cfg, "--all"); !strings.Contains(out, "revoked") {
		t.Errorf("list --all does not show the key revoked:\n%s", out)
	}
}

func TestKeysRotate(t *testing.T) {
	t.Setenv(keysPepperEnv, "e2e-pepper-0123456789abcdef-0123456789abcdef")
	cfg := writeConfig(t, t.TempDir(), keysConfig())
	_, out, _ := runKeys(t, "create", "-c", cfg, "--consumer", "shop")
	oldID, _ := apikey.ParseKey(regexp.MustCompile(apikey.Pattern).FindString(out))
	code, out, errOut := runKeys(t, "rotate", "-c", cfg, oldID, "--overlap", "1h")
	newID, err := apikey.ParseKey(regexp.MustCompile(apikey.Pattern).FindString(out))
	if code != 0 || err != nil || newID == oldID {
		t.Fatalf("rotate: exit %d, %v:\n%s%s", code, err, out, errOut)
	}
	if code, _, errOut := runKeys(t, "rotate", "-c", cfg, oldID); code != 1 || !strings.Contains(errOut, "already rotated") {
		t.Errorf("second rotation: exit %d: %s", code, errOut)
	}
}

func TestKeysUsageErrors(t *testing.T) {
	t.Setenv(keysPepperEnv, "short")
	cfg := writeConfig(t, t.TempDir(), keysConfig())
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"no command", nil, 2},
		{"unknown command", []string{"frob"}, 2},
		{"revoke without id", []string{"revoke", "-c", cfg}, 2},
		{"bad expiry", []string{"create", "-c", cfg, "--consumer", "x", "--expires", "soon"}, 2},
		{"bad meta", []string{"create", "-c", cfg, "--consumer", "x", "--meta", "novalue"}, 2},
		{"short pepper", []string{"list", "-c", cfg}, 1},
		{"missing config", []string{"list", "-c", cfg + ".missing"}, 1},
	}
	for _, c := range cases {
		if code, _, errOut := runKeys(t, c.args...); code != c.code {
			t.Errorf("%s: exit %d, want %d: %s", c.name, code, c.code, errOut)
		}
	}
}
