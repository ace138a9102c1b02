package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/authn/apikey"
)

// cliRun runs the built binary with args in dir (the current one when
// empty) and extra environment, and returns its exit status and outputs.
func cliRun(t *testing.T, dir string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "BULWARK_ADMIN_TOKEN="+testToken), env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("%v: %v", args, err)
		}
	}
	return exitCode(err), out.String(), errOut.String()
}

// warnConfig is valid with one warning (a literal admin token).
const warnConfig = `admin:
  listen: "127.0.0.1:0"
  token: literally-a-secret-value
apis:
  - name: shop
    upstream: http://127.0.0.1:9
    auth: [none]
    routes:
      - match: GET /orders
`

func TestCLIHelpPerCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string // flags and text of that command
		not  []string // what only other commands have
	}{
		{[]string{"help", "serve"}, []string{"bulwark serve", "--log-level", "-c, --config", `(default "bulwark.yaml")`}, []string{"--strict", "Available Commands"}},
		{[]string{"serve", "--help"}, []string{"bulwark serve", "--log-level"}, []string{"--strict"}},
		{[]string{"help", "check"}, []string{"bulwark check", "--strict", "--format", "sarif"}, []string{"--log-level"}},
		{[]string{"check", "-h"}, []string{"--strict", "--format"}, []string{"--log-level"}},
		{[]string{"help", "keys", "create"}, []string{"bulwark keys create", "--consumer", "--expires", "--meta"}, []string{"--strict"}},
		{[]string{"keys", "rotate", "--help"}, []string{"bulwark keys rotate ID", "--overlap"}, []string{"--consumer"}},
		{[]string{"help", "keys"}, []string{"create", "list", "revoke", "rotate", "pepper"}, []string{"--strict"}},
		{[]string{"owners", "--help"}, []string{"set", "import", "one record a line"}, nil},
		{[]string{"help", "tune"}, []string{"--audit", "--store", "--min-count", "-o, --output"}, []string{"--strict"}},
		{[]string{"help", "demo"}, []string{"--listen", "--shop-only"}, nil},
		{[]string{"help", "probe"}, []string{"bulwark probe URL", "--timeout"}, nil},
		{[]string{"help", "users", "create"}, []string{"USERNAME", "standard input"}, nil},
		{[]string{"help"}, []string{"serve", "check", "tune", "keys", "owners", "clients", "users", "demo", "probe", "version", "completion", "BULWARK_CONFIG"}, nil},
	} {
		code, out, errOut := cliRun(t, "", nil, c.args...)
		if code != 0 || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: lacks %q:\n%s", c.args, w, out)
			}
		}
		for _, n := range c.not {
			if strings.Contains(out, n) {
				t.Errorf("%v: shows %q, which is not this command's:\n%s", c.args, n, out)
			}
		}
	}
}

func TestCLICompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := cliRun(t, "", nil, "completion", shell)
		if code != 0 || len(out) < 500 || !strings.Contains(out, "bulwark") || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, code, len(out), errOut)
		}
	}
	if code, _, _ := cliRun(t, "", nil, "completion", "tcsh"); code != 2 {
		t.Errorf("completion tcsh: exit %d, want 2", code)
	}
	// The scripts ask the binary (bulwark __complete ...) for candidates.
	words := func(args ...string) []string {
		_, out, _ := cliRun(t, "", nil, append([]string{"__complete"}, args...)...)
		var ws []string
		for _, l := range strings.Split(out, "\n") {
			if w, _, _ := strings.Cut(l, "\t"); w != "" && !strings.HasPrefix(w, ":") {
				ws = append(ws, w)
			}
		}
		return ws
	}
	for _, c := range []struct{ args, want []string }{
		{[]string{""}, []string{"serve", "check", "tune", "keys", "owners", "clients", "users", "demo", "probe", "version"}},
		{[]string{"keys", ""}, []string{"create", "list", "revoke", "rotate"}},
		{[]string{"owners", ""}, []string{"set", "get", "delete", "list", "import"}},
		{[]string{"check", "--"}, []string{"--config", "--strict", "--format"}},
		{[]string{"keys", "create", "--co"}, []string{"--config", "--consumer"}},
	} {
		got := words(c.args...)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("completing %q: %v lacks %q", c.args, got, w)
			}
		}
	}
}

func TestCLIFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, warnConfig)
	// --strict after the file counts the warning; the file is not taken as a flag or vice versa.
	if code, out, _ := cliRun(t, "", nil, "check", cfg); code != 0 || !strings.Contains(out, "ok (1 warning(s))") {
		t.Fatalf("check: %d %s", code, out)
	}
	if code, out, _ := cliRun(t, "", nil, "check", cfg, "--strict"); code != 1 || !strings.Contains(out, "0 error(s), 1 warning(s)") {
		t.Fatalf("check FILE --strict: %d %s", code, out)
	}
	code, out, _ := cliRun(t, "", nil, "check", cfg, "--format", "json", "--strict")
	var reports []struct{ File string }
	if err := json.Unmarshal([]byte(out), &reports); err != nil || code != 1 || len(reports) != 1 || reports[0].File != cfg {
		t.Fatalf("check FILE --format json --strict: %d %v %s", code, err, out)
	}
	// A store command: the key id first, then the config.
	t.Setenv(keysPepperEnv, "e2e-pepper-0123456789abcdef-0123456789abcdef")
	kcfg := writeConfig(t, t.TempDir(), keysConfig())
	code, out, errOut := cliRun(t, "", nil, "keys", "create", "--consumer", "app", "-c", kcfg)
	id, err := apikey.ParseKey(regexp.MustCompile(apikey.Pattern).FindString(out))
	if code != 0 || err != nil {
		t.Fatalf("keys create: %d %v %s %s", code, err, out, errOut)
	}
	if code, out, errOut := cliRun(t, "", nil, "keys", "revoke", id, "-c", kcfg); code != 0 || !strings.Contains(out, "Revoked API key "+id) {
		t.Fatalf("keys revoke ID -c FILE: %d %s %s", code, out, errOut)
	}
	// probe URL --timeout.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer up.Close()
	if code, out, errOut := cliRun(t, "", nil, "probe", up.URL, "--timeout", "5s"); code != 0 || !strings.Contains(out, "200") {
		t.Fatalf("probe URL --timeout 5s: %d %s %s", code, out, errOut)
	}
}

func TestCLIExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := writeConfig(t, dir, warnConfig)
	missing := filepath.Join(dir, "missing.yaml")
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	closed := httptest.NewServer(nil)
	closedURL := closed.URL
	closed.Close()
	for _, c := range []struct {
		want    int
		args    []string
		wantErr string
	}{
		// success
		{0, []string{"version"}, ""},
		{0, []string{"check", good}, ""},
		{0, []string{"help", "keys"}, ""},
		// runtime failures
		{1, []string{"check", missing}, ""},
		{1, []string{"serve", "-c", missing}, ""},
		{1, []string{"keys", "list", "-c", missing}, "config has errors"},
		{1, []string{"owners", "list", "-c", missing}, "config has errors"},
		{1, []string{"clients", "list", "-c", missing}, "config has errors"},
		{1, []string{"tune", "-c", missing, "--audit", "-"}, "bulwark tune"},
		{1, []string{"probe", down.URL}, ""},
		{1, []string{"probe", closedURL}, "bulwark probe"},
		// unknown command
		{2, nil, "Usage:"},
		{2, []string{"frob"}, `unknown command "frob"`},
		{2, []string{"keys", "frob"}, `unknown command "frob"`},
		{2, []string{"owners"}, "Usage:"},
		{2, []string{"clients", "frob", "-c", good}, `unknown command "frob"`},
		{2, []string{"users", "frob"}, `unknown command "frob"`},
		{2, []string{"help", "frob"}, `unknown help topic "frob"`},
		// unknown flag
		{2, []string{"serve", "--bogus"}, "unknown flag: --bogus"},
		{2, []string{"check", good, "--bogus"}, "unknown flag: --bogus"},
		{2, []string{"tune", "--bogus"}, "unknown flag"},
		{2, []string{"keys", "create", "--bogus"}, "unknown flag"},
		{2, []string{"owners", "list", "--bogus"}, "unknown flag"},
		{2, []string{"clients", "list", "--bogus"}, "unknown flag"},
		{2, []string{"users", "create", "x", "--bogus"}, "unknown flag"},
		{2, []string{"demo", "--bogus"}, "unknown flag"},
		{2, []string{"probe", "--bogus", "http://x"}, "unknown flag"},
		{2, []string{"version", "--bogus"}, "unknown flag"},
		// wrong argument count
		{2, []string{"serve", "extra"}, `unexpected argument "extra"`},
		{2, []string{"keys", "revoke", "-c", good}, "want 1 argument(s), got 0"},
		{2, []string{"keys", "list", "x"}, "want 0 argument(s), got 1"},
		{2, []string{"owners", "import"}, "want 1 argument(s), got 0"},
		{2, []string{"users", "create"}, "want 1 argument(s), got 0"},
		{2, []string{"tune", "stray", "--audit", "-"}, "want 0 argument(s), got 1"},
		{2, []string{"demo", "stray"}, "want 0 argument(s), got 1"},
		{2, []string{"probe"}, "want 1 argument(s), got 0"},
		{2, []string{"version", "stray"}, "want 0 argument(s), got 1"},
		// bad flag value
		{2, []string{"check", good, "--format", "xml"}, `"xml"`},
		{2, []string{"serve", "-c", good, "--log-level", "loud"}, "log level"},
		{2, []string{"keys", "rotate", "x", "--overlap", "soon"}, "--overlap"},
		{2, []string{"keys", "create", "--meta", "novalue"}, "want k=v"},
		{2, []string{"owners", "list", "--limit", "many"}, "--limit"},
		{2, []string{"tune", "--since", "soon", "--audit", "-"}, "--since"},
		{2, []string{"tune"}, "--audit FILE or --store"},
		{2, []string{"probe", "--timeout", "soon", "http://x"}, "--timeout"},
		{2, []string{"demo", "--expose-shop"}, "--shop-only"},
	} {
		code, _, errOut := cliRun(t, dir, nil, c.args...)
		if code != c.want || !strings.Contains(errOut, c.wantErr) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.want, c.wantErr)
		}
	}
}

func TestCLIDefaultConfig(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, warnConfig) // dir/bulwark.yaml
	if code, out, _ := cliRun(t, dir, nil, "check"); code != 0 || !strings.Contains(out, "bulwark.yaml: ok") {
		t.Fatalf("check in a folder with bulwark.yaml: %d %s", code, out)
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	if err := os.WriteFile(other, []byte("apis: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"BULWARK_CONFIG=" + other}
	if code, out, _ := cliRun(t, dir, env, "check"); code != 1 || !strings.Contains(out, "other.yaml") {
		t.Fatalf("check with $BULWARK_CONFIG: %d %s", code, out)
	}
	// The store commands read the same default.
	if code, _, errOut := cliRun(t, dir, env, "keys", "list"); code != 1 || !strings.Contains(errOut, other) {
		t.Fatalf("keys list with $BULWARK_CONFIG: %d %s", code, errOut)
	}
	if code, _, errOut := cliRun(t, dir, nil, "keys", "list"); code != 1 || !strings.Contains(errOut, "bulwark keys: bulwark.yaml: identity.api_keys is not configured") {
		t.Fatalf("keys list in a folder with bulwark.yaml: %d %s", code, errOut)
	}
	// -c beats the environment.
	if code, out, _ := cliRun(t, dir, env, "check", "-c", "bulwark.yaml"); code != 0 || strings.Contains(out, "other.yaml") {
		t.Fatalf("check -c with $BULWARK_CONFIG set: %d %s", code, out)
	}
}

func TestCLISingleDashLongFlags(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, warnConfig)
	code, out, errOut := cliRun(t, "", nil, "check", "-format", "json", "-strict", "-c", cfg)
	var reports []struct{ OK bool }
	if err := json.Unmarshal([]byte(out), &reports); err != nil || code != 1 || len(reports) != 1 || reports[0].OK {
		t.Fatalf("check -format json -strict -c FILE: %d %v %s %s", code, err, out, errOut)
	}
	if code, out, _ := cliRun(t, "", nil, "check", "-format=sarif", cfg); code != 0 || !strings.Contains(out, `"2.1.0"`) {
		t.Fatalf("check -format=sarif: %d %s", code, out)
	}
	if code, out, _ := cliRun(t, "", nil, "check", "-config="+cfg, "-strict=false"); code != 0 || !strings.Contains(out, "ok (1 warning(s))") {
		t.Fatalf("check -config=FILE -strict=false: %d %s", code, out)
	}
	if code, out, _ := cliRun(t, "", nil, "check", "-help"); code != 0 || !strings.Contains(out, "--strict") {
		t.Fatalf("check -help: %d %s", code, out)
	}
	// A single-dash flag the command does not have stays an error.
	if code, _, errOut := cliRun(t, "", nil, "check", cfg, "-log-level", "info"); code != 2 || !strings.Contains(errOut, "unknown shorthand flag") {
		t.Fatalf("check -log-level: %d %s", code, errOut)
	}
	t.Setenv(keysPepperEnv, "e2e-pepper-0123456789abcdef-0123456789abcdef")
	kcfg := writeConfig(t, t.TempDir(), keysConfig())
	code, out, errOut = cliRun(t, "", nil, "keys", "create", "-c", kcfg, "-consumer", "app", "-scopes", "a,b", "-meta", "team=x")
	if code != 0 {
		t.Fatalf("keys create -consumer: %d %s", code, errOut)
	}
	id, _ := apikey.ParseKey(regexp.MustCompile(apikey.Pattern).FindString(out))
	if code, out, errOut = cliRun(t, "", nil, "keys", "rotate", id, "-overlap", "1h", "-c", kcfg); code != 0 || !strings.Contains(out, "stays valid until") {
		t.Fatalf("keys rotate -overlap 1h: %d %s %s", code, out, errOut)
	}
	code, out, _ = cliRun(t, "", nil, "keys", "list", "-c", kcfg, "-consumer", "app", "-all", "-json")
	var keys []map[string]any
	if err := json.Unmarshal([]byte(out), &keys); err != nil || code != 0 || len(keys) != 2 {
		t.Fatalf("keys list -consumer app -all -json: %d %v %s", code, err, out)
	}
	// An unknown -log-level is still refused, in the old spelling too.
	if code, _, errOut := cliRun(t, "", nil, "serve", "-c", cfg, "-log-level", "loud"); code != 2 || !strings.Contains(errOut, "log level") {
		t.Fatalf("serve -log-level loud: %d %s", code, errOut)
	}
	if code, out, _ := cliRun(t, "", nil, "-v"); code != 0 || !strings.HasPrefix(out, "bulwark ") {
		t.Fatalf("-v: %d %s", code, out)
	}
}

func TestGoStyleFlags(t *testing.T) {
	root := newRootCmd()
	for _, c := range []struct{ in, want string }{
		{"check -strict -format=json a.yaml", "check --strict --format=json a.yaml"},
		{"check a.yaml -format json -c b.yaml", "check a.yaml --format json -c b.yaml"},
		{"check -config=x.yaml -help", "check --config=x.yaml --help"},
		{"serve -c x.yaml -log-level debug", "serve -c x.yaml --log-level debug"},
		{"tune -audit - -o out.yaml -min-count 2 -include-blocked", "tune --audit - -o out.yaml --min-count 2 --include-blocked"},
		{"keys rotate -overlap 24h ID", "keys rotate --overlap 24h ID"},
		{"owners import -c x.yaml -", "owners import -c x.yaml -"},
		{"demo -listen :1 -shop-only", "demo --listen :1 --shop-only"},
		{"probe -timeout 1s http://x", "probe --timeout 1s http://x"},
		// Flags of another command, and everything after --, stay as written.
		{"check -log-level x", "check -log-level x"},
		{"keys revoke -c x.yaml -- -strict", "keys revoke -c x.yaml -- -strict"},
		{"--strict check", "--strict check"},
	} {
		got := strings.Join(goStyleFlags(root, strings.Fields(c.in)), " ")
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
