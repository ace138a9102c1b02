package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestRoundRobin(t *testing.T) {
	var targets []string
	for i := range 3 {
		s := backend(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "t%d", i) })
		targets = append(targets, s.URL)
	}
	up := newUpstream(t, Config{Targets: targets})
	f := newFront(t, up, frontOpts{})
	counts := map[string]int{}
	for range 30 {
		body := bodyString(t, get(t, f.Client(), f.URL+"/x"))
		counts[body]++
		o := f.outcome(t)
		if o.Status != http.StatusOK || o.Code != "" || o.Target == "" {
			t.Fatalf("outcome = %+v", o)
		}
	}
	for i := range 3 {
		if n := counts[fmt.Sprintf("t%d", i)]; n != 10 {
			t.Errorf("target %d got %d requests, want 10 (%v)", i, n, counts)
		}
	}
}

// echoHeaders answers with the request's host, URI and headers as JSON.
func echoHeaders(w http.ResponseWriter, r *http.Request) {
	_ = json.NewEncoder(w).Encode(map[string]any{"host": r.Host, "uri": r.RequestURI, "header": r.Header})
}

type echoed struct {
	Host   string      `json:"host"`
	URI    string      `json:"uri"`
	Header http.Header `json:"header"`
}

func doEcho(t *testing.T, f *front, req *http.Request) echoed {
	t.Helper()
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e echoed
	if err := json.Unmarshal([]byte(bodyString(t, resp)), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestForwardedHeaders(t *testing.T) {
	s := backend(t, echoHeaders)
	tests := []struct {
		name               string
		wantFor, wantProto string
		wantHost           string
	}{
		{name: "gateway decided", wantFor: "203.0.113.7", wantProto: "https", wantHost: "api.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up := newUpstream(t, Config{Targets: []string{s.URL}})
			f := newFront(t, up, frontOpts{})
			req, _ := http.NewRequest(http.MethodGet, f.URL+"/h", nil)
			req.Host = "client.example"
			for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
				"X-Forwarded-Port", "X-Forwarded-Prefix", "Forwarded", "X-Real-IP", "True-Client-IP"} {
				req.Header.Set(h, "6.6.6.6")
			}
			req.Header.Add("x-forwarded-for", "7.7.7.7")
			e := doEcho(t, f, req)
			if got := e.Header.Values("X-Forwarded-For"); len(got) != 1 || got[0] != tc.wantFor {
				t.Errorf("X-Forwarded-For = %q, want %q", got, tc.wantFor)
			}
			if got := e.Header.Get("X-Forwarded-Proto"); got != tc.wantProto {
				t.Errorf("X-Forwarded-Proto = %q", got)
			}
			if got := e.Header.Get("X-Forwarded-Host"); got != tc.wantHost {
				t.Errorf("X-Forwarded-Host = %q", got)
			}
			for _, h := range []string{"X-Forwarded-Port", "X-Forwarded-Prefix", "Forwarded", "X-Real-Ip", "True-Client-Ip"} {
				if v := e.Header.Values(h); len(v) != 0 {
					t.Errorf("%s reached upstream: %q", h, v)
				}
			}
			if !strings.HasPrefix(e.Host, "127.0.0.1:") {
				t.Errorf("upstream Host = %q, want the target's", e.Host)
			}
		})
	}
}

func TestPreserveHost(t *testing.T) {
	s := backend(t, echoHeaders)
	up := newUpstream(t, Config{Targets: []string{s.URL}, PreserveHost: true})
	f := newFront(t, up, frontOpts{})
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/", nil)
	req.Host = "client.example"
	if e := doEcho(t, f, req); e.Host != "client.example" {
		t.Errorf("Host = %q, want client.example", e.Host)
	}
}

func TestPathJoin(t *testing.T) {
	s := backend(t, echoHeaders)
	tests := []struct {
		name, base, path, want string
	}{
		{"no base", "", "/users/1?a=b", "/users/1?a=b"},
		{"base prefix", "/api", "/users/1", "/api/users/1"},
		{"base trailing slash", "/api/", "/users/1", "/api/users/1"},
		{"root request", "/api", "/", "/api/"},
		{"escaped slash kept", "/api", "/files/a%2Fb", "/api/files/a%2Fb"},
		{"escaped base", "/sp%20ace", "/x", "/sp%20ace/x"},
		{"query kept", "/v1", "/q?x=1&y=%20", "/v1/q?x=1&y=%20"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up := newUpstream(t, Config{Targets: []string{s.URL + tc.base}})
			f := newFront(t, up, frontOpts{})
			req, _ := http.NewRequest(http.MethodGet, f.URL+tc.path, nil)
			if e := doEcho(t, f, req); e.URI != tc.want {
				t.Errorf("upstream URI = %q, want %q", e.URI, tc.want)
			}
		})
	}
}

func TestHopByHopStripped(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Resp-Hop")
		w.Header().Set("X-Resp-Hop", "secret")
		w.Header().Set("X-End-To-End", "ok")
		echoHeaders(w, r)
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{})
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/", nil)
	req.Header.Set("Connection", "X-Req-Hop")
	req.Header.Set("X-Req-Hop", "1")
	req.Header.Set("Proxy-Authorization", "Basic Zm9vOmJhcg==")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("X-Kept", "yes")
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("X-Resp-Hop") != "" || resp.Header.Get("X-End-To-End") != "ok" {
		t.Errorf("response headers = %v", resp.Header)
	}
	var e echoed
	if err := json.Unmarshal([]byte(bodyString(t, resp)), &e); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"X-Req-Hop", "Proxy-Authorization", "Keep-Alive"} {
		if v := e.Header.Get(h); v != "" {
			t.Errorf("%s reached upstream: %q", h, v)
		}
	}
	if e.Header.Get("X-Kept") != "yes" {
		t.Errorf("end-to-end header lost: %v", e.Header)
	}
}

func TestRequestBodyForwarded(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		fmt.Fprintf(w, "%d %s", n, hex.EncodeToString(h.Sum(nil)))
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{})
	payload := strings.Repeat("bulwark-", 40000)
	sum := sha256.Sum256([]byte(payload))
	want := fmt.Sprintf("%d %s", len(payload), hex.EncodeToString(sum[:]))
	tests := []struct {
		name string
		body func() io.Reader
	}{
		{"content length", func() io.Reader { return strings.NewReader(payload) }},
		{"chunked", func() io.Reader { return io.MultiReader(strings.NewReader(payload)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.Client().Post(f.URL+"/upload", "application/octet-stream", tc.body())
			if err != nil {
				t.Fatal(err)
			}
			if got := bodyString(t, resp); got != want {
				t.Errorf("upstream saw %q, want %q", got, want)
			}
		})
	}
}

// TestKeptHeadersSurviveConnection: headers the gateway set reach the target
// exactly as set, whatever the client's Connection headers list (ReverseProxy
// deletes the listed fields before the rewrite; the rewrite puts them back).
func TestKeptHeadersSurviveConnection(t *testing.T) {
	s := backend(t, echoHeaders)
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{set: http.Header{"X-Bulwark-Subject": {"alice"}, "X-Request-Id": {"rid-1"}}})
	tests := []struct {
		name       string
		connection []string
	}{
		{"one list", []string{"X-Bulwark-Subject, X-Request-Id, X-Forwarded-For"}},
		{"lower case", []string{"x-bulwark-subject,x-request-id"}},
		{"several headers", []string{"keep-alive", "X-Bulwark-Subject", "x-request-id , X-Forwarded-Host"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, f.URL+"/", nil)
			req.Header["Connection"] = tc.connection
			e := doEcho(t, f, req)
			want := map[string]string{"X-Bulwark-Subject": "alice", "X-Request-Id": "rid-1",
				"X-Forwarded-For": testForwarded.ClientIP, "X-Forwarded-Host": testForwarded.Host}
			for k, v := range want {
				if got := e.Header[k]; len(got) != 1 || got[0] != v {
					t.Errorf("%s = %q, want [%q]", k, got, v)
				}
			}
		})
	}
}

// TestKeptHeadersDroppedFromResponse: a target's own copies of the gateway's
// headers never reach the client.
func TestKeptHeadersDroppedFromResponse(t *testing.T) {
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "target-id")
		w.Header().Set("X-Bulwark-Subject", "root")
		w.Header().Set("X-Other", "kept")
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	f := newFront(t, up, frontOpts{set: http.Header{"X-Bulwark-Subject": {"alice"}, "X-Request-Id": {"rid-1"}}})
	resp, err := f.Client().Get(f.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Request-Id") != "" || resp.Header.Get("X-Bulwark-Subject") != "" || resp.Header.Get("X-Other") != "kept" {
		t.Fatalf("response headers %v", resp.Header)
	}
}

// TestRequestTrailersNotForwarded: a trailer the client sends after a chunked
// body never reaches the target, even once read (a buffering guard reads it).
func TestRequestTrailersNotForwarded(t *testing.T) {
	got := make(chan http.Header, 1)
	s := backend(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- r.Trailer
	})
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // as a buffering guard does: the trailer is now in r.Trailer
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		r.ContentLength = -1
		up.Forward(w, r, &RequestInfo{Forwarded: testForwarded})
	}))
	t.Cleanup(front.Close)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, front.URL+"/", pr)
	req.Trailer = http.Header{"X-Bulwark-Subject": nil}
	go func() {
		_, _ = pw.Write([]byte("hello"))
		req.Trailer.Set("X-Bulwark-Subject", "admin")
		pw.Close()
	}()
	resp, err := front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if tr := <-got; len(tr) != 0 {
		t.Fatalf("target got trailer %v", tr)
	}
}

// TestForwardWithoutInfoRefused: an Upstream never forwards without the
// gateway's RequestInfo (it carries the response guards).
func TestForwardWithoutInfoRefused(t *testing.T) {
	var hits atomic.Int64
	s := backend(t, func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) })
	up := newUpstream(t, Config{Targets: []string{s.URL}})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Forward(w, r, nil)
	}))
	t.Cleanup(front.Close)
	resp := get(t, front.Client(), front.URL+"/")
	bodyString(t, resp)
	if resp.StatusCode != http.StatusInternalServerError || hits.Load() != 0 {
		t.Fatalf("status %d, upstream hits %d; want 500 and none", resp.StatusCode, hits.Load())
	}
}
