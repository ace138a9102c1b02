package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/demo"
)

// demoConfig is examples/demo.yaml, the config `bulwark demo` runs, pointed at
// shop and written with the shop's contract into dir.
func demoConfig(t *testing.T, dir, shop string) string {
	t.Helper()
	src, err := os.ReadFile("../../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("127.0.0.1:8080", "127.0.0.1:0", "127.0.0.1:9090", "127.0.0.1:0",
		"http://127.0.0.1:9001", shop, "  stdout: true\n", "  stdout: true\n").Replace(string(src))
	for _, name := range []string{"shop.openapi.yaml", "shop.graphql"} {
		doc, err := os.ReadFile("../../examples/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), doc, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return writeConfig(t, dir, cfg)
}

// findingProblem is an injection refusal as the client sees it.
type findingProblem struct {
	Code    string `json:"code"`
	Finding struct {
		ID, Detector, Location, Field string
	} `json:"finding"`
	Errors []struct{ In, Field, Reason string } `json:"errors"`
}

func decodeFinding(t *testing.T, body []byte) findingProblem {
	t.Helper()
	var f findingProblem
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatalf("problem JSON: %v: %s", err, body)
	}
	return f
}

// demoBehindBulwark starts a demo shop and Bulwark with the demo config in
// front of it; both stop with the test.
func demoBehindBulwark(t *testing.T) (*httptest.Server, *proc) {
	t.Helper()
	shopSrv := startShop(t)
	return shopSrv, startBulwark(t, "serve", "-c", demoConfig(t, t.TempDir(), shopSrv.URL))
}

// startShop serves a fresh demo shop until the test ends.
func startShop(t *testing.T) *httptest.Server {
	t.Helper()
	shop, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shop.Close() })
	shopSrv := httptest.NewServer(shop.Handler())
	t.Cleanup(shopSrv.Close)
	return shopSrv
}

func TestDemoShopInjection(t *testing.T) {
	shopSrv, p := demoBehindBulwark(t)

	search := func(base, q string) (*http.Response, []byte) {
		return get(t, base+"/search?q="+url.QueryEscape(q))
	}
	// Reached directly, the search is injectable: the tautology returns every product.
	_, plain := search(shopSrv.URL, "mouse")
	_, all := search(shopSrv.URL, "' OR 1=1 --")
	if len(all) <= len(plain) {
		t.Fatalf("the demo shop is supposed to be injectable directly: %s", all)
	}
	// Through Bulwark, legitimate searches pass, SQL words included.
	for _, q := range []string{"mouse", "select a keyboard", "union jack mug", "1=1 tee", "drop-in cable"} {
		resp, body := search(p.url(""), q)
		if resp.StatusCode != 200 {
			t.Fatalf("legitimate search %q refused: %d %s", q, resp.StatusCode, body)
		}
	}
	// Names with apostrophes pass Bulwark too; the shop's string-built SQL then
	// breaks on them (its own bug, answered as a sanitized 500).
	for _, q := range []string{"O'Brien", "Rock 'n' roll"} {
		resp, body := search(p.url(""), q)
		if resp.StatusCode == 403 || resp.StatusCode == 400 {
			t.Fatalf("legitimate search %q refused by the gateway: %d %s", q, resp.StatusCode, body)
		}
	}
	// Attacks are refused with a finding id, and the payload is never echoed.
	for _, q := range []string{
		"' OR 1=1 --",
		"' UNION SELECT id, username, password_hash, 0 FROM users --",
		"x' AND SLEEP(5)-- -",
		"%27%20OR%20%271%27%3D%271", // double-encoded
	} {
		resp, body := search(p.url(""), q)
		mustProblem(t, resp, body, 403, "injection_detected")
		f := decodeFinding(t, body)
		if f.Finding.Detector != "sqli" || f.Finding.Location != "query" || f.Finding.Field != "q" ||
			f.Finding.ID == "" {
			t.Fatalf("finding for %q: %+v", q, f.Finding)
		}
		if strings.Contains(string(body), "UNION") || strings.Contains(string(body), "OR 1=1") {
			t.Fatalf("payload echoed: %s", body)
		}
	}
	// NoSQL operators in the open filter object are refused, escaped or not;
	// ordinary filters pass.
	post := func(path, body string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", p.url(path), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return do(t, req)
	}
	resp, body := post("/orders/search", `{"filter":{"status":"shipped"}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("legitimate filter refused: %d %s", resp.StatusCode, body)
	}
	for _, attack := range []string{
		`{"filter":{"status":{"$ne":null}}}`,
		`{"filter":{"status":{"\u0024ne":null}}}`,
		`{"filter":{"$where":"this.owner_id != 1"}}`,
	} {
		resp, body := post("/orders/search", attack)
		mustProblem(t, resp, body, 403, "injection_detected")
		if f := decodeFinding(t, body); f.Finding.Detector != "nosqli" || f.Finding.Location == "" {
			t.Fatalf("finding for %s: %+v", attack, f.Finding)
		}
	}
	// The contract: missing, over-long and mistyped parameters, undeclared
	// fields and media types are refused with the failing fields listed.
	resp, body = get(t, p.url("/search"))
	mustProblem(t, resp, body, 400, "request_invalid")
	if f := decodeFinding(t, body); len(f.Errors) == 0 || f.Errors[0].In != "query" || f.Errors[0].Field != "q" ||
		!strings.Contains(string(body), `"errors":[{"in":"query","field":"q","reason":`) {
		t.Fatalf("errors for a missing q: %s", body)
	}
	resp, body = search(p.url(""), strings.Repeat("<b>", 100))
	mustProblem(t, resp, body, 400, "request_invalid")
	if strings.Contains(string(body), "<b>") {
		t.Fatalf("input echoed unescaped: %s", body)
	}
	resp, body = get(t, p.url("/orders?id=abc"))
	mustProblem(t, resp, body, 400, "request_invalid")
	resp, body = post("/login", `{"username":"alice","password":"alice-password","is_admin":true}`)
	mustProblem(t, resp, body, 400, "request_invalid")
	if !strings.Contains(string(body), "is_admin") {
		t.Fatalf("the undeclared field is not named: %s", body)
	}
	// Every refusal is in the audit log with its reason and rule.
	waitFor(t, "injection refusals in the audit log", func() bool {
		out := p.stdout.String()
		return strings.Contains(out, `"reason":"injection_sqli"`) && strings.Contains(out, `"reason":"injection_nosqli"`)
	})
}

func TestInjectionModesExclusionsAndLocations(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	cfg := baseConfig(up.URL, "") // replaced below: this test needs its own routes
	cfg = cfg[:strings.Index(cfg, "apis:")] + `apis:
  - name: app
    upstream: ` + up.URL + `
    inspect:
      headers: [User-Agent, X-Search]
    routes:
      - match: /block/**
        auth: [none]
      - match: GET /items/{id}
        auth: [none]
      - match: /monitor/**
        auth: [none]
        inspect: {mode: monitor}
      - match: /off/**
        auth: [none]
        inspect: {mode: off}
      - match: POST /console/sql
        auth: [none]
        inspect:
          exclude:
            - field: body.sql
              detectors: [sqli]
      - match: GET /articles
        auth: [none]
        inspect:
          allow_operators: [$eq, $in]
      - match: GET /bulk/**
        auth: [none]
        inspect: {max_values: 3}
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, cfg))
	send := func(method, path, ctype, body string, hdr map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, p.url(path), strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return do(t, req)
	}
	sqli := url.QueryEscape("1' UNION SELECT password FROM users--")
	cases := []struct {
		name, method, path, ctype, body string
		hdr                             map[string]string
		status                          int
		location                        string
	}{
		{"query value", "GET", "/block/x?q=" + sqli, "", "", nil, 403, "query"},
		{"query name bracket operator", "GET", "/block/x?user[%24ne]=1", "", "", nil, 403, "query_name"},
		{"path parameter", "GET", "/items/" + url.PathEscape("1 OR 1=1 UNION SELECT password FROM users"), "", "", nil, 403, "path"},
		{"chosen header", "GET", "/block/x", "", "", map[string]string{"X-Search": "'; DROP TABLE users; --"}, 403, "header"},
		{"unchosen header passes", "GET", "/block/x", "", "", map[string]string{"X-Other": "'; DROP TABLE users; --"}, 200, ""},
		{"cookie", "GET", "/block/x", "", "", map[string]string{"Cookie": `prefs=j:{"$ne":null}`}, 403, "cookie"},
		{"json value deep", "POST", "/block/x", "application/json", `{"a":[{"b":{"c":"x' OR '1'='1"}}]}`, nil, 403, "body"},
		{"json key operator", "POST", "/block/x", "application/json", `{"user":{"$gt":""}}`, nil, 403, "body_key"},
		{"json schema document passes", "POST", "/block/x", "application/json", `{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/a"}`, nil, 200, ""},
		{"form value", "POST", "/block/x", "application/x-www-form-urlencoded", "name=x&cmd=" + url.QueryEscape("a; cat /etc/passwd"), nil, 403, "form"},
		{"form traversal", "POST", "/block/x", "application/x-www-form-urlencoded", "file=..%2F..%2F..%2Fetc%2Fpasswd", nil, 403, "form"},
		{"benign form passes", "POST", "/block/x", "application/x-www-form-urlencoded", "name=" + url.QueryEscape("Seán O'Brien") + "&note=" + url.QueryEscape("Tom & Jerry; select two"), nil, 200, ""},
		{"monitor passes", "GET", "/monitor/x?q=" + sqli, "", "", nil, 200, ""},
		{"off passes", "GET", "/off/x?q=" + sqli, "", "", nil, 200, ""},
		{"excluded field passes", "POST", "/console/sql", "application/json", `{"sql":"SELECT name FROM users WHERE id = 1 OR 1=1 UNION SELECT 1"}`, nil, 200, ""},
		{"other field still inspected", "POST", "/console/sql", "application/json", `{"sql":"select 1","note":"1' UNION SELECT password FROM users--"}`, nil, 403, "body"},
		{"allowed operator passes", "GET", "/articles?filters[title][%24eq]=hello&filters[id][%24in][]=1", "", "", nil, 200, ""},
		{"other operator refused", "GET", "/articles?filters[title][%24where]=1", "", "", nil, 403, "query_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := send(c.method, c.path, c.ctype, c.body, c.hdr)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			if c.status == 403 {
				mustProblem(t, resp, body, 403, "injection_detected")
				if f := decodeFinding(t, body); f.Finding.Location != c.location {
					t.Fatalf("location %q, want %q: %s", f.Finding.Location, c.location, body)
				}
			}
		})
	}
	// Past max_values the request is refused, not inspected in part.
	resp, body := send("GET", "/bulk/x?a=1", "", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("under max_values: %d %s", resp.StatusCode, body)
	}
	resp, body = send("GET", "/bulk/x?a=1&b=2&c=3", "", "", nil)
	mustProblem(t, resp, body, 403, "injection_detected")
	if f := decodeFinding(t, body); f.Finding.Detector != "inspect" {
		t.Fatalf("finding past max_values: %+v", f.Finding)
	}
	// A multipart upload: the filename is inspected, file contents are not.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("upload", "../../../../etc/passwd")
	_, _ = io.WriteString(fw, "file contents may say ' OR 1=1 -- freely")
	_ = mw.Close()
	resp, body = send("POST", "/block/upload", mw.FormDataContentType(), buf.String(), nil)
	mustProblem(t, resp, body, 403, "injection_detected")
	buf.Reset()
	mw = multipart.NewWriter(&buf)
	fw, _ = mw.CreateFormFile("upload", "report.txt")
	_, _ = io.WriteString(fw, "file contents may say ' OR 1=1 -- freely")
	_ = mw.Close()
	if resp, body := send("POST", "/block/upload", mw.FormDataContentType(), buf.String(), nil); resp.StatusCode != 200 {
		t.Fatalf("benign upload: %d %s", resp.StatusCode, body)
	}
	// A body the inspector cannot parse is refused, not passed.
	resp, body = send("POST", "/block/upload", "multipart/form-data; boundary=xyz", "--xyz\r\nbroken", nil)
	mustProblem(t, resp, body, 400, "request_malformed")
	// Monitor mode lets the request through and records the finding.
	waitFor(t, "the monitored finding in the audit log", func() bool {
		return strings.Contains(p.stdout.String(), `"reason":"injection_sqli_monitored"`)
	})
}

func TestWAFModeWithCRS(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	cfg := baseConfig(up.URL, "")
	cfg = cfg[:strings.Index(cfg, "apis:")] + `apis:
  - name: app
    upstream: ` + up.URL + `
    inspect: {mode: off}
    waf: {mode: block, paranoia: 1}
    routes:
      - match: /**
        auth: [none]
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, cfg))
	resp, body := get(t, p.url("/items?q="+url.QueryEscape("1' UNION SELECT password FROM users--")))
	mustProblem(t, resp, body, 403, "waf_blocked")
	resp, body = get(t, p.url("/items?q=keyboard"))
	if resp.StatusCode != 200 {
		t.Fatalf("benign request through CRS: %d %s", resp.StatusCode, body)
	}
}

// `bulwark check` builds the injection guards, so a CRS rule id that names no
// rule is reported with the route's line, not at the first start.
func TestCheckBuildsInjectionGuards(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, `admin: {listen: "off"}
apis:
  - name: legacy
    upstream: http://127.0.0.1:9
    waf: {mode: block, remove_rules: [942999]}
    routes:
      - match: /**
        auth: [none]
`)
	out, err := execCommand(binPath, "check", "-c", cfg).CombinedOutput()
	if err == nil || !strings.Contains(string(out), cfg+":7:") || !strings.Contains(string(out), "942999") {
		t.Fatalf("check: %v\n%s", err, out)
	}
}

// A strict API behind one catch-all route: operations the document does not
// declare are refused by the contract, with Allow for a known path.
func TestStrictContractRefusesUndeclaredOperations(t *testing.T) {
	up := upstream(t)
	dir := t.TempDir()
	contract, err := os.ReadFile("../../examples/shop.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shop.openapi.yaml"), contract, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(up.URL, "")
	cfg = cfg[:strings.Index(cfg, "apis:")] + `apis:
  - name: shop
    upstream: ` + up.URL + `
    openapi: shop.openapi.yaml
    response: {contract: false}
    routes:
      - match: /**
        auth: [none]
      - match: /lenient/**
        auth: [none]
        validation: {strict: false}
      - match: GET /products/{id}
        auth: [none]
        validation: {mode: monitor}
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, cfg))
	resp, body := get(t, p.url("/products/7"))
	if resp.StatusCode != 200 {
		t.Fatalf("declared operation: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, p.url("/internal/metrics"))
	mustProblem(t, resp, body, 404, "operation_undeclared")
	req, _ := http.NewRequest("PATCH", p.url("/products/7"), strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	resp, body = do(t, req)
	mustProblem(t, resp, body, 405, "method_undeclared")
	if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Fatalf("Allow = %q", allow)
	}
	resp, body = get(t, p.url("/lenient/anything"))
	if resp.StatusCode != 200 {
		t.Fatalf("non-strict route: %d %s", resp.StatusCode, body)
	}
	// Monitor mode: the violation is recorded, the request goes on.
	resp, body = get(t, p.url("/products/not-a-number"))
	if resp.StatusCode != 200 {
		t.Fatalf("monitored violation: %d %s", resp.StatusCode, body)
	}
	waitFor(t, "the monitored violation in the audit log", func() bool {
		return strings.Contains(p.stdout.String(), `"reason":"request_invalid_monitored"`)
	})
}
