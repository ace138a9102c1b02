package proxy

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/h1serve"
)

// countingBackend is a test upstream that counts the connections it accepted.
func countingBackend(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	s := httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, &conns
}

// TestSyncReusesConnection: sequential requests of every kind the synchronous
// client takes (GET, HEAD, 204, a small POST) share one upstream connection.
func TestSyncReusesConnection(t *testing.T) {
	be, conns := countingBackend(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			_, _ = w.Write(b)
		case "/chunked":
			_, _ = io.WriteString(w, "part one,")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "part two")
		default:
			_, _ = io.WriteString(w, "hello "+r.Method)
		}
	})
	f := newFront(t, newUpstream(t, Config{Targets: []string{be.URL}}), frontOpts{})
	c := f.Client()
	for range 5 {
		if got := bodyString(t, get(t, c, f.URL+"/x")); got != "hello GET" {
			t.Fatalf("GET body = %q", got)
		}
		resp, err := c.Head(f.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("HEAD status %d", resp.StatusCode)
		}
		if resp := get(t, c, f.URL+"/empty"); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("204 route: %d", resp.StatusCode)
		} else {
			resp.Body.Close()
		}
		resp, err = c.Post(f.URL+"/echo", "text/plain", strings.NewReader("small body"))
		if err != nil {
			t.Fatal(err)
		}
		if got := bodyString(t, resp); got != "small body" {
			t.Fatalf("POST echo = %q", got)
		}
		if got := bodyString(t, get(t, c, f.URL+"/chunked")); got != "part one,part two" {
			t.Fatalf("chunked = %q", got)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("upstream saw %d connections for 25 sequential requests, want 1", n)
	}
}

// rawUpstream accepts connections and hands each to serve.
func rawUpstream(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// readReq reads one request (and its body) from br.
func readReq(br *bufio.Reader) (*http.Request, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, req.Body)
	return req, nil
}

// TestSyncUpstreamClosedIdleConnection: an upstream that closes a
// keep-alive connection after one answer (without saying so) costs no
// request, replayable or not: the closed connection is noticed before reuse.
func TestSyncUpstreamClosedIdleConnection(t *testing.T) {
	closed := make(chan struct{}, 16)
	var accepted atomic.Int64
	url := rawUpstream(t, func(c net.Conn, br *bufio.Reader) {
		accepted.Add(1)
		if _, err := readReq(br); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		c.Close()
		closed <- struct{}{}
	})
	f := newFront(t, newUpstream(t, Config{Targets: []string{url}}), frontOpts{})
	c := f.Client()
	for i := range 4 {
		var resp *http.Response
		var err error
		if i%2 == 0 {
			resp, err = c.Get(f.URL + "/x")
		} else {
			resp, err = c.Post(f.URL+"/x", "text/plain", strings.NewReader("not replayable"))
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := bodyString(t, resp); resp.StatusCode != 200 || got != "ok" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, got)
		}
		<-closed
	}
	if n := accepted.Load(); n != 4 {
		t.Fatalf("accepted %d connections, want 4 (one per request)", n)
	}
}

// TestSyncUnaskedBytesNeverAnswerAnotherRequest: bytes an upstream sends
// beyond its answer (here a whole second answer) are never taken as the
// answer to the next request, whether they came with the first answer or
// after it.
func TestSyncUnaskedBytesNeverAnswerAnotherRequest(t *testing.T) {
	for _, late := range []bool{false, true} {
		name := "same write"
		if late {
			name = "after the answer"
		}
		t.Run(name, func(t *testing.T) {
			sent := make(chan struct{}, 16)
			url := rawUpstream(t, func(c net.Conn, br *bufio.Reader) {
				for {
					req, err := readReq(br)
					if err != nil {
						return
					}
					good := "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(req.URL.Path)) + "\r\n\r\n" + req.URL.Path
					evil := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!"
					if late {
						_, _ = io.WriteString(c, good)
						time.Sleep(20 * time.Millisecond) // lets the first answer go out alone
						_, _ = io.WriteString(c, evil)
					} else {
						_, _ = io.WriteString(c, good+evil)
					}
					sent <- struct{}{}
				}
			})
			f := newFront(t, newUpstream(t, Config{Targets: []string{url}}), frontOpts{})
			c := f.Client()
			for _, p := range []string{"/first", "/second", "/third"} {
				if got := bodyString(t, get(t, c, f.URL+p)); got != p {
					t.Fatalf("GET %s answered %q", p, got)
				}
				<-sent
			}
		})
	}
}

// TestSyncHugeResponseHeaderRefused: a response header beyond the bound is
// refused with a 502, not buffered without end.
func TestSyncHugeResponseHeaderRefused(t *testing.T) {
	url := rawUpstream(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readReq(br); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n")
		line := "X-Pad: " + strings.Repeat("a", 8000) + "\r\n"
		for range (maxResponseHeader / len(line)) + 10 {
			if _, err := io.WriteString(c, line); err != nil {
				return
			}
		}
		_, _ = io.WriteString(c, "\r\n")
	})
	f := newFront(t, newUpstream(t, Config{Targets: []string{url}}), frontOpts{})
	resp := get(t, f.Client(), f.URL+"/x")
	readProblem(t, resp, http.StatusBadGateway, codeUnreachable)
}

// TestSyncTimeoutClosesConnection: an upstream that never answers gets a
// 504 after the request timeout, and its connection is closed (never pooled
// with a stale answer pending).
func TestSyncTimeoutClosesConnection(t *testing.T) {
	gone := make(chan struct{})
	url := rawUpstream(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readReq(br); err != nil {
			return
		}
		var b [1]byte
		_, _ = c.Read(b[:]) // blocks until the gateway closes the connection
		close(gone)
	})
	up := newUpstream(t, Config{Targets: []string{url}, RequestTimeout: 200 * time.Millisecond})
	f := newFront(t, up, frontOpts{})
	readProblem(t, get(t, f.Client(), f.URL+"/x"), http.StatusGatewayTimeout, codeTimeout)
	select {
	case <-gone:
	case <-time.After(20 * time.Second): // safety net, not a speed assertion
		t.Fatal("the timed-out upstream connection was not closed")
	}
}

// TestSyncConnectionCloseHonoured: an answer with Connection: close is the
// connection's last, even when the upstream leaves the connection open (so
// only the header, not a closed socket, says so); the next request opens a
// new one.
func TestSyncConnectionCloseHonoured(t *testing.T) {
	var accepted atomic.Int64
	url := rawUpstream(t, func(c net.Conn, br *bufio.Reader) {
		accepted.Add(1)
		for {
			if _, err := readReq(br); err != nil {
				return
			}
			// Keeps serving on the connection it asked to close: a client
			// that ignored the header would be answered here again.
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye")
		}
	})
	f := newFront(t, newUpstream(t, Config{Targets: []string{url}}), frontOpts{})
	for range 3 {
		if got := bodyString(t, get(t, f.Client(), f.URL+"/x")); got != "bye" {
			t.Fatalf("body %q", got)
		}
	}
	if n := accepted.Load(); n != 3 {
		t.Fatalf("upstream saw %d connections, want 3", n)
	}
}

// TestSyncAbandonedBodyClosesConnection: a response guard that refuses an
// answer without reading its body leaves the connection unusable (the rest
// of the body is still on it); it is closed, not pooled.
func TestSyncAbandonedBodyClosesConnection(t *testing.T) {
	be, conns := countingBackend(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 64<<10))
	})
	up := newUpstream(t, Config{Targets: []string{be.URL}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &RequestInfo{RequestID: "req-test", Response: func(resp *http.Response) error {
			return problem(http.StatusBadGateway, codeBadResponse)
		}}
		up.Forward(w, r, info)
	}))
	t.Cleanup(srv.Close)
	for range 3 {
		readProblem(t, get(t, srv.Client(), srv.URL+"/x"), http.StatusBadGateway, codeBadResponse)
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("upstream saw %d connections, want 3 (none reused after an unread body)", n)
	}
}

// TestSyncLargeBodyUsesTransport: a body over maxSyncBody, or of unknown
// length, streams through http.Transport and arrives whole.
func TestSyncLargeBodyUsesTransport(t *testing.T) {
	be := backend(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, strconv.Itoa(int(n)))
	})
	f := newFront(t, newUpstream(t, Config{Targets: []string{be.URL}}), frontOpts{})
	big := strings.Repeat("y", maxSyncBody+1)
	resp, err := f.Client().Post(f.URL+"/x", "text/plain", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	if got := bodyString(t, resp); got != strconv.Itoa(len(big)) {
		t.Fatalf("upstream read %s bytes, want %d", got, len(big))
	}
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, "streamed")
		pw.Close()
	}()
	resp, err = f.Client().Post(f.URL+"/x", "text/plain", pr)
	if err != nil {
		t.Fatal(err)
	}
	if got := bodyString(t, resp); got != "8" {
		t.Fatalf("upstream read %s bytes of a chunked body, want 8", got)
	}
}

// TestSyncEndlessInformationalAnswersRefused: an upstream that answers with
// 103 Early Hints without end gets a 502 after max1xx of them, not a request
// held until its deadline; up to max1xx are relayed and the final answer
// passes.
func TestSyncEndlessInformationalAnswersRefused(t *testing.T) {
	url := rawUpstream(t, func(c net.Conn, br *bufio.Reader) {
		for {
			req, err := readReq(br)
			if err != nil {
				return
			}
			for n := 0; n < max1xx || req.URL.Path == "/endless"; n++ {
				// /endless: hints until the gateway hangs up
				if _, err := io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"); err != nil {
					return
				}
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	// The request timeout only tells the bound's 502 from a 504 without it.
	f := newFront(t, newUpstream(t, Config{Targets: []string{url}, RequestTimeout: 5 * time.Second}), frontOpts{})
	if got := bodyString(t, get(t, f.Client(), f.URL+"/few")); got != "ok" {
		t.Fatalf("%d informational answers then 200: %q", max1xx, got)
	}
	readProblem(t, get(t, f.Client(), f.URL+"/endless"), http.StatusBadGateway, codeUnreachable)
}

// TestSyncMalformedAnswerNeverLogged: a status line the parser refuses is
// quoted in net/http's error; what the upstream sent never reaches the log.
func TestSyncMalformedAnswerNeverLogged(t *testing.T) {
	const secret = "SECRET-IN-STATUS-LINE"
	url := rawUpstream(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readReq(br); err != nil {
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 "+secret+" OK\r\nContent-Length: 0\r\n\r\n")
	})
	var logs bytes.Buffer
	var mu sync.Mutex
	up, err := New(Config{Name: "test", Targets: []string{url}}, slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.Close)
	f := newFront(t, up, frontOpts{})
	readProblem(t, get(t, f.Client(), f.URL+"/x"), http.StatusBadGateway, codeUnreachable)
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "upstream request failed") {
		t.Fatalf("no failure line:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatalf("the upstream's bytes reached the log:\n%s", logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestSyncInterruptedWhenClientLeaves: a client that leaves while the
// upstream is silent cancels the exchange — the upstream connection is closed
// (not pooled) and the outcome is client_closed — behind net/http's server
// (the interrupt registered with context.AfterFunc) and behind Bulwark's own
// (h1serve's request context holds it in its hook slot).
func TestSyncInterruptedWhenClientLeaves(t *testing.T) {
	for _, own := range []bool{false, true} {
		name := map[bool]string{false: "net/http", true: "h1serve"}[own]
		t.Run(name, func(t *testing.T) {
			arrived, upClosed := make(chan struct{}, 1), make(chan struct{}, 1)
			addr := rawUpstream(t, func(c net.Conn, br *bufio.Reader) {
				if _, err := readReq(br); err != nil {
					return
				}
				arrived <- struct{}{}
				_, _ = io.Copy(io.Discard, br) // never answers; returns when Bulwark closes
				upClosed <- struct{}{}
			})
			up := newUpstream(t, Config{Targets: []string{addr}})
			outcomes := make(chan Outcome, 1)
			var hooked atomic.Bool
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, ok := r.Context().(cancelHooker)
				hooked.Store(ok)
				info := &RequestInfo{Forwarded: testForwarded, RequestID: "req-test"}
				defer func() { outcomes <- info.Outcome }()
				up.Forward(w, r, info)
			})
			var front string
			if own {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				s := &h1serve.Server{Handler: h, DisconnectCheckDelay: 20 * time.Millisecond, ErrorLog: log.New(io.Discard, "", 0)}
				go func() { _ = s.Serve(ln) }()
				t.Cleanup(func() { s.Close() })
				front = ln.Addr().String()
			} else {
				s := httptest.NewServer(h)
				t.Cleanup(s.Close)
				front = s.Listener.Addr().String()
			}
			c, err := net.Dial("tcp", front)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			wait := func(what string, ch <-chan struct{}) {
				t.Helper()
				select {
				case <-ch:
				case <-time.After(10 * time.Second): // a safety net, not a timing assertion
					t.Fatalf("%s did not happen", what)
				}
			}
			wait("the request reaching the upstream", arrived)
			c.Close()
			wait("the upstream connection closing after the client left", upClosed)
			select {
			case o := <-outcomes:
				if o.Code != "client_closed" {
					t.Errorf("outcome = %+v; want client_closed", o)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no outcome recorded")
			}
			if hooked.Load() != own {
				t.Errorf("request context implements the hook: %v; want %v", hooked.Load(), own)
			}
		})
	}
}
