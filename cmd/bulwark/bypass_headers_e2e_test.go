package main

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorded is everything a request brought to the upstream.
type recorded struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Query  string      `json:"query"`
	Header http.Header `json:"header"`
}

// recordingUpstream records every request it receives, with every header as it
// arrived, and echoes the record as its answer.
type recordingUpstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newRecordingUpstream(t *testing.T) *recordingUpstream {
	t.Helper()
	u := &recordingUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()}
		u.mu.Lock()
		u.reqs = append(u.reqs, rec)
		u.mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/respconn") {
			// A hostile upstream asks for the gateway's response headers to go.
			w.Header().Set("Connection", "X-Request-Id, Content-Type")
			w.Header().Set("X-Request-Id", "upstream-forged")
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rec)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *recordingUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// bypassConfig has an open route, an API-key route, a JWT-or-key route and a
// route that keeps the credential, with the audit written to a file.
func bypassConfig(up, jwks, auditFile string) string {
	return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:bypass.db
audit:
  stdout: true
  file: ` + auditFile + `
  store: true
identity:
  api_keys:
    pepper: ${env:BULWARK_ADMIN_TOKEN}-pepper
  jwt:
    - name: corp
      issuer: https://login.test/
      jwks_url: ` + jwks + `
      audiences: [orders-api]
apis:
  - name: shop
    upstream: ` + up + `
    auth: [jwt, api_key]
    routes:
      - match: GET,POST /open/**
        auth: [none]
      - match: GET /keyed/**
        auth: [api_key]
      - match: GET /either/**
      - match: GET /maybe/**
        auth: [api_key, none]
      - match: GET /kept/**
        auth: [api_key]
        keep_credential: true
`
}

// bypassEnv is one running gateway in front of a recording upstream.
type bypassEnv struct {
	p     *proc
	up    *recordingUpstream
	is    *issuer
	cfg   string
	audit string
}

func startBypass(t *testing.T) *bypassEnv {
	t.Helper()
	up := newRecordingUpstream(t)
	is := newIssuer(t)
	dir := t.TempDir()
	auditFile := filepath.Join(dir, "audit.jsonl")
	cfg := writeConfig(t, dir, bypassConfig(up.URL, is.srv.URL, auditFile))
	return &bypassEnv{p: startBulwark(t, "serve", "-c", cfg), up: up, is: is, cfg: cfg, audit: auditFile}
}

// send sends method path with the headers (map keys sent exactly as written)
// and returns the answer and, when the upstream answered, what it recorded.
func (e *bypassEnv) send(t *testing.T, method, path string, h http.Header) (*http.Response, []byte, *recorded) {
	t.Helper()
	req, _ := http.NewRequest(method, e.p.url(path), nil)
	for k, v := range h {
		req.Header[k] = v
	}
	before := e.up.count()
	resp, body := do(t, req)
	if e.up.count() == before {
		return resp, body, nil
	}
	var rec recorded
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatalf("upstream answer: %v: %s", err, body)
	}
	return resp, body, &rec
}

// mustRefuse checks a problem answer and that the upstream saw nothing.
func (e *bypassEnv) mustRefuse(t *testing.T, method, path string, h http.Header, status int, code string) problem {
	t.Helper()
	resp, body, rec := e.send(t, method, path, h)
	if rec != nil {
		t.Fatalf("reached the upstream: %+v", rec)
	}
	return mustProblem(t, resp, body, status, code)
}

// mustForward checks a 200 from the upstream and returns what it recorded.
func (e *bypassEnv) mustForward(t *testing.T, method, path string, h http.Header) *recorded {
	t.Helper()
	resp, body, rec := e.send(t, method, path, h)
	if resp.StatusCode != http.StatusOK || rec == nil {
		t.Fatalf("want 200 from the upstream, got %d: %s", resp.StatusCode, body)
	}
	return rec
}

// ownedSpelling reports whether name is, normalised as CGI does (lower case,
// every non-alphanumeric byte a '-'), one of the gateway's headers.
func ownedSpelling(name string) bool {
	n := []byte(strings.ToLower(name))
	for i, c := range n {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			n[i] = '-'
		}
	}
	s := string(n)
	switch s {
	case "x-request-id", "forwarded", "x-real-ip", "true-client-ip", "proxy":
		return true
	}
	return strings.HasPrefix(s, "x-bulwark-") || strings.HasPrefix(s, "x-forwarded-")
}

// checkOwned asserts that the upstream received exactly the gateway's owned
// headers: the principal ones as want says (absent when want has no entry), one
// X-Request-Id equal to the client's answer, the gateway's X-Forwarded-For, and
// no other spelling of any of them.
func checkOwned(t *testing.T, rec *recorded, want map[string]string) {
	t.Helper()
	for k, v := range rec.Header {
		canon := http.CanonicalHeaderKey(k)
		if !ownedSpelling(k) {
			continue
		}
		switch {
		case k != canon:
			t.Errorf("a client spelling of an owned header reached the upstream: %q: %q", k, v)
		case canon == "X-Request-Id" || canon == "X-Forwarded-For" || canon == "X-Forwarded-Proto" || canon == "X-Forwarded-Host":
		case want[canon] == "":
			t.Errorf("%s reached the upstream: %q", canon, v)
		}
	}
	for k, v := range want {
		if got := rec.Header[k]; len(got) != 1 || got[0] != v {
			t.Errorf("upstream %s = %q, want [%q]", k, got, v)
		}
	}
	if got := rec.Header["X-Request-Id"]; len(got) != 1 || got[0] == "" || got[0] == "forged" {
		t.Errorf("upstream X-Request-Id = %q", got)
	}
	if got := rec.Header["X-Forwarded-For"]; len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("upstream X-Forwarded-For = %q", got)
	}
}

// TestOwnedHeadersCannotBeRemovedOrForged: every header the gateway owns arrives
// exactly as the gateway set it; client copies in any spelling are stripped and
// a Connection header naming one is refused.
func TestOwnedHeadersCannotBeRemovedOrForged(t *testing.T) {
	e := startBypass(t)
	key := createKey(t, e.cfg, "--consumer", "billing", "--subject", "alice", "--roles", "user")
	keyed := func(h http.Header) http.Header { h = h.Clone(); h["X-Api-Key"] = []string{key}; return h }
	alice := map[string]string{"X-Bulwark-Subject": "alice", "X-Bulwark-Consumer": "billing",
		"X-Bulwark-Roles": "user", "X-Bulwark-Auth-Method": "api_key"}

	forged := []struct {
		name string
		h    http.Header
	}{
		{"canonical", http.Header{"X-Bulwark-Subject": {"mallory"}, "X-Bulwark-Roles": {"admin"}}},
		{"underscores", http.Header{"X_Bulwark_Subject": {"mallory"}, "x_bulwark_roles": {"admin"}, "X_BULWARK_CONSUMER": {"m"}}},
		{"mixed separators", http.Header{"X-Bulwark_Subject": {"mallory"}, "X_Bulwark-Roles": {"admin"}}},
		{"dots and other token bytes", http.Header{"X.Bulwark.Subject": {"mallory"}, "X~Bulwark~Roles": {"admin"}, "X!Bulwark!Auth!Method": {"jwt"}}},
		{"lower case", http.Header{"x-bulwark-subject": {"mallory"}, "x-bulwark-auth-method": {"jwt"}}},
		{"unknown names in the namespace", http.Header{"X-Bulwark-Tenant": {"other"}, "X_Bulwark_Admin": {"true"}}},
		{"request id", http.Header{"X-Request-Id": {"forged"}, "X_Request_Id": {"forged"}, "x.request.id": {"forged"}}},
		{"forwarding", http.Header{"X-Forwarded-For": {"10.9.9.9"}, "X_Forwarded_For": {"10.9.9.9"}, "Forwarded": {"for=10.9.9.9"},
			"X-Forwarded-Host": {"evil"}, "X_Forwarded_Proto": {"https"}, "X-Real-Ip": {"10.9.9.9"}, "X_Real_IP": {"10.9.9.9"},
			"True-Client-IP": {"10.9.9.9"}}},
		{"httpoxy", http.Header{"Proxy": {"http://evil.test:3128"}}},
		{"harmless connection options", http.Header{"Connection": {"keep-alive", "TE"}, "Te": {"trailers"}}},
	}
	for _, f := range forged {
		t.Run("open route/"+f.name, func(t *testing.T) {
			checkOwned(t, e.mustForward(t, "GET", "/open/x", f.h), nil)
		})
		t.Run("keyed route/"+f.name, func(t *testing.T) {
			checkOwned(t, e.mustForward(t, "GET", "/keyed/x", keyed(f.h)), alice)
		})
	}

	// A Connection header naming an owned header, in any spelling, any position
	// and any of several Connection fields, is refused before the upstream.
	connections := [][]string{
		{"X-Bulwark-Subject, X-Bulwark-Roles, X-Request-Id"},
		{"x-bulwark-subject"},
		{"keep-alive", "X-Request-Id"},
		{"close", "keep-alive , X_Bulwark_Subject"},
		{"X-Forwarded-For"},
		{"x-forwarded-proto,Forwarded"},
		{"X-Bulwark-Auth-Method"},
		{",, X.Bulwark.Consumer ,"},
	}
	for _, c := range connections {
		t.Run("connection "+strings.Join(c, " | "), func(t *testing.T) {
			e.mustRefuse(t, "GET", "/keyed/x", keyed(http.Header{"Connection": c}), 400, "owned_header_in_connection")
			e.mustRefuse(t, "GET", "/open/x", http.Header{"Connection": c}, 400, "owned_header_in_connection")
		})
	}

	// Names no valid request carries: Go's server refuses them before the gateway.
	for _, line := range []string{"X-Bulwark-Subject : mallory", "X-Bulwark-Subject\t: mallory", " X-Bulwark-Subject: mallory",
		"X-Bulwark Subject: mallory", "X-Bulwark-Subject\x00: mallory"} {
		t.Run("raw "+strings.ReplaceAll(line, "\x00", `\0`), func(t *testing.T) {
			before := e.up.count()
			if status := rawStatus(t, e.p.addrs["proxy"], "GET /open/x HTTP/1.1\r\nHost: a\r\n"+line+"\r\n\r\n"); status != 400 {
				t.Fatalf("status %d, want 400", status)
			}
			if e.up.count() != before {
				t.Fatal("reached the upstream")
			}
		})
	}

	// An upstream whose response lists the gateway's response headers in
	// Connection does not remove them from the client's answer.
	resp, body := get(t, e.p.url("/open/respconn"))
	var rec recorded
	_ = json.Unmarshal(body, &rec)
	if got := resp.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != rec.Header.Get("X-Request-Id") {
		t.Fatalf("answer X-Request-Id = %q, upstream got %q", got, rec.Header.Get("X-Request-Id"))
	}
}

// rawStatus writes a raw request and returns the response status.
func rawStatus(t *testing.T, addr, req string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// auditLines returns the audit file's lines.
func (e *bypassEnv) auditLines(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(e.audit)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}
