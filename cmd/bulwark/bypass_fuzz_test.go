package main

// The gateway-level bypass fuzzer: random mutations of requests (methods, paths,
// headers, Connection lists, credentials, JSON keys, bodies, content types,
// origins, upstream answers) go through the real binary with every REST guard
// on (API keys, rate limit, quota, CORS, owner rules on path and body,
// enumeration, write-protected fields, CEL policy, injection inspection,
// response allow-list and sensitive values, brute force), in front of a
// recording upstream. The oracle never asks the gateway what it decided; it
// checks what the upstream received and what the client got back:
//
//   - no panic, no reset connection, no 500 from the gateway itself;
//   - the upstream sees exactly the gateway's identity headers (no spelling of
//     an X-Bulwark-* header it did not set, none missing, the request id the
//     client was given), no credentials, no method/URL override headers;
//   - the path the upstream sees has no dot segment in any spelling;
//   - the owner rules hold as the upstream reads the request (Go's
//     encoding/json binding, case-insensitive, last key wins);
//   - no write-protected field at any depth reaches it;
//   - on routes with response guards the client never sees the secret field
//     or the card number, whatever the upstream's media type or status;
//   - a request from an origin outside the CORS list never reaches the
//     upstream, and no answer allows another origin.
//
// TestBypassFuzz runs the seeds (every attack of issue 11) and a bounded,
// seeded random walk of mutations (BULWARK_FUZZ_N, BULWARK_FUZZ_SEED to widen
// or replay it). FuzzBypass hands the same oracle to Go's coverage-guided fuzzer:
//   go test ./cmd/bulwark -run '^$' -fuzz FuzzBypass -fuzztime 5m

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// fuzzReq is one mutated request. who picks the credentials: 0 none, 1 alice's
// key in the header, 2 bob's, 3 alice's in the query, 4 alice's and bob's both,
// 5 alice's as a bearer token. answer picks the upstream's reply on /profile.
type fuzzReq struct {
	Method  string
	Path    string
	Headers string // "Name: value" lines
	Body    string
	CType   string
	Who     uint8
	Answer  uint8
}

const fuzzSecret = "sk_live_FUZZSECRET0123456789"
const fuzzCard = "4111111111111111"

func fuzzConfig(up string) string {
	return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:fuzz.db
audit: {stdout: false, store: true}
identity:
  api_keys:
    pepper: ${env:BULWARK_ADMIN_TOKEN}-pepper
apis:
  - name: bank
    upstream: ` + up + `
    auth: [api_key]
    rate_limits:
      - by: [consumer]
        rate: 100000/s
        burst: 100000
    quota: {by: consumer, limit: 1000000, period: day}
    cors:
      allow_origins: [https://app.bank.test]
      allow_methods: [GET, POST, PATCH]
      allow_credentials: true
    routes:
      - match: GET /users/{id}
        owner: [{param: id, equals: sub}]
        enumeration: {window: 1m, max_distinct: 100000, min_requests: 100000, max_denied_percent: 100, sequential: 100000}
      - match: PATCH /users/{id}
        owner: [{param: id, equals: sub}]
        readonly_fields: [role, is_admin]
      - match: POST /transfer
        owner: [{body: /from_account, equals: sub}]
      - match: GET /profile
        response:
          allow: [id, name]
          sensitive: {card: redact}
      - match: GET /search
        policy: 'principal.authenticated && "user" in principal.roles'
        inspect: {mode: block}
      - match: GET /public
        auth: [none]
      - match: POST /login
        auth: [none]
        brute_force:
          username_field: username
          failure_statuses: [401]
          max_failures: 1000
          window: 10m
          lockout: 1m
`
}

// fuzzRecorded is what the upstream received for one request.
type fuzzRecorded struct {
	method string
	uri    string
	path   string
	header http.Header
	body   []byte
}

type fuzzRecorder struct {
	mu   sync.Mutex
	reqs []fuzzRecorded
}

func (r *fuzzRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, fuzzRecorded{method: req.Method, uri: req.RequestURI, path: req.URL.Path, header: req.Header.Clone(), body: b})
	r.mu.Unlock()
	if req.URL.Path == "/login" {
		w.WriteHeader(401)
		return
	}
	if req.URL.Path != "/profile" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
		return
	}
	doc := `{"id":1,"name":"alice","secret":"` + fuzzSecret + `","card":"` + fuzzCard + `"}`
	answer, _ := strconv.Atoi(req.Header.Get("X-Fuzz-Answer"))
	status := 200
	switch answer % 10 {
	case 0:
		w.Header().Set("Content-Type", "application/json")
	case 1:
		w.Header().Set("Content-Type", "text/plain")
	case 2:
		w.Header()["Content-Type"] = nil // none at all
	case 3:
		w.Header().Set("Content-Type", "application/javascript")
		doc = "cb(" + doc + ")"
	case 4:
		w.Header().Set("Content-Type", "application/x-ndjson")
		doc = doc + "\n" + doc + "\n"
	case 5:
		w.Header().Set("Content-Type", "application/problem+json")
		status = 404
	case 6:
		w.Header().Set("Content-Type", "application/json")
		status = 500
	case 7:
		w.Header().Set("Content-Type", "application/xml")
		doc = "<user><secret>" + fuzzSecret + "</secret><card>" + fuzzCard + "</card></user>"
	case 8:
		w.Header().Set("Content-Type", "text/json; charset=utf-8")
		status = 403
	case 9:
		w.Header().Set("Content-Type", "application/vnd.api+json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, doc)
}

func (r *fuzzRecorder) take() []fuzzRecorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// fzBypassEnv is one gateway in front of one recording upstream, shared by every input.
type fzBypassEnv struct {
	p        *proc
	up       *fuzzRecorder
	alice    string
	bob      string
	subjects map[uint8]string
}

var (
	fzBypassOnce sync.Once
	fzBypassE    *fzBypassEnv
	fzBypassErr  error
)

// fzStartBypassEnv starts the shared environment once; its processes end with
// the test binary (the harness kills them in TestMain's cleanup of the last
// test that used them, or the OS does when the test binary exits).
func fzStartBypassEnv(tb testing.TB) *fzBypassEnv {
	tb.Helper()
	fzBypassOnce.Do(func() {
		rec := &fuzzRecorder{}
		up := httptest.NewServer(rec)
		dir, err := os.MkdirTemp("", "bulwark-fuzz-")
		if err != nil {
			fzBypassErr = err
			return
		}
		cfg := writeConfig(tb, dir, fuzzConfig(up.URL))
		key := func(subject string) string {
			cmd := exec.Command(binPath, "keys", "create", "-c", cfg, "--consumer", "app-"+subject, "--subject", subject, "--roles", "user")
			cmd.Env = append(os.Environ(), "BULWARK_ADMIN_TOKEN="+testToken)
			out, err := cmd.CombinedOutput()
			if err != nil {
				fzBypassErr = fmt.Errorf("keys create: %v: %s", err, out)
				return ""
			}
			return regexp.MustCompile(`bwk_[A-Za-z0-9_]+`).FindString(string(out))
		}
		e := &fzBypassEnv{up: rec}
		e.alice, e.bob = key("alice"), key("bob")
		if fzBypassErr != nil {
			return
		}
		// 4 sends alice's key in X-API-Key and bob's as a bearer token: the
		// routes check API keys in X-API-Key only, so the bearer token is a
		// credential of a kind the route does not check — stripped, never
		// forwarded — and the caller is alice. (A route that checked both
		// kinds would refuse the pair with 400 conflicting_credentials.)
		e.subjects = map[uint8]string{1: "alice", 2: "bob", 4: "alice"}
		e.p = startDetached(tb, "serve", "-c", cfg)
		fzBypassE = e
	})
	if fzBypassErr != nil {
		tb.Fatal(fzBypassErr)
	}
	return fzBypassE
}

// raw renders r as an HTTP/1.1 request. Control characters other than tab are
// dropped from header lines (a client cannot send them in one line anyway).
func (e *fzBypassEnv) raw(r fuzzReq) []byte {
	var b bytes.Buffer
	method := strings.Map(fzTokenRune, r.Method)
	if method == "" {
		method = "GET"
	}
	path := strings.Map(func(c rune) rune {
		if c <= ' ' || c == 0x7f {
			return -1
		}
		return c
	}, r.Path)
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	switch r.Who % 6 {
	case 3:
		if strings.Contains(path, "?") {
			path += "&api_key=" + e.alice
		} else {
			path += "?api_key=" + e.alice
		}
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n", method, path)
	fmt.Fprintf(&b, "X-Fuzz-Answer: %d\r\n", r.Answer)
	switch r.Who % 6 {
	case 1:
		b.WriteString("X-API-Key: " + e.alice + "\r\n")
	case 2:
		b.WriteString("X-API-Key: " + e.bob + "\r\n")
	case 4:
		b.WriteString("X-API-Key: " + e.alice + "\r\nAuthorization: Bearer " + e.bob + "\r\n")
	case 5:
		b.WriteString("Authorization: Bearer " + e.alice + "\r\n")
	}
	for _, line := range strings.Split(r.Headers, "\n") {
		line = strings.Map(func(c rune) rune {
			if (c < ' ' && c != '\t') || c == 0x7f {
				return -1
			}
			return c
		}, line)
		name, _, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.EqualFold(strings.TrimSpace(name), "content-length") ||
			strings.EqualFold(strings.TrimSpace(name), "transfer-encoding") || strings.EqualFold(strings.TrimSpace(name), "host") {
			continue
		}
		b.WriteString(line + "\r\n")
	}
	if r.CType != "" {
		b.WriteString("Content-Type: " + strings.Map(func(c rune) rune {
			if c < ' ' || c == 0x7f {
				return -1
			}
			return c
		}, r.CType) + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(r.Body), r.Body)
	return b.Bytes()
}

func fzTokenRune(c rune) rune {
	if c > ' ' && c < 0x7f && !strings.ContainsRune(`()<>@,;:\"/[]?={}`, c) {
		return c
	}
	return -1
}

// send writes one raw request and reads the answer.
func (e *fzBypassEnv) send(method string, raw []byte) (*http.Response, []byte, error) {
	conn, err := net.DialTimeout("tcp", e.p.addrs["proxy"], 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		return nil, nil, err
	}
	// The request tells the reader that a HEAD answer has no body.
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, err
}

// owned are the headers the gateway sets on requests to the upstream.
var fzOwnedHeaders = []string{"x-bulwark-subject", "x-bulwark-consumer", "x-bulwark-scopes", "x-bulwark-roles", "x-bulwark-auth-method"}

// fzNormName folds a header name the way CGI, WSGI and PHP stacks read it.
func fzNormName(n string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(n)), "_", "-")
}

// check sends r and returns every broken invariant.
func (e *fzBypassEnv) check(r fuzzReq) []string {
	e.up.take()
	raw := e.raw(r)
	method, _, _ := bytes.Cut(raw, []byte(" "))
	resp, body, err := e.send(string(method), raw)
	var bad []string
	if err != nil {
		// Go's server closes some malformed requests without an answer only
		// before it read a request line; anything later must be answered.
		if len(e.up.take()) > 0 {
			bad = append(bad, "connection failed after the upstream was reached: "+err.Error())
		}
		if strings.Contains(e.p.stderr.String(), "panic") {
			bad = append(bad, "gateway panicked: "+err.Error())
		}
		return bad
	}
	got := e.up.take()
	if resp.StatusCode == 500 && strings.Contains(string(body), "internal") {
		bad = append(bad, "gateway internal error (a recovered panic?)")
	}
	if strings.Contains(e.p.stderr.String(), "panic") {
		bad = append(bad, "gateway logged a panic")
	}
	if len(got) > 1 {
		bad = append(bad, fmt.Sprintf("the upstream received %d requests for one", len(got)))
	}
	reqID := resp.Header.Get("X-Request-Id")
	// Client-side: response guards on /profile.
	if strings.Contains(string(body), fuzzSecret) || strings.Contains(string(body), fuzzCard) {
		bad = append(bad, fmt.Sprintf("a filtered field reached the client (%d %s)", resp.StatusCode, resp.Header.Get("Content-Type")))
	}
	for _, u := range got {
		bad = append(bad, e.upstreamInvariants(r, u, reqID)...)
		// CORS: a browser request from an origin outside the list never
		// reaches the upstream (the header is read as Go's server reads it).
		if o := u.header.Get("Origin"); o != "" && o != "https://app.bank.test" {
			bad = append(bad, "a request from a refused origin reached the upstream: "+o)
		}
	}
	if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "" && acao != "https://app.bank.test" {
		bad = append(bad, "the answer allowed another origin: "+acao)
	}
	return bad
}

var fzFullwidthDots = []string{"\uff0e", "\u2024", "\ufe52", "\u3002", "\uff61"}

func (e *fzBypassEnv) upstreamInvariants(r fuzzReq, u fuzzRecorded, reqID string) []string {
	var bad []string
	subject := ""
	// Which subject the gateway must have set: the route decides whether the
	// caller authenticates; the upstream's path tells the route.
	trimmed := strings.TrimRight(u.path, "/")
	anonymous := trimmed == "/public" || trimmed == "/login"
	if !anonymous {
		s, ok := e.subjects[r.Who%6]
		if !ok {
			bad = append(bad, "an authenticated route was reached without exactly one valid credential")
		}
		subject = s
	}
	if u.method != strings.ToUpper(u.method) {
		bad = append(bad, "method "+u.method+" reached the upstream")
	}
	// Identity headers: exactly the gateway's, in the one spelling.
	if ids := u.header.Values("X-Request-Id"); len(ids) != 1 || ids[0] != reqID {
		bad = append(bad, fmt.Sprintf("request id at the upstream %q, client was given %q", ids, reqID))
	}
	for name, vals := range u.header {
		n := fzNormName(name)
		canon := strings.ToLower(name)
		if strings.HasPrefix(n, "x-bulwark-") || n == "x-request-id" {
			if canon != n || !fzSlicesContains(append(fzOwnedHeaders, "x-request-id"), n) {
				bad = append(bad, "a client spelling of an owned header reached the upstream: "+name)
			}
			if len(vals) != 1 {
				bad = append(bad, "owned header with several values: "+name)
			}
		}
		switch n {
		case "x-http-method-override", "x-http-method", "x-method-override", "x-original-url", "x-rewrite-url", "x-original-method":
			bad = append(bad, "override header reached the upstream: "+name)
		case "x-api-key":
			bad = append(bad, "an API key reached the upstream")
		case "authorization":
			// Bulwark's schemes (Bearer, ApiKey) and anything shaped like its
			// keys or tokens are checked or stripped; another scheme (Basic,
			// Digest) on a route that checks no bearer token is the backend's
			// own (docs/authentication.md).
			all := strings.ToLower(strings.Join(vals, " "))
			if fzKeyShape.MatchString(strings.Join(vals, " ")) || strings.Contains(all, "bearer") || strings.Contains(all, "apikey") {
				bad = append(bad, "a credential reached the upstream in Authorization")
			}
		}
	}
	if sub := u.header.Get("X-Bulwark-Subject"); sub != subject {
		bad = append(bad, fmt.Sprintf("subject at the upstream %q, want %q", sub, subject))
	}
	if !anonymous && u.header.Get("X-Bulwark-Auth-Method") == "" {
		bad = append(bad, "an owned header was removed before the upstream")
	}
	if fzCredentialInURL(u.uri) {
		bad = append(bad, "a credential reached the upstream in the URL")
	}
	// Paths: no dot segment in any spelling, as a Java or IIS backend would read it.
	dp, err := url.PathUnescape(u.path)
	if err != nil {
		dp = u.path
	}
	for _, seg := range strings.FieldsFunc(strings.ReplaceAll(dp, "\\", "/"), func(c rune) bool { return c == '/' }) {
		s, _, _ := strings.Cut(seg, ";")
		for _, d := range fzFullwidthDots {
			s = strings.ReplaceAll(s, d, ".")
		}
		if s == "." || s == ".." {
			bad = append(bad, "a dot segment reached the upstream: "+u.uri)
		}
	}
	// Route rules, as the upstream reads the request.
	switch {
	case strings.HasPrefix(u.path, "/users/"):
		// The route /users/{id} also matches a trailing slash (a dot segment
		// resolved to one: /users/alice/./ is /users/alice/, RFC 3986 §5.2.4),
		// with the same id; anything after the id is another object.
		id := strings.TrimSuffix(strings.TrimPrefix(u.path, "/users/"), "/")
		if id != subject {
			bad = append(bad, fmt.Sprintf("%s read /users/%s", subject, id))
		}
		if u.method == "PATCH" && fzHasKeyFold(u.body, "role", "is_admin") {
			bad = append(bad, "a write-protected field reached the upstream: "+string(u.body))
		}
	case u.path == "/transfer":
		var t struct {
			FromAccount string `json:"from_account"`
		}
		if json.Unmarshal(u.body, &t) == nil && t.FromAccount != subject {
			bad = append(bad, fmt.Sprintf("%s transferred from %q", subject, t.FromAccount))
		}
	}
	return bad
}

// fzKeyShape is a Bulwark key (bwk_ and a secret) or a JWT (three base64url parts).
var fzKeyShape = regexp.MustCompile(`bwk_[A-Za-z0-9_]{8,}|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)

// fzCredentialInURL reports whether the URI carries a credential as a
// backend would read it: a credential-named query parameter, or anything
// shaped like a key or a token anywhere in it.
func fzCredentialInURL(uri string) bool {
	if fzKeyShape.MatchString(uri) {
		return true
	}
	_, query, _ := strings.Cut(uri, "?")
	q, _ := url.ParseQuery(query)
	for name := range q {
		switch strings.ToLower(name) {
		case "api_key", "apikey", "access_token", "x-api-key":
			return true
		}
	}
	return false
}

// fzHasKeyFold reports whether the JSON document has one of names as a key at
// any depth, compared as Go's encoding/json would (case-insensitively).
func fzHasKeyFold(body []byte, names ...string) bool {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				for _, n := range names {
					if strings.EqualFold(k, n) {
						return true
					}
				}
				if walk(x) {
					return true
				}
			}
		case []any:
			for _, x := range t {
				if walk(x) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

func fzSlicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// fzBypassSeeds are the attacks of issue 11 and their variants.
var fzBypassSeeds = []fuzzReq{
	// 1. owned headers removed through Connection, or forged in other spellings
	{Method: "GET", Path: "/users/alice", Who: 1, Headers: "Connection: X-Bulwark-Subject, X-Bulwark-Roles, X-Request-Id"},
	{Method: "GET", Path: "/users/alice", Who: 1, Headers: "Connection: keep-alive\nConnection: x-bulwark-auth-method"},
	{Method: "GET", Path: "/public", Headers: "X_Bulwark_Subject: alice\nx-bulwark-roles: admin"},
	{Method: "GET", Path: "/public", Headers: "X-Bulwark-Subject: alice\nX-Request-Id: forged"},
	{Method: "GET", Path: "/users/bob", Who: 1, Headers: "X-BULWARK-SUBJECT: bob\nx_bulwark_subject: bob"},
	// 2. duplicate and case-variant keys
	{Method: "POST", Path: "/transfer", Who: 1, CType: "application/json", Body: `{"from_account":"alice","From_Account":"bob"}`},
	{Method: "POST", Path: "/transfer", Who: 1, CType: "application/json", Body: `{"from_account":"alice","from_account":"bob"}`},
	{Method: "POST", Path: "/transfer", Who: 1, CType: "application/json", Body: `{"from_account":"alice","\u0046ROM_ACCOUNT":"bob"}`},
	{Method: "POST", Path: "/transfer", Who: 1, CType: "application/json", Body: `{"from_account":"alice","from_accounſ":"bob"}`},
	{Method: "POST", Path: "/transfer", Who: 1, CType: "text/plain", Body: `{"from_account":"alice","FROM_ACCOUNT":"bob"}`},
	{Method: "POST", Path: "/transfer", Who: 1, Body: `{"from_account":"alice","FROM_ACCOUNT":"bob"}`},
	// 3. write-protected fields nested
	{Method: "PATCH", Path: "/users/alice", Who: 1, CType: "application/json", Body: `{"user":{"role":"admin"}}`},
	{Method: "PATCH", Path: "/users/alice", Who: 1, CType: "application/json", Body: `{"data":[{"x":{"Is_Admin":true}}]}`},
	{Method: "PATCH", Path: "/users/alice", Who: 1, CType: "application/json", Body: `{"ROLE":"admin"}`},
	// 4. response guards on other media types and statuses
	{Method: "GET", Path: "/profile", Who: 1, Answer: 1},
	{Method: "GET", Path: "/profile", Who: 1, Answer: 2},
	{Method: "GET", Path: "/profile", Who: 1, Answer: 3},
	{Method: "GET", Path: "/profile", Who: 1, Answer: 4},
	{Method: "GET", Path: "/profile", Who: 1, Answer: 5},
	{Method: "GET", Path: "/profile", Who: 1, Answer: 6},
	{Method: "GET", Path: "/profile", Who: 1, Answer: 7},
	{Method: "GET", Path: "/profile", Who: 1, Answer: 8},
	{Method: "GET", Path: "/profile", Who: 1, Answer: 9},
	{Method: "HEAD", Path: "/profile", Who: 1, Answer: 1},
	// 9. credentials unchecked, in URLs, two principals
	{Method: "GET", Path: "/public", Who: 1},
	{Method: "GET", Path: "/public", Who: 5},
	{Method: "GET", Path: "/public", Headers: "X-API-Key: bwk_notavalidkey"},
	{Method: "GET", Path: "/users/alice", Who: 3},
	{Method: "GET", Path: "/public?access_token=abc", Who: 0},
	{Method: "GET", Path: "/users/alice?access_token=abc", Who: 1},
	{Method: "GET", Path: "/users/alice", Who: 4},
	{Method: "GET", Path: "/users/bwk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Who: 1},
	// 10. override headers, ..;, full-width dots, lower-case methods
	{Method: "GET", Path: "/public", Headers: "X-HTTP-Method-Override: DELETE\nX-Original-URL: /admin\nX-Rewrite-URL: /admin"},
	{Method: "GET", Path: "/public", Headers: "x_http_method_override: DELETE\nX-Method-Override: PUT"},
	{Method: "GET", Path: "/users/alice/..;/bob", Who: 1},
	{Method: "GET", Path: "/users/..;/users/bob", Who: 1},
	{Method: "GET", Path: "/users/%EF%BC%8E%EF%BC%8E/bob", Who: 1},
	{Method: "GET", Path: "/public/%EF%BC%8E%EF%BC%8E/users/bob", Who: 1},
	{Method: "get", Path: "/users/alice", Who: 1},
	{Method: "patch", Path: "/users/alice", Who: 1, CType: "application/json", Body: `{"role":"admin"}`},
	// 5. a request for an owned object without a principal
	{Method: "GET", Path: "/users/alice"},
	// login with odd usernames
	{Method: "POST", Path: "/login", CType: "application/json", Body: `{"username":"alice\u0000","password":"x"}`},
	{Method: "POST", Path: "/login", CType: "application/x-www-form-urlencoded", Body: `username=%EF%BD%81lice&password=x`},
}

func fzCheckBypass(t *testing.T, e *fzBypassEnv, r fuzzReq) {
	t.Helper()
	if bad := e.check(r); len(bad) > 0 {
		t.Errorf("bypass with %+v:\n  %s", r, strings.Join(bad, "\n  "))
	}
}

func TestBypassFuzz(t *testing.T) {
	e := fzStartBypassEnv(t)
	for i, s := range fzBypassSeeds {
		t.Run("seed"+strconv.Itoa(i), func(t *testing.T) { fzCheckBypass(t, e, s) })
	}
	n, seed := 300, uint64(time.Now().UnixNano())
	if v, err := strconv.Atoi(os.Getenv("BULWARK_FUZZ_N")); err == nil {
		n = v
	}
	if v, err := strconv.ParseUint(os.Getenv("BULWARK_FUZZ_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("random mutations: %d, seed %d (replay with BULWARK_FUZZ_SEED=%d)", n, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range n {
		r := fzMutate(rng, fzBypassSeeds[rng.IntN(len(fzBypassSeeds))])
		if bad := e.check(r); len(bad) > 0 {
			t.Errorf("mutation %d (seed %d) %+v:\n  %s", i, seed, r, strings.Join(bad, "\n  "))
		}
	}
}

func FuzzBypass(f *testing.F) {
	for _, s := range fzBypassSeeds {
		f.Add(s.Method, s.Path, s.Headers, s.Body, s.CType, s.Who, s.Answer)
	}
	f.Fuzz(func(t *testing.T, method, path, headers, body, ctype string, who, answer uint8) {
		e := fzStartBypassEnv(t)
		fzCheckBypass(t, e, fuzzReq{Method: method, Path: path, Headers: headers, Body: body, CType: ctype, Who: who, Answer: answer})
	})
}

// fzMutate applies one to three random operators to r.
func fzMutate(rng *rand.Rand, r fuzzReq) fuzzReq {
	ops := []func(*fuzzReq){
		func(r *fuzzReq) { r.Method = fzCaseFlip(rng, r.Method) },
		func(r *fuzzReq) {
			r.Method = fzPick(rng, "GET", "POST", "PATCH", "HEAD", "DELETE", "OPTIONS", "get", "Post", "GET ")
		},
		func(r *fuzzReq) { r.Who = uint8(rng.IntN(6)) },
		func(r *fuzzReq) { r.Answer = uint8(rng.IntN(10)) },
		func(r *fuzzReq) {
			r.Path = fzPick(rng, "/users/alice", "/users/bob", "/transfer", "/profile", "/public", "/login", "/search")
		},
		func(r *fuzzReq) {
			r.Path = fzInsertAt(rng, r.Path, fzPick(rng, "/..", "/..;", "/.;/", "/%2e%2e", "/%EF%BC%8E%EF%BC%8E", "//", "/./", ";x=y", "%00", "\\..\\"))
		},
		func(r *fuzzReq) { r.Path = fzCaseFlip(rng, r.Path) },
		func(r *fuzzReq) {
			r.Path += fzPick(rng, "?api_key=bwk_x", "?access_token=a.b.c", "?id=bob", "?q=1&q=2", "?x_bulwark_subject=bob")
		},
		func(r *fuzzReq) { r.Headers += "\n" + fzHeaderVariant(rng) },
		func(r *fuzzReq) {
			r.Headers += "\nConnection: " + fzPick(rng, "X-Bulwark-Subject", "x-bulwark-roles, X-Request-Id", "X-Forwarded-For", "x-bulwark-auth-method", "close, X-Bulwark-Consumer")
		},
		func(r *fuzzReq) { r.Body = fzJsonVariant(rng) },
		func(r *fuzzReq) {
			r.CType = fzPick(rng, "application/json", "application/JSON", "text/json", "application/vnd.x+json", "text/plain", "", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "multipart/form-data; boundary=x")
		},
	}
	for range 1 + rng.IntN(3) {
		ops[rng.IntN(len(ops))](&r)
	}
	return r
}

func fzPick(rng *rand.Rand, s ...string) string { return s[rng.IntN(len(s))] }

func fzCaseFlip(rng *rand.Rand, s string) string {
	b := []rune(s)
	for i, c := range b {
		if rng.IntN(3) == 0 {
			if unicode.IsUpper(c) {
				b[i] = unicode.ToLower(c)
			} else {
				b[i] = unicode.ToUpper(c)
			}
		}
	}
	return string(b)
}

func fzInsertAt(rng *rand.Rand, s, ins string) string {
	q := strings.IndexByte(s, '?')
	if q < 0 {
		q = len(s)
	}
	i := rng.IntN(q + 1)
	return s[:i] + ins + s[i:]
}

func fzHeaderVariant(rng *rand.Rand) string {
	if rng.IntN(6) == 0 {
		return "Origin: " + fzPick(rng, "https://app.bank.test", "https://evil.test", "null", "https://app.bank.test.evil.test")
	}
	name := fzPick(rng, "X-Bulwark-Subject", "X-Bulwark-Roles", "X-Bulwark-Consumer", "X-Bulwark-Scopes", "X-Bulwark-Auth-Method", "X-Request-Id",
		"X-HTTP-Method-Override", "X-Original-URL", "X-Rewrite-URL", "X-Method-Override", "X-Api-Key", "Authorization")
	switch rng.IntN(3) {
	case 0:
		name = strings.ReplaceAll(name, "-", "_")
	case 1:
		name = fzCaseFlip(rng, name)
	}
	return name + ": " + fzPick(rng, "bob", "admin", "DELETE", "/admin", "Bearer bwk_x", "forged")
}

func fzJsonVariant(rng *rand.Rand) string {
	key := fzPick(rng, "from_account", "From_Account", "FROM_ACCOUNT", `\u0066rom_account`, "from_accounſ", "role", "Role", "is_admin", "IS_ADMIN")
	val := fzPick(rng, `"bob"`, `"alice"`, `"admin"`, "true", `{"role":"admin"}`, `[{"is_admin":true}]`)
	switch rng.IntN(4) {
	case 0:
		return `{"from_account":"alice","` + key + `":` + val + `}`
	case 1:
		return `{"wrap":{"` + key + `":` + val + `}}`
	case 2:
		return `[{"` + key + `":` + val + `}]`
	default:
		return `{"` + key + `":` + val + `,"from_account":"alice"}`
	}
}
