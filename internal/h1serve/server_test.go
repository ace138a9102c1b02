package h1serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-gw/bulwark/internal/logtest"
)

// safety bounds a wait that a broken server would make endless; it is never
// what a test asserts.
const safety = 10 * time.Second

func serveOwn(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.ErrorLog == nil {
		s.ErrorLog = log.New(io.Discard, "", 0)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
		}
	})
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(safety))
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

func get(t *testing.T, c net.Conn, br *bufio.Reader, path string) *http.Response {
	t.Helper()
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// closed reports whether the server closed c (a read sees EOF or a reset).
func closed(c net.Conn, br *bufio.Reader) bool {
	_, err := br.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func TestServeContextValues(t *testing.T) {
	got := make(chan *http.Request, 1)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r })}
	addr := serveOwn(t, s)
	c, br := dial(t, addr)
	get(t, c, br, "/")
	r := <-got
	if v := r.Context().Value(http.ServerContextKey); v != s {
		t.Errorf("ServerContextKey = %v, want the server", v)
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); !ok || a.String() != addr {
		t.Errorf("LocalAddrContextKey = %v, want %s", a, addr)
	}
	if r.RemoteAddr != c.LocalAddr().String() {
		t.Errorf("RemoteAddr = %q, want %q", r.RemoteAddr, c.LocalAddr())
	}
	if r.Context().Err() == nil {
		t.Error("the request's context is not cancelled after the handler returned")
	}
}

func TestShutdownClosesIdleAndFinishesActive(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		io.WriteString(w, "done")
	})}
	addr := serveOwn(t, s)
	idle, idleBR := dial(t, addr)
	get(t, idle, idleBR, "/") // now idle
	active, activeBR := dial(t, addr)
	io.WriteString(active, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	<-entered

	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	if !closed(idle, idleBR) {
		t.Error("an idle connection stayed open during Shutdown")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v before the active request finished", err)
	default:
	}
	close(release)
	resp, err := http.ReadResponse(activeBR, nil)
	if err != nil {
		t.Fatalf("the active request got no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "done" || !resp.Close {
		t.Errorf("active answer: %q close=%v, want \"done\" with Connection: close", b, resp.Close)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("the listener still accepts after Shutdown")
	}
}

func TestShutdownContextEnds(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})}
	addr := serveOwn(t, s)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want context.Canceled", err)
	}
}

func TestReadHeaderTimeout(t *testing.T) {
	s := &Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: 20 * time.Millisecond}
	addr := serveOwn(t, s)
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n") // the head never ends
	if !closed(c, br) {
		t.Error("a head that never ends kept the connection")
	}
}

func TestIdleTimeout(t *testing.T) {
	s := &Server{Handler: http.NotFoundHandler(), IdleTimeout: 20 * time.Millisecond}
	addr := serveOwn(t, s)
	c, br := dial(t, addr)
	get(t, c, br, "/")
	if !closed(c, br) {
		t.Error("an idle connection was kept past IdleTimeout")
	}
}

func TestWriteTimeout(t *testing.T) {
	werr := make(chan error, 1)
	s := &Server{WriteTimeout: 50 * time.Millisecond, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				werr <- err
				return
			}
		}
	})}
	addr := serveOwn(t, s)
	c, _ := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n") // and never read
	err := <-werr
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("write to a client that does not read: %v, want a timeout", err)
	}
}

func TestClientGoneCancelsContext(t *testing.T) {
	for _, delay := range []time.Duration{time.Millisecond, -1} {
		t.Run(time.Duration(delay).String(), func(t *testing.T) {
			entered, cancelled := make(chan struct{}), make(chan error, 1)
			s := &Server{DisconnectCheckDelay: delay, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.ReadAll(r.Body)
				close(entered)
				select {
				case <-r.Context().Done(): // a slow upstream, abandoned
					cancelled <- r.Context().Err()
				case <-time.After(safety):
					cancelled <- nil
				}
			})}
			addr := serveOwn(t, s)
			c, _ := dial(t, addr)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi")
			<-entered
			c.Close()
			if err := <-cancelled; !errors.Is(err, context.Canceled) {
				t.Errorf("context after the client left: %v, want context.Canceled", err)
			}
		})
	}
}

// A pipelined request read by the disconnect watcher is served, not lost.
func TestWatcherKeepsPipelinedByte(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	proceed := make(chan struct{})
	s := &Server{DisconnectCheckDelay: -1, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/first" {
			<-proceed
		}
		io.WriteString(w, r.URL.Path)
	})}
	addr := serveOwn(t, s)
	c, br := dial(t, addr)
	io.WriteString(c, "GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
	// The second request arrives while the first runs: the watcher may read
	// its first byte.
	io.WriteString(c, "GET /second HTTP/1.1\r\nHost: a\r\n\r\n")
	close(proceed)
	for _, want := range []string{"/first", "/second"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != want {
			t.Errorf("answer %q, want %q", b, want)
		}
	}
}

func TestHijack(t *testing.T) {
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n') // bytes sent with the request come first
		brw.WriteString("echo: " + line)
		brw.Flush()
	})}
	addr := serveOwn(t, s)
	c, br := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhello\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("answer %v, %v; want 101", resp, err)
	}
	line, err := br.ReadString('\n')
	if line != "echo: hello\n" {
		t.Errorf("after the switch: %q, %v", line, err)
	}
	// Shutdown does not wait for a hijacked connection.
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func TestPanicLogsNoPeerBytes(t *testing.T) {
	var buf logtest.Buffer
	s := &Server{ErrorLog: log.New(&buf, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
		panic("value built from the request: " + r.URL.Query().Get("secret"))
	})}
	addr := serveOwn(t, s)
	for _, path := range []string{"/abort", "/x?secret=peer-bytes-1234"} {
		c, br := dial(t, addr)
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n")
		if !closed(c, br) {
			t.Errorf("%s: the connection stayed open after a panic", path)
		}
		if path == "/abort" {
			if buf.String() != "" {
				t.Errorf("ErrAbortHandler was logged: %q", buf.String())
			}
		}
	}
	s.Close()
	out := buf.String()
	if !strings.Contains(out, "panic serving") || !strings.Contains(out, "string") {
		t.Errorf("panic log %q, want the panic noted with its type", out)
	}
	if strings.Contains(out, "peer-bytes-1234") {
		t.Errorf("the panic log carries request bytes: %q", out)
	}
}

func TestResponseControllerDeadlines(t *testing.T) {
	errs := make(chan [3]error, 1)
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		errs <- [3]error{rc.SetReadDeadline(time.Now().Add(time.Minute)),
			rc.SetWriteDeadline(time.Now().Add(time.Minute)), rc.EnableFullDuplex()}
	})}
	addr := serveOwn(t, s)
	c, br := dial(t, addr)
	get(t, c, br, "/")
	e := <-errs
	if e[0] != nil || e[1] != nil || !errors.Is(e[2], http.ErrNotSupported) {
		t.Errorf("deadlines %v %v, full duplex %v", e[0], e[1], e[2])
	}
}

func TestReadHeaderTimeoutOnLaterRequest(t *testing.T) {
	// 1 s, not a few ms: the first head must beat the same timeout (it runs
	// from the accept), which a loaded CI machine can miss by that much.
	s := &Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute}
	addr := serveOwn(t, s)
	c, br := dial(t, addr)
	get(t, c, br, "/")
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n") // the second head never ends
	if !closed(c, br) {
		t.Error("a later head that never ends kept the connection")
	}
}

// A request without a body keeps the head's deadline while its handler runs
// (nothing reads); the disconnect watcher must not take that deadline's
// expiry for a client that left.
func TestLongRequestOutlivesHeadDeadline(t *testing.T) {
	errc := make(chan error, 1)
	// The client must send each head within these deadlines: 1 s, which a
	// loaded CI machine does not miss (5 ms once allowed, it could).
	const deadline = time.Second
	s := &Server{ReadHeaderTimeout: deadline, IdleTimeout: deadline,
		DisconnectCheckDelay: time.Millisecond, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				// The deadline in place was set before this handler ran, so
				// it has passed when this sleep ends: the scenario, not an
				// assertion on time.
				time.Sleep(2 * deadline)
				errc <- r.Context().Err()
			}
			io.WriteString(w, "ok")
		})}
	addr := serveOwn(t, s)
	c, br := dial(t, addr)
	get(t, c, br, "/")
	resp := get(t, c, br, "/slow")
	if err := <-errc; err != nil {
		t.Errorf("the context of a request whose client stayed: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

// TestHeaderMapNotCarriedOver: the header map is reused for the next request
// on a connection, emptied: a field one answer set never shows in the next,
// also after an answer whose map grew past what is kept.
func TestHeaderMapNotCarriedOver(t *testing.T) {
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/secret":
			w.Header().Set("X-Secret", "s3cr3t")
			w.Header().Set("Set-Cookie", "session=abc")
		case "/many":
			for i := range maxKeptHeader + 5 {
				w.Header().Set(fmt.Sprintf("X-Many-%d", i), "v")
			}
		}
		w.Write([]byte("ok"))
	})}
	addr := serveOwn(t, s)
	c, br := dial(t, addr)
	for _, path := range []string{"/secret", "/plain", "/many", "/plain", "/secret", "/plain"} {
		resp := get(t, c, br, path)
		if path != "/plain" {
			continue
		}
		for k := range resp.Header {
			if k == "X-Secret" || k == "Set-Cookie" || strings.HasPrefix(k, "X-Many-") {
				t.Fatalf("%s after an earlier answer carries %s", path, k)
			}
		}
	}
}
