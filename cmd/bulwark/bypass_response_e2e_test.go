package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// Values that must never reach a client of a filtered route: a field outside
// the allow-list, and a card number inside an allowed field (redacted).
const (
	leakField = "TOPSECRET-FIELD-VALUE"
	leakCard  = "4111 1111 1111 1111"
)

// leakyDoc is a JSON answer holding both leaks next to allowed fields.
var leakyDoc = `{"id":7,"name":"alice","secret":"` + leakField + `","note":"` + leakCard + `"}`

// variant is one upstream answer: headers as sent (nil value: no such header),
// status, and body.
type variant struct {
	status  int
	headers map[string][]string
	body    []byte
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = io.WriteString(zw, s)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func utf16Body(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func ct(v ...string) map[string][]string { return map[string][]string{"Content-Type": v} }

// responseVariants are the upstream answers a filtered route must either
// filter or refuse.
func responseVariants(t *testing.T) map[string]variant {
	ndjson := leakyDoc + "\n" + `{"id":8,"secret":"` + leakField + `"}` + "\n"
	return map[string]variant{
		"json":             {200, ct("application/json"), []byte(leakyDoc)},
		"json-charset":     {200, ct("application/json; charset=UTF-8"), []byte(leakyDoc)},
		"json-404":         {404, ct("application/json"), []byte(leakyDoc)},
		"json-500":         {500, ct("application/json"), []byte(leakyDoc)},
		"json-302":         {302, map[string][]string{"Content-Type": {"application/json"}, "Location": {"/elsewhere"}}, []byte(leakyDoc)},
		"problem-400":      {400, ct("application/problem+json"), []byte(leakyDoc)},
		"json-201":         {201, ct("application/json"), []byte(leakyDoc)},
		"json-205":         {205, ct("application/json"), []byte(leakyDoc)},
		"vnd-json":         {200, ct("application/vnd.api+json"), []byte(leakyDoc)},
		"text-json":        {200, ct("text/json"), []byte(leakyDoc)},
		"no-type-json":     {200, ct(), []byte(leakyDoc)},
		"no-type-json-403": {403, ct(), []byte(leakyDoc)},
		"ndjson":           {200, ct("application/x-ndjson"), []byte(ndjson)},
		"jsonl":            {200, ct("application/jsonl"), []byte(ndjson)},
		"json-seq":         {200, ct("application/json-seq"), []byte("\x1e" + leakyDoc + "\n\x1e" + leakyDoc + "\n")},
		"dup-keys":         {200, ct("application/json"), []byte(`{"id":1,"secret":"a","secret":"` + leakField + `","note":"x","note":"` + leakCard + `"}`)},
		"dup-keys-escaped": {200, ct("application/json"), []byte(`{"id":1,"s\u0065cret":"` + leakField + `","name":"b","name":"` + leakCard + `"}`)},
		"gzip-json":        {200, map[string][]string{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}, gz(t, leakyDoc)},
		"gzip-ndjson":      {200, map[string][]string{"Content-Type": {"application/x-ndjson"}, "Content-Encoding": {"gzip"}}, gz(t, ndjson)},
		// Refused: the guards cannot read these.
		"no-type-text":     {200, ct(), []byte("secret=" + leakField + " card=" + leakCard)},
		"text-plain":       {200, ct("text/plain"), []byte(leakyDoc)},
		"text-plain-500":   {500, ct("text/plain"), []byte(leakyDoc)},
		"jsonp":            {200, ct("application/javascript"), []byte("cb(" + leakyDoc + ")")},
		"xml":              {200, ct("application/xml"), []byte("<u><secret>" + leakField + "</secret></u>")},
		"html-403":         {403, ct("text/html"), []byte("<p>" + leakField + "</p>")},
		"html-302":         {302, map[string][]string{"Content-Type": {"text/html"}, "Location": {"/elsewhere"}}, []byte(`<a href="/elsewhere">` + leakField + `</a>`)},
		"bad-json-404":     {404, ct("application/json"), []byte(`{"secret":"` + leakField + `"`)},
		"text-205":         {205, ct("text/plain"), []byte(leakyDoc)},
		"csv-unlisted":     {200, ct("text/csv"), []byte("id,secret\n7," + leakField + "\n")},
		"ndjson-bad-line":  {200, ct("application/x-ndjson"), []byte(leakyDoc + "\nnot json " + leakField + "\n")},
		"two-types":        {200, ct("application/json", "text/plain"), []byte(leakyDoc)},
		"type-list":        {200, ct("application/json, text/plain"), []byte(leakyDoc)},
		"utf16":            {200, ct("application/json; charset=utf-16"), utf16Body(leakyDoc)},
		"utf16-unlabelled": {200, ct("application/json"), utf16Body(leakyDoc)},
		"sse":              {200, ct("text/event-stream"), []byte("data: " + leakyDoc + "\n\n")},
		"stacked-encoding": {200, map[string][]string{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip", "br"}}, gz(t, leakyDoc)},
		"bad-gzip":         {200, map[string][]string{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}, []byte(leakyDoc)},
		"bom-json":         {200, ct("application/json"), append([]byte("\xef\xbb\xbf"), leakyDoc...)},
		"scalar-json":      {200, ct("application/json"), []byte(` "` + leakField + `" `)},
		"scalar-no-type":   {200, ct(), []byte(`"` + leakField + `"`)},
		"scalar-ndjson":    {200, ct("application/x-ndjson"), []byte(`{"id":1}` + "\n\"" + leakField + "\"\n")},
		// Nothing to leak.
		"empty-text": {200, ct("text/plain"), nil},
		"no-content": {204, ct("application/json"), nil},
	}
}

// Besides those filtered, an unreadable body is refused: a 2xx with 502
// response_unfilterable, an error status with a generic problem of that
// status, a redirect without its body.
var refusedKeepingStatus = map[string]bool{"text-plain-500": true, "html-403": true, "html-302": true, "bad-json-404": true}

// filtered lists the variants that must arrive filtered, with the status the
// client gets.
var filtered = map[string]int{
	"json": 200, "json-charset": 200, "json-404": 404, "json-500": 500, "json-302": 302, "problem-400": 400,
	"json-201": 201, "json-205": 205,
	"vnd-json": 200, "text-json": 200, "no-type-json": 200, "no-type-json-403": 403, "ndjson": 200, "jsonl": 200,
	"json-seq": 200, "dup-keys": 200, "dup-keys-escaped": 200, "gzip-json": 200, "gzip-ndjson": 200,
}

// recorder is an upstream that answers each variant by the last path segment
// and records every request it receives.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (rec *recorder) requests() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...)
}

func (rec *recorder) handler(variants map[string]variant) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, r.Method+" "+r.URL.EscapedPath())
		rec.mu.Unlock()
		name := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		v, ok := variants[name]
		if !ok {
			v = variant{200, ct("application/json"), []byte(`{"id":1}`)}
		}
		for k, vals := range v.headers {
			if len(vals) == 0 {
				w.Header()[k] = nil // no Content-Type at all (no sniffing)
				continue
			}
			w.Header()[k] = vals
		}
		if _, ok := v.headers["Content-Type"]; !ok {
			w.Header()["Content-Type"] = nil
		}
		w.WriteHeader(v.status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(v.body)
		}
	})
}

func responseBypassConfig(upstream string) string {
	return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:bypass.db
audit: {stdout: true, store: false}
apis:
  - name: users
    upstream: ` + upstream + `
    auth: [none]
    response:
      allow: [id, name, note]
      sensitive: {card: redact}
    routes:
      - match: GET /v/{variant}
      - match: GET /export/{variant}
        response:
          pass_media_types: [text/csv, text/event-stream]
      - match: /any/**
`
}

func TestResponseGuardsFilterOrRefuseEveryAnswer(t *testing.T) {
	variants := responseVariants(t)
	rec := &recorder{}
	up := httptest.NewServer(rec.handler(variants))
	defer up.Close()
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), responseBypassConfig(up.URL)))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for name := range variants {
		t.Run(name, func(t *testing.T) {
			resp, err := client.Get(p.url("/v/" + name))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), leakField) || strings.Contains(string(body), leakCard) {
				t.Fatalf("leak: %d %q", resp.StatusCode, body)
			}
			switch want, ok := filtered[name]; {
			case name == "empty-text" || name == "no-content":
				if resp.StatusCode != variants[name].status || len(body) != 0 {
					t.Fatalf("bodiless answer: %d %q", resp.StatusCode, body)
				}
			case ok:
				if resp.StatusCode != want || !strings.Contains(string(body), `"id":`) {
					t.Fatalf("want %d filtered, got %d %q", want, resp.StatusCode, body)
				}
			case refusedKeepingStatus[name] && variants[name].status >= 400:
				mustProblem(t, resp, body, variants[name].status, "upstream_error")
			case refusedKeepingStatus[name]:
				if resp.StatusCode != variants[name].status || len(body) != 0 || resp.Header.Get("Location") != "/elsewhere" {
					t.Fatalf("redirect: %d %v %q", resp.StatusCode, resp.Header, body)
				}
			default:
				mustProblem(t, resp, body, http.StatusBadGateway, "response_unfilterable")
			}
		})
	}
	// The card in an allowed field is masked, not dropped.
	_, body := get(t, p.url("/v/json"))
	if !strings.Contains(string(body), `"note":"`) || !strings.Contains(string(body), "1111") || !strings.Contains(string(body), `"name":"alice"`) {
		t.Fatalf("filtered body: %s", body)
	}
	// Every NDJSON record is filtered and the framing kept.
	_, body = get(t, p.url("/v/ndjson"))
	if lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n"); len(lines) != 2 || lines[1] != `{"id":8}` {
		t.Fatalf("ndjson: %q", body)
	}

	// The audit names the kind found and why an answer was refused, never a value.
	for _, rule := range []string{`"rule":"sensitive:card"`, `"rule":"response_media_type"`, `"rule":"response_encoding"`} {
		waitFor(t, rule+" in the audit", func() bool { return strings.Contains(p.stdout.String(), rule) })
	}
	// The card in any spelling (its digits, grouped or not); not "4111" alone,
	// which a timestamp's nanoseconds or a request id may hold by chance.
	if out := p.stdout.String(); strings.Contains(out, leakField) || strings.Contains(out, leakCard) ||
		strings.Contains(out, strings.ReplaceAll(leakCard, " ", "")) || strings.Contains(out, "4111 1111") {
		t.Fatal("an upstream value reached the audit log")
	}

	t.Run("explicit pass list", func(t *testing.T) {
		resp, body := get(t, p.url("/export/csv-unlisted"))
		if resp.StatusCode != 200 || string(body) != string(variants["csv-unlisted"].body) {
			t.Fatalf("listed text/csv: %d %q", resp.StatusCode, body)
		}
		resp, body = get(t, p.url("/export/sse"))
		if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "data: ") {
			t.Fatalf("listed event stream: %d %q", resp.StatusCode, body)
		}
		resp, body = get(t, p.url("/export/text-plain")) // not listed
		mustProblem(t, resp, body, http.StatusBadGateway, "response_unfilterable")
		resp, body = get(t, p.url("/export/json")) // JSON is filtered whatever the list says
		if resp.StatusCode != 200 || strings.Contains(string(body), leakField) || strings.Contains(string(body), leakCard) {
			t.Fatalf("JSON on a pass route: %d %q", resp.StatusCode, body)
		}
	})

	t.Run("HEAD answers headers", func(t *testing.T) {
		for _, name := range []string{"json", "text-plain", "xml", "two-types"} {
			req, _ := http.NewRequest(http.MethodHead, p.url("/v/"+name), nil)
			resp, body := do(t, req)
			if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("X-Request-Id") == "" {
				t.Fatalf("HEAD %s: %d %v %q", name, resp.StatusCode, resp.Header, body)
			}
			if cl := resp.Header.Get("Content-Length"); cl != "" && cl != "0" {
				t.Fatalf("HEAD %s: the unfiltered body's Content-Length %s reached the client", name, cl)
			}
		}
	})
}

// TestBodyWith304NeverReachesLogs runs an upstream that sends a body with its
// 304: net/http reads it as an unsolicited response and logs its first bytes.
// Those bytes must reach neither the client nor the gateway's stderr.
func TestBodyWith304NeverReachesLogs(t *testing.T) {
	const secret = "UPSTREAM-304-BODY-SECRET"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					body := `{"id":1,"secret":"` + secret + `"}`
					status := "304 Not Modified"
					if strings.HasSuffix(req.URL.Path, "/nocontent") {
						status = "204 No Content"
					}
					_, _ = fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nETag: \"v1\"\r\n\r\n%s",
						status, len(body), body)
				}
			}(c)
		}
	}()
	cfg := strings.Replace(responseBypassConfig("http://"+ln.Addr().String()), "      - match: /any/**\n",
		"      - match: /any/**\n  - name: plain\n    upstream: http://"+ln.Addr().String()+"\n    auth: [none]\n    routes:\n      - match: GET /plain/**\n", 1)
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	for _, path := range []string{"/v/cached", "/plain/cached", "/v/nocontent", "/plain/nocontent"} {
		req, _ := http.NewRequest(http.MethodGet, p.url(path), nil)
		req.Header.Set("If-None-Match", `"v1"`)
		resp, body := do(t, req)
		if (resp.StatusCode != 304 && resp.StatusCode != 204) || len(body) != 0 {
			t.Fatalf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	// The forwarder notices the stray bytes (a body sent with a 304 or 204)
	// and closes the connection; its log line names the target, never the
	// bytes.
	waitFor(t, "the unsolicited-response log line", func() bool {
		return strings.Contains(p.stderr.String(), "unsolicited response")
	})
	if strings.Contains(p.stderr.String(), secret) || strings.Contains(p.stdout.String(), secret) {
		t.Fatalf("upstream bytes in the gateway's logs:\n%s", p.stderr.String())
	}
}

// rawRequest sends one request line as written and returns the status code.
func rawRequest(t *testing.T, addr, method, target string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", method, target); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestDotSegmentVariantsAndLowerCaseMethodsNeverReachTheUpstream(t *testing.T) {
	rec := &recorder{}
	up := httptest.NewServer(rec.handler(nil))
	defer up.Close()
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), responseBypassConfig(up.URL)))
	addr := p.addrs["proxy"]
	refused := []struct{ method, target string }{
		{"GET", "/any/admin/..;/x"},
		{"GET", "/any/..;a=b/secret"},
		{"GET", "/v/..;/json"},
		{"GET", "/any/a/.;/x"},
		{"GET", "/any/a/;x=1/b"},
		{"GET", "/any/a/..%3b/b"},
		{"GET", "/any/a/%2e%2e;/b"},
		{"GET", "/any/a/.../b"},
		{"GET", "/any/a/..%20/b"},
		{"GET", "/any/a/%EF%BC%8E%EF%BC%8E/b"},
		{"GET", "/any/a/\xef\xbc\x8e\xef\xbc\x8e/b"},
		{"GET", "/any/a/%EF%BC%8E/b"},
		{"GET", "/any/a/%E2%80%A4%E2%80%A4/b"},
		{"GET", "/any/a/%E2%80%A5/b"},
		{"GET", "/any/a/%EF%B9%92%EF%B9%92/b"},
		{"GET", "/any/a%EF%BC%8F..%EF%BC%8Fadmin"},
		{"GET", "/any/a%EF%BC%BC..%EF%BC%BCadmin"},
		{"GET", "/any/a%E2%88%95..%E2%88%95admin"},
		{"GET", "/any/a/..%CD%BE/b"}, // GREEK QUESTION MARK: NFKC ";"
	}
	for _, r := range refused {
		if got := rawRequest(t, addr, r.method, r.target); got != http.StatusBadRequest {
			t.Errorf("%s %q: %d, want 400", r.method, r.target, got)
		}
	}
	for _, m := range []string{"get", "Get", "gET", "delete", "post"} {
		for _, target := range []string{"/v/json", "/any/x"} {
			if got := rawRequest(t, addr, m, target); got != http.StatusBadRequest {
				t.Errorf("%s %s: %d, want 400", m, target, got)
			}
		}
	}
	if seen := rec.requests(); len(seen) != 0 {
		t.Fatalf("the upstream received refused requests: %q", seen)
	}
	// The same shapes without the trick still pass, so the test can fail.
	for _, target := range []string{"/any/a/b;v=1/c", "/any/a/.well-known", "/any/caf%C3%A9"} {
		if got := rawRequest(t, addr, "GET", target); got != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", target, got)
		}
	}
	if got := rawRequest(t, addr, "DELETE", "/any/x"); got != http.StatusOK {
		t.Errorf("DELETE /any/x: %d", got)
	}
	if seen := rec.requests(); len(seen) != 4 {
		t.Fatalf("upstream saw %q, want the 4 clean requests", seen)
	}
}

const contractDoc = `openapi: 3.0.3
info: {title: bypass, version: "1"}
paths:
  /c/{variant}:
    get:
      parameters: [{name: variant, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {id: {type: integer}, note: {type: string}}}
        "4XX":
          description: client error
          content:
            application/problem+json:
              schema: {type: object, properties: {name: {type: string}}}
`

// TestContractCutsEveryStatus: with an OpenAPI document, each status is cut to
// the schema declared for it (exact, range, default); an undeclared error
// status keeps its status with a generic body, an undeclared success is a 502.
func TestContractCutsEveryStatus(t *testing.T) {
	up := httptest.NewServer((&recorder{}).handler(responseVariants(t)))
	defer up.Close()
	dir := t.TempDir()
	doc := dir + "/bypass.openapi.yaml"
	if err := os.WriteFile(doc, []byte(contractDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(responseBypassConfig(up.URL), "    response:\n      allow: [id, name, note]\n",
		"    openapi: "+doc+"\n    response:\n", 1)
	cfg = strings.Replace(cfg, "      - match: GET /v/{variant}\n", "      - match: GET /c/{variant}\n", 1)
	cfg = strings.Replace(cfg, "      - match: GET /export/{variant}\n        response:\n          pass_media_types: [text/csv, text/event-stream]\n", "", 1)
	cfg = strings.Replace(cfg, "      - match: /any/**\n", "", 1)
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, cfg))
	tests := []struct {
		variant string
		status  int
		want    string // the whole body, or a problem code
	}{
		{"json", 200, `{"id":7,"note":"**** **** **** 1111"}`},
		{"json-404", 404, `{"name":"alice"}`},         // the 4XX schema
		{"problem-400", 400, `{"name":"alice"}`},      // the 4XX schema
		{"json-500", 500, "upstream_error"},           // undeclared error: generic problem
		{"json-201", 502, "response_undeclared"},      // undeclared success
		{"no-type-json-403", 403, `{"name":"alice"}`}, // no Content-Type, JSON body
		{"text-plain", 502, "response_unfilterable"},
	}
	for _, tt := range tests {
		resp, body := get(t, p.url("/c/"+tt.variant))
		if strings.Contains(string(body), leakField) || strings.Contains(string(body), leakCard) {
			t.Fatalf("%s: leak: %d %s", tt.variant, resp.StatusCode, body)
		}
		if strings.HasPrefix(tt.want, "{") {
			if resp.StatusCode != tt.status || string(body) != tt.want {
				t.Errorf("%s: %d %s, want %d %s", tt.variant, resp.StatusCode, body, tt.status, tt.want)
			}
			continue
		}
		mustProblem(t, resp, body, tt.status, tt.want)
	}
}
