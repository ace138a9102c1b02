package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Issue 11 items 2, 3 and 5, through the real binary with a recording upstream:
// what the upstream receives is the truth.

// bodyRecorder is an upstream that keeps every request body it receives.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies map[string][]string // "METHOD /path" → bodies, in order
}

func newBodyRecorder(t *testing.T) (*bodyRecorder, *httptest.Server) {
	t.Helper()
	rec := &bodyRecorder{bodies: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.bodies[r.Method+" "+r.URL.Path] = append(rec.bodies[r.Method+" "+r.URL.Path], string(b))
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	return rec, srv
}

func (r *bodyRecorder) got(key string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies[key]...)
}

func (r *bodyRecorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.bodies {
		n += len(b)
	}
	return n
}

func bodyBypassConfig(up string) string {
	return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:bypass.db
audit: {stdout: true, store: false}
identity:
  api_keys:
    pepper: ${env:BULWARK_ADMIN_TOKEN}-pepper
apis:
  - name: bank
    upstream: ` + up + `
    auth: [api_key]
    routes:
      - match: POST /transfers
        owner: [{id: from-account, body: /from_account, equals: sub}]
      - match: PATCH /users/{id}
        owner: [{param: id, equals: sub}]
        readonly_fields: [role, profile.verified]
      - match: PUT /users/{id}
        owner: [{param: id, equals: sub}]
        readonly_fields: [role, is_admin]
        on_readonly: strip
      - match: POST /notes
        inspect: {mode: monitor}     # no guard decides on the body
  - name: strict
    upstream: ` + up + `
    auth: [none]
    limits: {json_duplicate_keys: reject}
    routes:
      - match: POST /strict/notes
        inspect: {mode: off}
`
}

func sendJSON(t *testing.T, method, url, key, body string, chunked bool) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader = strings.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd) // hides the length: sent chunked
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	return do(t, req)
}

// TestDuplicateKeysRefused: on a route whose owner rule reads the body,
// every spelling of a repeated key, at any depth, is 400 json_duplicate_key
// naming the key, and the upstream receives nothing.
func TestDuplicateKeysRefused(t *testing.T) {
	rec, up := newBodyRecorder(t)
	cfg := writeConfig(t, t.TempDir(), bodyBypassConfig(up.URL))
	p := startBulwark(t, "serve", "-c", cfg)
	alice := createKey(t, cfg, "--consumer", "web", "--subject", "alice")

	// The attack of issue 11: encoding/json binds the last case-insensitive
	// match, so an upstream in Go would move bob's money.
	var bound struct {
		From string `json:"from_account"`
	}
	_ = json.Unmarshal([]byte(`{"from_account":"alice","From_Account":"bob"}`), &bound)
	if bound.From != "bob" {
		t.Fatalf("encoding/json bound %q: the premise of the test changed", bound.From)
	}

	for _, tc := range []struct{ name, body, pointer string }{
		{"exact", `{"from_account":"alice","from_account":"bob","amount":1}`, "/from_account"},
		{"case", `{"from_account":"alice","From_Account":"bob","amount":1}`, "/From_Account"},
		{"upper first", `{"FROM_ACCOUNT":"bob","from_account":"alice","amount":1}`, "/from_account"},
		{"escaped", `{"from_account":"alice","\u0046rom_account":"bob"}`, "/From_account"},
		{"escaped underscore", `{"from_account":"alice","from\u005faccount":"bob"}`, "/from_account"},
		{"full-width", `{"from_account":"alice","ｆｒｏｍ_ａｃｃｏｕｎｔ":"bob"}`, "/ｆｒｏｍ_ａｃｃｏｕｎｔ"},
		{"nul-terminated", `{"from_account":"alice","from_account\u0000":"bob"}`, "/from_account\x00"},
		{"long s", `{"pass":1,"pa\u017f\u017f":2,"from_account":"alice"}`, "/paſſ"},
		{"nested", `{"from_account":"alice","meta":{"note":"x","Note":"y"}}`, "/meta/Note"},
		{"in an array", `{"from_account":"alice","items":[{"sku":1},{"sku":2,"SKU":3}]}`, "/items/1/SKU"},
		{"deep in arrays", `{"from_account":"alice","a":[[{"b":[{"c":1,"\u0043":2}]}]]}`, "/a/0/0/b/0/C"},
		{"root array", `[{"x":1,"X":2}]`, "/0/X"},
	} {
		for _, chunked := range []bool{false, true} {
			resp, body := sendJSON(t, "POST", p.url("/transfers"), alice, tc.body, chunked)
			pr := mustProblem(t, resp, body, 400, "json_duplicate_key")
			var ext struct{ Pointer string }
			_ = json.Unmarshal(body, &ext)
			if ext.Pointer != tc.pointer || !strings.Contains(pr.Detail, strconv.Quote(tc.pointer)) ||
				strings.Contains(string(body), "bob") || strings.Contains(string(body), "alice") {
				t.Fatalf("%s (chunked %v): %s", tc.name, chunked, body)
			}
		}
	}
	if n := rec.total(); n != 0 {
		t.Fatalf("the upstream received %d requests", n)
	}

	// The same key in different objects is no duplicate; the rule still decides.
	if resp, body := sendJSON(t, "POST", p.url("/transfers"), alice, `{"from_account":"alice","items":[{"sku":1},{"sku":2}]}`, false); resp.StatusCode != 200 {
		t.Fatalf("clean body: %d %s", resp.StatusCode, body)
	}
	resp, body := sendJSON(t, "POST", p.url("/transfers"), alice, `{"from_account":"bob"}`, false)
	mustProblem(t, resp, body, 403, "not_owner")
	if got := rec.got("POST /transfers"); len(got) != 1 {
		t.Fatalf("upstream got %q", got)
	}

	// A route where no guard decides on the body forwards what it is sent
	// (the default, guarded); the API that says json_duplicate_keys: reject
	// refuses it on every route.
	dup := `{"title":"a","Title":"b"}`
	if resp, body := sendJSON(t, "POST", p.url("/notes"), alice, dup, false); resp.StatusCode != 200 {
		t.Fatalf("unguarded route: %d %s", resp.StatusCode, body)
	}
	resp, body = sendJSON(t, "POST", p.url("/strict/notes"), "", dup, false)
	mustProblem(t, resp, body, 400, "json_duplicate_key")
	resp, body = sendJSON(t, "POST", p.url("/strict/notes"), "", `{"n":{"a":1,"\u0041":2}}`, true)
	mustProblem(t, resp, body, 400, "json_duplicate_key")
	if resp, body := sendJSON(t, "POST", p.url("/strict/notes"), "", `{"title":"a"}`, false); resp.StatusCode != 200 {
		t.Fatalf("strict clean: %d %s", resp.StatusCode, body)
	}
	if got := rec.got("POST /strict/notes"); len(got) != 1 || got[0] != `{"title":"a"}` {
		t.Fatalf("strict upstream got %q", got)
	}
}

// TestReadonlyFieldsAnyDepth: a bare name is write-protected wherever it is;
// a dotted path where it says.
func TestReadonlyFieldsAnyDepth(t *testing.T) {
	rec, up := newBodyRecorder(t)
	cfg := writeConfig(t, t.TempDir(), bodyBypassConfig(up.URL))
	p := startBulwark(t, "serve", "-c", cfg)
	alice := createKey(t, cfg, "--consumer", "web", "--subject", "alice")

	for _, body := range []string{
		`{"role":"admin"}`,
		`{"user":{"role":"admin"}}`,
		`{"data":{"attributes":{"role":"admin"}}}`,
		`{"users":[{"name":"a"},{"role":"admin"}]}`,
		`{"a":[[{"b":{"ROLE":"admin"}}]]}`,
		`{"user":{"ro\u006ce":"admin"}}`,
		`{"profile":{"verified":true}}`,
	} {
		resp, b := sendJSON(t, "PATCH", p.url("/users/alice"), alice, body, false)
		mustProblem(t, resp, b, 422, "readonly_field")
	}
	if n := rec.total(); n != 0 {
		t.Fatalf("the upstream received %d requests", n)
	}
	// Case variants side by side are duplicates, refused before.
	resp, b := sendJSON(t, "PATCH", p.url("/users/alice"), alice, `{"user":{"name":"a","Name":"b"}}`, false)
	mustProblem(t, resp, b, 400, "json_duplicate_key")
	// Anchored: profile.verified elsewhere, and names that only contain "role", pass.
	fine := `{"x":{"profile":{"verified":true}},"roles_seen":1,"note":"{\"role\":1}"}`
	if resp, b := sendJSON(t, "PATCH", p.url("/users/alice"), alice, fine, false); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if got := rec.got("PATCH /users/alice"); len(got) != 1 || got[0] != fine {
		t.Fatalf("upstream got %q", got)
	}

	// strip: every occurrence goes, at every depth; the rest arrives intact.
	for _, tc := range []struct{ in, out string }{
		{`{"name":"a","role":"admin"}`, `{"name":"a"}`},
		{`{"user":{"name":"a","role":"admin"}}`, `{"user":{"name":"a"}}`},
		{`{"data":[{"is_admin":true,"id":1},{"id":2,"x":{"Role":"admin"}}]}`, `{"data":[{"id":1},{"id":2,"x":{}}]}`},
	} {
		if resp, b := sendJSON(t, "PUT", p.url("/users/alice"), alice, tc.in, true); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tc.in, resp.StatusCode, b)
		}
		got := rec.got("PUT /users/alice")
		if got[len(got)-1] != tc.out {
			t.Fatalf("%s: upstream got %s, want %s", tc.in, got[len(got)-1], tc.out)
		}
	}
}

// TestAnonymousOwnerRuleConfigRefused: the config that made an anonymous
// request dereference a nil principal is refused by check, with its line.
func TestAnonymousOwnerRuleConfigRefused(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), `admin:
  listen: "off"
store: sqlite:anon.db
identity:
  api_keys:
    pepper: check-only-pepper-0123456789abcdef
apis:
  - name: shop
    upstream: http://127.0.0.1:9
    auth: [api_key, none]
    routes:
      - match: GET /orders/{id}
        owner: [{param: id, object: order}]
      - match: GET /reports
        scopes: [reports]
      - match: GET /public
`)
	out, err := exec.Command(binPath, "check", "-c", cfg).CombinedOutput()
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`bulwark\.yaml:13:\d+: apis\[0\]\.routes\[0\]\.owner\[0\]: error: .*auth lists none`),
		regexp.MustCompile(`bulwark\.yaml:15:\d+: apis\[0\]\.routes\[1\]\.scopes: error: scopes need an authenticated caller`),
	} {
		if !want.MatchString(string(out)) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "routes[2]") {
		t.Errorf("the open route without caller rules is fine:\n%s", out)
	}
}
