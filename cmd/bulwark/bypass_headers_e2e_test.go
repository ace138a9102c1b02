package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
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
	// Trailer is what arrived after a chunked body.
	Trailer http.Header `json:"trailer"`
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
		_, _ = io.Copy(io.Discard, r.Body) // the trailer arrives after the body
		rec := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Trailer: r.Trailer.Clone()}
		u.mu.Lock()
		u.reqs = append(u.reqs, rec)
		u.mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/respconn") {
			// A hostile upstream asks for the gateway's response headers to go.
			w.Header().Set("Connection", "X-Request-Id, Content-Type")
			w.Header().Set("X-Request-Id", "upstream-forged")
		}
		if strings.HasSuffix(r.URL.Path, "/respid") {
			w.Header().Set("X-Request-Id", "upstream-forged")
			w.Header().Set("X-Bulwark-Subject", "root")
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
  tiers: {store_all: true}   # the test reads allowed requests' events back from the store
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
      - match: GET,POST /legacy/**
        auth: [none]
        limits:
          keep_override_headers: [x-http-method-override]
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
	// Nor does one that sends its own X-Request-Id or principal header.
	for _, path := range []string{"/open/respconn", "/open/respid"} {
		resp, body := get(t, e.p.url(path))
		var rec recorded
		_ = json.Unmarshal(body, &rec)
		if got := resp.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != rec.Header.Get("X-Request-Id") {
			t.Fatalf("%s: answer X-Request-Id = %q, upstream got %q", path, got, rec.Header.Get("X-Request-Id"))
		}
		if got := resp.Header.Get("X-Bulwark-Subject"); got != "" {
			t.Fatalf("%s: the upstream's X-Bulwark-Subject reached the client: %q", path, got)
		}
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

// checkNoCredential asserts the upstream received neither an API key nor a
// Bulwark-scheme Authorization header, in any spelling.
func checkNoCredential(t *testing.T, rec *recorded) {
	t.Helper()
	for k, v := range rec.Header {
		n := strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(k))
		if n == "x-api-key" || (n == "authorization" && len(v) > 0 && !strings.HasPrefix(v[0], "Basic ")) {
			t.Errorf("a credential reached the upstream: %s: %q", k, v)
		}
	}
}

// auditEvent waits for the audit file line of request id and returns it.
func (e *bypassEnv) auditEvent(t *testing.T, id string) map[string]any {
	t.Helper()
	var ev map[string]any
	waitFor(t, "audit event "+id, func() bool {
		for _, line := range strings.Split(e.auditLines(t), "\n") {
			if strings.Contains(line, `"request_id":"`+id+`"`) {
				return json.Unmarshal([]byte(line), &ev) == nil
			}
		}
		return false
	})
	return ev
}

// storedEvent returns the audit store's event of request id, through the admin API.
func (e *bypassEnv) storedEvent(t *testing.T, id string) map[string]any {
	t.Helper()
	var ev map[string]any
	waitFor(t, "stored audit event "+id, func() bool {
		req, _ := http.NewRequest("GET", e.p.admin("/admin/api/audit?request_id="+id), nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, body := do(t, req)
		var out struct {
			Events []map[string]any `json:"events"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || len(out.Events) == 0 {
			return false
		}
		ev = out.Events[0]
		return true
	})
	return ev
}

// TestCredentialsAreCheckedOrStripped: a credential is either checked by the
// route or removed before the upstream, never forwarded unchecked; credentials in
// the URL are refused on every route; two callers in one request are refused.
func TestCredentialsAreCheckedOrStripped(t *testing.T) {
	e := startBypass(t)
	alice := createKey(t, e.cfg, "--consumer", "app", "--subject", "alice")
	carol := createKey(t, e.cfg, "--consumer", "app", "--subject", "carol")
	aliceJWT := e.is.token(t, map[string]any{"sub": "alice"})
	bobJWT := e.is.token(t, map[string]any{"sub": "bob"})
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = append(h[kv[i]], kv[i+1])
		}
		return h
	}

	// Open route: whatever is sent, valid or not, is removed, and nobody is named.
	for _, tc := range []struct {
		name string
		h    http.Header
	}{
		{"valid key", hdr("X-Api-Key", alice)},
		{"garbage key", hdr("X-Api-Key", "bwk_garbage")},
		{"valid jwt", hdr("Authorization", "Bearer "+aliceJWT)},
		{"garbage bearer", hdr("Authorization", "Bearer nope")},
		{"lower-case scheme", hdr("Authorization", "bearer "+aliceJWT)},
		{"key in the ApiKey scheme", hdr("Authorization", "ApiKey "+alice)},
		{"key under another spelling", hdr("X_Api_Key", alice, "x.api.key", alice)},
		{"both", hdr("X-Api-Key", alice, "Authorization", "Bearer "+bobJWT)},
	} {
		t.Run("open/"+tc.name, func(t *testing.T) {
			rec := e.mustForward(t, "GET", "/open/x", tc.h)
			checkNoCredential(t, rec)
			checkOwned(t, rec, nil)
		})
	}
	t.Run("open/basic is the backend's own", func(t *testing.T) {
		rec := e.mustForward(t, "GET", "/open/x", hdr("Authorization", "Basic YWxpY2U6cHc="))
		if rec.Header.Get("Authorization") != "Basic YWxpY2U6cHc=" {
			t.Fatalf("Basic credential lost: %v", rec.Header)
		}
	})

	// A route that lists api_key and none checks a key that is sent.
	t.Run("maybe/bad key refused", func(t *testing.T) {
		e.mustRefuse(t, "GET", "/maybe/x", hdr("X-Api-Key", "bwk_garbage"), 401, "invalid_credentials")
	})
	t.Run("maybe/valid key names the caller", func(t *testing.T) {
		rec := e.mustForward(t, "GET", "/maybe/x", hdr("X-Api-Key", alice))
		checkNoCredential(t, rec)
		checkOwned(t, rec, map[string]string{"X-Bulwark-Subject": "alice", "X-Bulwark-Consumer": "app", "X-Bulwark-Auth-Method": "api_key"})
	})
	t.Run("maybe/a bearer it does not check is stripped", func(t *testing.T) {
		checkNoCredential(t, e.mustForward(t, "GET", "/maybe/x", hdr("Authorization", "Bearer "+bobJWT)))
	})

	// A key route strips the bearer it does not check; keep_credential keeps only the key.
	t.Run("keyed/unchecked bearer stripped", func(t *testing.T) {
		checkNoCredential(t, e.mustForward(t, "GET", "/keyed/x", hdr("X-Api-Key", alice, "Authorization", "Bearer "+bobJWT)))
	})
	t.Run("kept/only the checked key kept", func(t *testing.T) {
		rec := e.mustForward(t, "GET", "/kept/x", hdr("X-Api-Key", alice, "Authorization", "Bearer "+bobJWT, "X_Api_Key", carol))
		if got := rec.Header["X-Api-Key"]; len(got) != 1 || got[0] != alice {
			t.Errorf("kept key = %q", got)
		}
		if rec.Header.Get("Authorization") != "" || rec.Header.Get("X_api_key") != "" {
			t.Errorf("unchecked credential forwarded: %v", rec.Header)
		}
	})

	// Two credentials: the same caller passes, different callers are refused,
	// a bad second one is refused, two keys are refused.
	t.Run("either/same caller", func(t *testing.T) {
		rec := e.mustForward(t, "GET", "/either/x", hdr("X-Api-Key", alice, "Authorization", "Bearer "+aliceJWT))
		checkNoCredential(t, rec)
		if rec.Header.Get("X-Bulwark-Subject") != "alice" {
			t.Fatalf("subject %q", rec.Header.Get("X-Bulwark-Subject"))
		}
	})
	t.Run("either/different callers", func(t *testing.T) {
		e.mustRefuse(t, "GET", "/either/x", hdr("X-Api-Key", alice, "Authorization", "Bearer "+bobJWT), 400, "conflicting_credentials")
		e.mustRefuse(t, "GET", "/either/x", hdr("X-Api-Key", carol, "Authorization", "Bearer "+aliceJWT), 400, "conflicting_credentials")
	})
	t.Run("either/bad second credential", func(t *testing.T) {
		e.mustRefuse(t, "GET", "/either/x", hdr("Authorization", "Bearer "+aliceJWT, "X-Api-Key", "bwk_garbage"), 401, "invalid_credentials")
	})
	t.Run("keyed/two keys", func(t *testing.T) {
		e.mustRefuse(t, "GET", "/keyed/x", hdr("X-Api-Key", alice, "X-Api-Key", carol), 400, "multiple_credentials")
	})

	// Credentials in the URL: refused on every route, whatever else is sent.
	for _, path := range []string{
		"/open/x?api_key=" + alice, "/open/x?access_token=" + aliceJWT, "/keyed/x?access_token=" + aliceJWT,
		"/maybe/x?next=" + alice, "/open/" + alice, "/open/x?API-KEY=x", "/either/x?x_api_key=" + alice,
		"/open/x?t=%62wk_" + alice[4:], "/open/x;access_token=abc", "/keyed/x;jsessionid=1;api_key=abc",
	} {
		t.Run("url "+path[:min(len(path), 40)], func(t *testing.T) {
			pr := e.mustRefuse(t, "GET", path, hdr("X-Api-Key", alice), 400, "credential_in_query")
			if ev := e.auditEvent(t, pr.RequestID); ev["reason"] != "credential_in_query" {
				t.Fatalf("audit reason %v", ev["reason"])
			}
		})
	}

	// Recorded paths never hold a key or a token: a refused key path and a
	// forwarded token path are masked in the audit file and the store.
	// User info in an absolute-form request line is a credential in the URL too.
	if status := rawStatus(t, e.p.addrs["proxy"], "GET http://alice:pw@"+e.p.addrs["proxy"]+"/open/x HTTP/1.1\r\nHost: "+e.p.addrs["proxy"]+"\r\n\r\n"); status != 400 {
		t.Errorf("user info in the URL: status %d, want 400", status)
	}
	resp, body, _ := e.send(t, "GET", "/open/a/"+alice+"/b", nil)
	keyPath := mustProblem(t, resp, body, 400, "credential_in_query")
	rec := e.mustForward(t, "GET", "/open/verify/"+aliceJWT, nil)
	tokID := rec.Header.Get("X-Request-Id")
	for id, want := range map[string]string{keyPath.RequestID: "/open/a/" + alice[:17] + "[masked]/b", tokID: "/open/verify/[masked]"} {
		if got := e.auditEvent(t, id)["path"]; got != want {
			t.Errorf("audit file path %v, want %s", got, want)
		}
		if got := e.storedEvent(t, id)["path"]; got != want {
			t.Errorf("stored path %v, want %s", got, want)
		}
	}
	for _, secret := range []string{alice, carol, aliceJWT, bobJWT} {
		if strings.Contains(e.auditLines(t), secret[len(secret)-20:]) || strings.Contains(e.p.stdout.String(), secret[len(secret)-20:]) ||
			strings.Contains(e.p.stderr.String(), secret[len(secret)-20:]) {
			t.Errorf("a credential reached the audit or the logs")
		}
	}
}

// TestAPIKeyRefusalsLookAlike: a malformed, unknown, revoked or expired key gets
// one answer; the audit keeps the reason.
func TestAPIKeyRefusalsLookAlike(t *testing.T) {
	e := startBypass(t)
	revoked := createKey(t, e.cfg, "--consumer", "app")
	expired := createKey(t, e.cfg, "--consumer", "app", "--expires", "1s")
	revoke := execCommand(binPath, "keys", "revoke", "-c", e.cfg, keyID(t, revoked, e.cfg))
	if out, err := revoke.CombinedOutput(); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	// An unknown key: well-formed, from another gateway's store.
	other := t.TempDir()
	otherCfg := writeConfig(t, other, bypassConfig("http://127.0.0.1:1", "http://127.0.0.1:1", filepath.Join(other, "a.jsonl")))
	unknown := createKey(t, otherCfg, "--consumer", "app")
	cases := map[string]string{
		"bwk_short": "credential_malformed", unknown: "unknown_key", revoked: "revoked", expired: "expired",
	}
	var detail, challenge string
	for key, reason := range cases {
		waitFor(t, reason, func() bool {
			resp, body, rec := e.send(t, "GET", "/keyed/x", http.Header{"X-Api-Key": {key}})
			switch {
			case rec != nil && reason == "expired":
				return false // not expired yet
			case rec != nil:
				t.Fatalf("%s key reached the upstream", reason)
			}
			if resp.StatusCode != 401 {
				return false
			}
			pr := mustProblem(t, resp, body, 401, "invalid_credentials")
			if ev := e.auditEvent(t, pr.RequestID); ev["reason"] != reason {
				return false // the expiry or revocation has not reached the cache yet
			}
			switch {
			case detail == "":
				detail, challenge = pr.Detail, resp.Header.Get("WWW-Authenticate")
			case pr.Detail != detail || resp.Header.Get("WWW-Authenticate") != challenge:
				t.Fatalf("%s answered %q / %q, others %q / %q", reason, pr.Detail, resp.Header.Get("WWW-Authenticate"), detail, challenge)
			}
			return true
		})
	}
	for _, word := range []string{"revoked", "expired", "malformed"} {
		if strings.Contains(strings.ToLower(detail+challenge), word) {
			t.Fatalf("the answer tells the reason: %q %q", detail, challenge)
		}
	}
}

// TestOverrideHeadersStripped: method and URL override headers never reach the
// upstream, in any spelling, unless the route keeps one by name.
func TestOverrideHeadersStripped(t *testing.T) {
	e := startBypass(t)
	overrides := http.Header{
		"X-HTTP-Method-Override": {"DELETE"}, "X-HTTP-Method": {"DELETE"}, "X-Method-Override": {"DELETE"},
		"X-Original-URL": {"/admin"}, "X-Rewrite-URL": {"/admin"}, "X-Original-URI": {"/admin"},
		"X-Original-Method": {"DELETE"}, "X-Envoy-Original-Path": {"/admin"},
		"X_HTTP_Method_Override": {"DELETE"}, "x.original.url": {"/admin"}, "x-rewrite-url": {"/admin"},
		"X-Forwarded-Prefix": {"/admin"}, "X-Forwarded-Uri": {"/admin"},
	}
	isOverride := func(k string) bool {
		n := strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(k))
		if strings.HasPrefix(n, "x-bulwark-") {
			return false // the gateway's own (X-Bulwark-Auth-Method)
		}
		return strings.Contains(n, "method") || strings.Contains(n, "url") || strings.Contains(n, "uri") ||
			strings.Contains(n, "original") || strings.Contains(n, "prefix")
	}
	for _, path := range []string{"/open/x", "/keyed/x"} {
		t.Run(path, func(t *testing.T) {
			h := overrides.Clone()
			if path == "/keyed/x" {
				h["X-Api-Key"] = []string{createKey(t, e.cfg, "--consumer", "app")}
			}
			rec := e.mustForward(t, "GET", path, h)
			for k, v := range rec.Header {
				if isOverride(k) {
					t.Errorf("override header reached the upstream: %s: %q", k, v)
				}
			}
			if rec.Method != "GET" {
				t.Errorf("method %s", rec.Method)
			}
		})
	}
	t.Run("kept by the route, canonical spelling only", func(t *testing.T) {
		rec := e.mustForward(t, "POST", "/legacy/x", overrides)
		for k, v := range rec.Header {
			switch {
			case k == "X-Http-Method-Override":
				if len(v) != 1 || v[0] != "DELETE" {
					t.Errorf("kept header = %q", v)
				}
			case isOverride(k):
				t.Errorf("override header reached the upstream: %s: %q", k, v)
			}
		}
		if rec.Header.Get("X-Http-Method-Override") == "" {
			t.Error("the kept override header was stripped")
		}
	})
}

// TestTrailerCannotCarryOwnedHeaders: a chunked body's trailer section is a
// second place for headers; an owned header sent there never reaches the upstream.
func TestTrailerCannotCarryOwnedHeaders(t *testing.T) {
	e := startBypass(t)
	// A JSON body is buffered; a text one streams, and when its end comes late
	// the gateway forwards it chunked, with room for a trailer.
	for _, tc := range []struct {
		ct   string
		slow bool
	}{{"application/json", false}, {"text/plain", false}, {"text/plain", true}} {
		ct := tc.ct
		t.Run(fmt.Sprintf("%s slow=%v", ct, tc.slow), func(t *testing.T) {
			c, err := net.Dial("tcp", e.p.addrs["proxy"])
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			head := "POST /open/x HTTP/1.1\r\nHost: a\r\nContent-Type: " + ct + "\r\nTransfer-Encoding: chunked\r\n" +
				"Trailer: X-Bulwark-Subject, X_Bulwark_Roles, X-Request-Id\r\n\r\n2\r\n{}\r\n"
			tail := "0\r\nX-Bulwark-Subject: admin\r\nX_Bulwark_Roles: admin\r\nX-Request-Id: forged\r\nX-Api-Key: bwk_AbCdEfGhIjKl_x\r\n\r\n"
			if _, err := c.Write([]byte(head)); err != nil {
				t.Fatal(err)
			}
			if tc.slow {
				time.Sleep(time.Second) // not an assertion: makes the proxy stream the body chunked
			}
			if _, err := c.Write([]byte(tail)); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return // refused is fine too
			}
			var rec recorded
			if err := json.Unmarshal(body, &rec); err != nil {
				t.Fatal(err)
			}
			for k, v := range rec.Trailer {
				if ownedSpelling(k) || strings.EqualFold(k, "X-Api-Key") {
					t.Errorf("trailer %s: %q reached the upstream", k, v)
				}
			}
			checkOwned(t, &rec, nil)
		})
	}
}
