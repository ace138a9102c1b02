package main

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

// freePort returns a loopback address nothing listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// allJSON fails unless every line the process wrote to stderr is a JSON object.
func allJSON(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func TestReadyzNamesIssuersWithoutKeys(t *testing.T) {
	dead := freePort(t) // nothing serves the JWKS
	cfg := func(jwks string) string {
		return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:ready.db
identity:
  jwt:
    - name: corp
      issuer: https://login.test/
      jwks_url: ` + jwks + `
      audiences: [orders-api]
apis:
  - name: a
    upstream: http://127.0.0.1:9
    routes:
      - match: GET /a
        auth: [jwt]
`
	}
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg("http://"+dead+"/jwks")))
	resp, body := get(t, p.admin("/readyz"))
	if resp.StatusCode != 503 || !strings.Contains(string(body), `"code":"not_ready"`) || !strings.Contains(string(body), "https://login.test/") {
		t.Fatalf("readyz does not name the issuer: %s", body)
	}
	if resp, _ := get(t, p.admin("/healthz")); resp.StatusCode != 200 {
		t.Fatalf("healthz while not ready: %d", resp.StatusCode)
	}
	allJSON(t, p.stderr.String())
}

func TestLogLevelFromConfigAndFlag(t *testing.T) {
	proxy, admin := freePort(t), freePort(t)
	src := `server:
  listen: ` + proxy + `
admin:
  listen: ` + admin + `
  token: ${env:BULWARK_ADMIN_TOKEN}
log:
  level: warn
cluster:
  redis: redis://127.0.0.1:1/0     # nothing there: go-redis's own messages must be JSON too
  secret: ${env:BULWARK_ADMIN_TOKEN}
apis:
  - name: a
    upstream: http://127.0.0.1:9
    auth: [none]
    rate_limits: [{by: [ip], rate: 10/s, burst: 10}]
    routes:
      - match: GET /a
`
	dir := t.TempDir()
	path := writeConfig(t, dir, src)
	run := func(args ...string) string {
		cmd := execCommand(binPath, append([]string{"serve", "-c", path}, args...)...)
		var errb logtest.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		waitFor(t, "healthz", func() bool {
			c, err := net.DialTimeout("tcp", admin, time.Second)
			if err == nil {
				c.Close()
			}
			return err == nil
		})
		// One request through the Redis-backed limit (it fails over to local).
		_, _ = net.DialTimeout("tcp", proxy, time.Second)
		statusOf(t, mustReq(t, "http://"+proxy+"/a"))
		_ = cmd.Process.Signal(sigterm)
		_ = cmd.Wait()
		return errb.String()
	}
	levels := func(lines []map[string]any) map[string]int {
		n := map[string]int{}
		for _, l := range lines {
			n[l["level"].(string)]++
		}
		return n
	}
	quiet := levels(allJSON(t, run()))
	if quiet["INFO"] != 0 || quiet["WARN"] == 0 {
		t.Fatalf("log.level warn: %v", quiet)
	}
	loud := levels(allJSON(t, run("-log-level", "info")))
	if loud["INFO"] == 0 {
		t.Fatalf("-log-level info did not win over the config: %v", loud)
	}
	out, err := execCommand(binPath, "serve", "-c", path, "-log-level", "verbose").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "verbose") {
		t.Fatalf("unknown log level: %v %s", err, out)
	}
}

func TestPortConflictLogsTheCauseFirst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	src := `server:
  listen: ` + ln.Addr().String() + `
admin:
  listen: "off"
apis:
  - name: a
    upstream: http://127.0.0.1:9
    auth: [none]
    routes:
      - match: GET /a
`
	cmd := execCommand(binPath, "serve", "-c", writeConfig(t, t.TempDir(), src))
	var errb logtest.Buffer
	cmd.Stderr = &errb
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("port conflict: %v", err)
	}
	lines := allJSON(t, errb.String())
	first := -1
	for i, l := range lines {
		if l["level"] == "ERROR" && first < 0 {
			first = i
			if !strings.Contains(l["error"].(string), "address already in use") {
				t.Fatalf("first error: %v", l)
			}
		}
		if l["msg"] == "stopped" && (first < 0 || i < first) {
			t.Fatal("'stopped' before the cause")
		}
	}
	if first < 0 {
		t.Fatalf("no error logged:\n%s", errb.String())
	}
}

func TestVersionNamesGo(t *testing.T) {
	out, err := execCommand(binPath, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "bulwark ") || !strings.Contains(string(out), " go1.") {
		t.Fatalf("version: %v %s", err, out)
	}
}

// Editing an attached OpenAPI document reloads the config, as editing the
// config file does.
func TestReloadOnOpenAPIChange(t *testing.T) {
	upSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer upSrv.Close()
	up := upSrv.URL
	dir := t.TempDir()
	doc := func(typ string) string {
		return `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters:
        - {name: n, in: query, schema: {type: ` + typ + `}}
      responses:
        "200": {description: ok}
`
	}
	docPath := dir + "/api.yaml"
	if err := os.WriteFile(docPath, []byte(doc("integer")), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, `server:
  listen: 127.0.0.1:0
admin:
  listen: "off"
apis:
  - name: a
    upstream: `+up+`
    openapi: api.yaml
    response: {contract: false}
    auth: [none]
    routes:
      - match: GET /a
`))
	if status, _ := statusOf(t, mustReq(t, p.url("/a?n=x"))); status != 400 {
		t.Fatalf("n=x against an integer: %d", status)
	}
	if err := os.WriteFile(docPath, []byte(doc("string")), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reload after the document changed", func() bool {
		status, _ := statusOf(t, mustReq(t, p.url("/a?n=x")))
		return status == 200
	})
	// Waited for: the line is logged just after the swap, and reaches
	// p.stderr through a pipe, both of which may trail the 200 seen above.
	waitFor(t, "the reload logged", func() bool { return strings.Contains(p.stderr.String(), "config reloaded") })
}

// check refuses exactly what serve refuses: here a route the attached OpenAPI
// document does not declare (found only when the response filter is built).
func TestCheckAgreesWithServe(t *testing.T) {
	dir := t.TempDir()
	doc := "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    get:\n      responses:\n        \"200\": {description: ok}\n"
	if err := os.WriteFile(dir+"/doc.yaml", []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := func(routes string) string {
		return writeConfig(t, dir, "server:\n  listen: 127.0.0.1:0\nadmin:\n  listen: \"off\"\napis:\n  - name: a\n    upstream: http://127.0.0.1:9\n    openapi: doc.yaml\n    auth: [none]\n    routes:\n"+routes)
	}
	exit := func(args ...string) (int, string) {
		out, err := execCommand(binPath, args...).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		return 0, string(out)
	}
	bad := cfg("      - match: GET /a\n      - match: GET /b\n      - match: POST /c\n")
	code, out := exit("check", "-c", bad)
	if code != 1 || !strings.Contains(out, "bulwark.yaml:12:") || !strings.Contains(out, "bulwark.yaml:13:") || !strings.Contains(out, "no operation GET /b") {
		t.Fatalf("check of a config serve refuses: %d\n%s", code, out)
	}
	// serve names every problem at its line too, not the first one alone.
	if code, out := exit("serve", "-c", bad); code != 1 || !strings.Contains(out, "bulwark.yaml:12:") || !strings.Contains(out, "bulwark.yaml:13:") {
		t.Fatalf("serve: %d %s", code, out)
	}
	good := cfg("      - match: GET /a\n")
	if code, out := exit("check", "-c", good); code != 0 {
		t.Fatalf("check of a good config: %d\n%s", code, out)
	}
	startBulwark(t, "serve", "-c", good) // starts
}

func TestCheckFormats(t *testing.T) {
	dir := t.TempDir()
	bad := writeConfig(t, dir, "admin:\n  listen: \"off\"\napis:\n  - name: a\n    upstream: http://127.0.0.1:9\n    auth: [none]\n    routes:\n      - match: GET /users/:id\n        rate_limits: [{by: [ip], rate: 10/s, burst: x}]\n")
	run := func(args ...string) (int, []byte) {
		cmd := execCommand(binPath, args...)
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), out
		}
		return 0, out
	}
	// Flags may follow the file.
	code, out := run("check", bad, "-format", "json")
	var reports []struct {
		File        string
		OK          bool
		Errors      int
		Diagnostics []struct {
			Line     int
			Column   int
			Path     string
			Severity string
			Message  string
		}
	}
	if err := json.Unmarshal(out, &reports); err != nil || code != 1 || len(reports) != 1 || reports[0].OK || reports[0].Errors != 2 {
		t.Fatalf("json: %d %v %s", code, err, out)
	}
	d := reports[0].Diagnostics[0]
	if d.Line != 8 || d.Path != "apis[0].routes[0].match" || d.Severity != "error" || !strings.Contains(d.Message, "{id}") {
		t.Fatalf("json diagnostic: %+v", d)
	}
	code, out = run("check", "-format", "sarif", "-c", bad)
	var sarif struct {
		Version string
		Runs    []struct {
			Results []struct {
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(out, &sarif); err != nil || code != 1 || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 2 {
		t.Fatalf("sarif: %d %v %s", code, err, out)
	}
	r := sarif.Runs[0].Results[1]
	if r.Level != "error" || r.Locations[0].PhysicalLocation.Region.StartLine != 9 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != bad {
		t.Fatalf("sarif result: %+v", r)
	}
	if code, _ := run("check", "-format", "xml", bad); code != 2 {
		t.Fatalf("unknown format: %d", code)
	}
	if code, _ := run("serve", "-c", bad, "extra"); code != 2 {
		t.Fatalf("serve with a stray argument: %d", code)
	}
}

// server.health_path answers on the proxy listener, before routing, and never
// reaches the upstream; other paths are routed as before.
func TestHealthPathOnProxyListener(t *testing.T) {
	var hits int
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer up.Close()
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), `server:
  listen: 127.0.0.1:0
  health_path: /-/health
admin:
  listen: "off"
apis:
  - name: a
    upstream: `+up.URL+`
    auth: [none]
    routes:
      - match: GET /a
`))
	resp, body := get(t, p.url("/-/health"))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) || hits != 0 {
		t.Fatalf("health path: %d %s (upstream hits %d)", resp.StatusCode, body, hits)
	}
	for path, want := range map[string]int{"/-/health?x=1": 404, "/-/health/x": 404, "/a": 200} {
		if resp, _ := get(t, p.url(path)); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	out, err := execCommand(binPath, "check", "-c", writeConfig(t, t.TempDir(), "server:\n  health_path: healthz\nadmin:\n  listen: \"off\"\napis:\n  - name: a\n    upstream: http://127.0.0.1:9\n    auth: [none]\n    routes:\n      - match: GET /a\n")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "server.health_path") {
		t.Fatalf("a relative health path passed check: %s", out)
	}
}
