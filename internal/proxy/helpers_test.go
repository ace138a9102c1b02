package proxy

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// testForwarded is what the test front "gateway" decided about every client.
var testForwarded = Forwarded{ClientIP: "203.0.113.7", Proto: "https", Host: "api.example"}

// front is a test gateway: it hands a RequestInfo to the Upstream.
type front struct {
	*httptest.Server
	outcomes chan Outcome
}

// frontOpts shape the test gateway.
type frontOpts struct {
	maxBody      int64         // wrap the body with http.MaxBytesReader
	readDeadline time.Duration // set a read deadline on the client connection
	set          http.Header   // headers the front sets and keeps (RequestInfo.Keep)
}

// newFront starts a test gateway in front of up.
func newFront(t testing.TB, up *Upstream, o frontOpts) *front {
	t.Helper()
	f := &front{outcomes: make(chan Outcome, 1024)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.maxBody > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, o.maxBody)
		}
		if o.readDeadline > 0 {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(o.readDeadline))
		}
		info := &RequestInfo{Forwarded: testForwarded, RequestID: "req-test"}
		for k, v := range o.set {
			r.Header[k] = v
			info.Keep = append(info.Keep, k)
		}
		defer func() { f.outcomes <- info.Outcome }()
		up.Forward(w, r, info)
	}))
	t.Cleanup(f.Close)
	return f
}

// outcome returns the next recorded Outcome.
func (f *front) outcome(t testing.TB) Outcome {
	t.Helper()
	select {
	case o := <-f.outcomes:
		return o
	case <-time.After(30 * time.Second): // safety net against a hung test, not an assertion on speed
		t.Fatal("no outcome recorded")
		return Outcome{}
	}
}

// newUpstream builds an Upstream and closes it with the test.
func newUpstream(t testing.TB, cfg Config) *Upstream {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "test"
	}
	up, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(up.Close)
	return up
}

// backend starts an upstream test server.
func backend(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// deadURL returns a URL whose port refuses connections.
func deadURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return "http://" + addr
}

// problemBody is the decoded problem JSON.
type problemBody struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"request_id"`
}

// readProblem checks resp is a problem with status and code and returns it
// with the raw body.
func readProblem(t testing.TB, resp *http.Response, status int, code string) (problemBody, string) {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content-type = %q", ct)
	}
	var p problemBody
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("problem json: %v: %s", err, raw)
	}
	if p.Code != code || p.Status != status || p.RequestID != "req-test" {
		t.Fatalf("problem = %+v, want code %q status %d", p, code, status)
	}
	return p, string(raw)
}

// get sends a GET and returns the response.
func get(t testing.TB, c *http.Client, url string) *http.Response {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp
}

// bodyString reads and closes resp's body.
func bodyString(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakeClock is a settable clock for passive-health tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
