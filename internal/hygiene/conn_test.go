package hygiene

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// framingTestServer serves on a NewFramingListener over a real socket. The handler
// records each request's path, reads the body and answers
// "<path> <body bytes> <body error> <X-T trailer>".
type framingTestServer struct {
	addr string
	mu   sync.Mutex
	seen []string
}

func (s *framingTestServer) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// oneByteListener hands out connections whose Read returns at most one byte, so
// the framing listener above it sees every possible split of the stream.
type oneByteListener struct{ net.Listener }

func (l oneByteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return oneByteConn{c}, nil
}

type oneByteConn struct{ net.Conn }

func (c oneByteConn) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return c.Conn.Read(p)
}

func (c oneByteConn) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

func startFramingServer(t *testing.T, oneByte bool, configure func(*http.Server)) *framingTestServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &framingTestServer{addr: ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.URL.Path)
		s.mu.Unlock()
		n, err := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%s %d %v %s", r.URL.Path, n, err != nil, r.Trailer.Get("X-T"))
	})}
	if configure != nil {
		configure(srv)
	}
	var inner net.Listener = ln
	if oneByte {
		inner = oneByteListener{ln}
	}
	go func() { _ = srv.Serve(NewFramingListener(inner, 0)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

type rawResponse struct {
	status int
	header http.Header
	close  bool // Connection: close (http.ReadResponse moves it out of header)
	body   string
}

// roundTrip writes raw (all at once, or one byte per write), then reads
// responses until the server closes the connection or want responses arrived.
// closed reports whether the connection ended right after the last response.
func roundTrip(t *testing.T, addr, raw string, byteWise bool, want int) (resps []rawResponse, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second)) // safety net only
	go func() {
		if !byteWise {
			_, _ = io.WriteString(conn, raw)
			return
		}
		for i := range len(raw) {
			if _, err := conn.Write([]byte{raw[i]}); err != nil {
				return // the server may refuse and close before all is written
			}
		}
	}()
	br := bufio.NewReader(conn)
	for len(resps) < want {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return resps, errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("response %d body: %v", len(resps), err)
		}
		resps = append(resps, rawResponse{resp.StatusCode, resp.Header, resp.Close, string(body)})
	}
	_, err = br.ReadByte()
	return resps, errors.Is(err, io.EOF)
}

const conflictBody = `{"type":"urn:bulwark:problem:bad_framing","title":"Bad Request","status":400,` +
	`"detail":"The request has conflicting Content-Length and Transfer-Encoding headers.","code":"bad_framing"}` + "\n"

func TestFramingListenerRefuses(t *testing.T) {
	const smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	const first = "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name   string
		raw    string
		served []string // paths the handler saw
		detail string   // "" = the conflict detail and exact body
	}{
		{"CL then TE", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, nil, ""},
		{"TE then CL", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n" + smuggled, nil, ""},
		{"odd case and whitespace", "POST /a HTTP/1.1\r\nHost: x\r\ncOnTeNt-LeNgTh:\t 5 \r\ntransfer-ENCODING:   Chunked\t\r\n\r\n0\r\n\r\n" + smuggled, nil, ""},
		{"CL zero and TE, bare LF", "POST /a HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\nContent-Length: 0\n\n0\r\n\r\n" + smuggled, nil, ""},
		{"after a served request", first + "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, []string{"/first"}, ""},
		{"after a chunked POST and CRLF", "POST /first HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\r\nPOST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, []string{"/first"}, ""},
		{"TE twice", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, nil, "Only one transfer coding, chunked, is accepted."},
		{"TE list", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled, nil, "Only one transfer coding, chunked, is accepted."},
		{"TE xchunked", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + smuggled, nil, "Only one transfer coding, chunked, is accepted."},
		{"TE on HTTP/1.0", "POST /a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, nil, "Transfer-Encoding is not accepted on HTTP/1.0 requests."},
		{"space before colon", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + smuggled, nil, "Whitespace between a framing header's name and colon is not accepted."},
		{"obs-fold hides TE", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-A: b\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, nil, "Header fields folded across lines (obs-fold) are not accepted."},
		{"obs-fold TE value", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" + smuggled, nil, "Only one transfer coding, chunked, is accepted."},
		{"CL values differ", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!" + smuggled, nil, "Content-Length values conflict."},
		{"CL list", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello" + smuggled, nil, "Content-Length must be a single decimal number."},
	}
	for _, tt := range tests {
		for _, mode := range []struct {
			name              string
			byteWise, oneByte bool
		}{{"whole", false, false}, {"byte by byte", true, true}} {
			t.Run(tt.name+"/"+mode.name, func(t *testing.T) {
				srv := startFramingServer(t, mode.oneByte, nil)
				resps, closed := roundTrip(t, srv.addr, tt.raw, mode.byteWise, len(tt.served)+1)
				if len(resps) != len(tt.served)+1 {
					t.Fatalf("got %d responses %+v, want %d", len(resps), resps, len(tt.served)+1)
				}
				for i := range tt.served {
					if resps[i].status != http.StatusOK {
						t.Errorf("response %d = %d %q, want 200", i, resps[i].status, resps[i].body)
					}
				}
				checkRefusal(t, resps[len(resps)-1], tt.detail)
				if !closed {
					t.Error("connection not closed after the refusal")
				}
				if got := srv.paths(); strings.Join(got, ",") != strings.Join(tt.served, ",") {
					t.Errorf("handler saw %q, want %q", got, tt.served)
				}
			})
		}
	}
}

func checkRefusal(t *testing.T, r rawResponse, detail string) {
	t.Helper()
	if r.status != http.StatusBadRequest || r.header.Get("Content-Type") != "application/problem+json" || !r.close {
		t.Fatalf("refusal = %d %v %q", r.status, r.header, r.body)
	}
	if detail == "" {
		if r.body != conflictBody {
			t.Errorf("body = %q, want %q", r.body, conflictBody)
		}
		return
	}
	var p struct{ Code, Detail string }
	if err := json.Unmarshal([]byte(r.body), &p); err != nil || p.Code != "bad_framing" || p.Detail != detail {
		t.Errorf("body = %q (%v), want code bad_framing, detail %q", r.body, err, detail)
	}
}

// keepAliveStream is a pipelined sequence the listener must pass untouched:
// framing-looking text inside bodies, chunk extensions and trailers, a GET,
// tolerated CRLFs after a POST, and a final request.
var keepAliveStream = []struct{ raw, want string }{
	{clPost("/cl", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n"), "/cl 52 false "},
	{"POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n" +
		"5;ext=1\r\nhello\r\n" +
		"1C;name=\"q v\";x\r\nContent-Length: 5\r\nGET / H\r\n\r\n" +
		"0;last\r\nX-T: done\r\n\r\n", "/chunked 33 false done"},
	{"\r\nGET /get HTTP/1.1\r\nHost: x\r\n\r\n", "/get 0 false "},
	{clPost("/smuggle-text", "0\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: x\r\n\r\n"), "/smuggle-text 65 false "},
	{"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "/last 0 false "},
}

func clPost(path, body string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nhost: x\r\ncontent-length: %d\r\n\r\n%s", path, len(body), body)
}

func TestFramingListenerKeepAlive(t *testing.T) {
	var raw strings.Builder
	for _, r := range keepAliveStream {
		raw.WriteString(r.raw)
	}
	for _, mode := range []struct {
		name              string
		byteWise, oneByte bool
	}{{"whole", false, false}, {"byte by byte", true, true}} {
		t.Run(mode.name, func(t *testing.T) {
			srv := startFramingServer(t, mode.oneByte, nil)
			resps, closed := roundTrip(t, srv.addr, raw.String(), mode.byteWise, len(keepAliveStream))
			if len(resps) != len(keepAliveStream) || !closed {
				t.Fatalf("got %d responses %+v closed=%v, want %d and close", len(resps), resps, closed, len(keepAliveStream))
			}
			for i, r := range resps {
				if r.status != http.StatusOK || r.body != keepAliveStream[i].want {
					t.Errorf("response %d = %d %q, want 200 %q", i, r.status, r.body, keepAliveStream[i].want)
				}
			}
		})
	}
}

// TestFramingListenerPassesToGo pins down that what the listener does not parse is
// refused by Go itself, with the connection closed, so nothing after it is served.
func TestFramingListenerPassesToGo(t *testing.T) {
	const smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"space in name", "GET /a HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n" + smuggled, 400},
		{"bad version", "GET /a HTTP/1.x\r\nHost: x\r\n\r\n" + smuggled, 400},
		{"HTTP/3.0", "GET /a HTTP/3.0\r\nHost: x\r\n\r\n" + smuggled, 505},
		{"CR starts a line", "GET /a HTTP/1.1\r\nHost: x\r\n\rX: y\r\n\r\n" + smuggled, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFramingServer(t, false, nil)
			resps, closed := roundTrip(t, srv.addr, tt.raw, false, 1)
			if len(resps) != 1 || resps[0].status != tt.status || !closed {
				t.Fatalf("got %+v closed=%v, want one %d and close", resps, closed, tt.status)
			}
			if got := srv.paths(); len(got) != 0 {
				t.Errorf("handler saw %q", got)
			}
		})
	}
}

// TestFramingListenerSeversBadChunks: a chunked body Go would refuse ends the
// stream; the handler sees a body error and the bytes after it are never served.
func TestFramingListenerSeversBadChunks(t *testing.T) {
	const smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	for name, body := range map[string]string{
		"no CRLF after data": "5\r\nhelloXX0\r\n\r\n",
		"bare LF size line":  "5\nhello\r\n0\r\n\r\n",
		"no size":            ";x\r\nhello\r\n0\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			srv := startFramingServer(t, false, nil)
			raw := "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body + smuggled
			resps, closed := roundTrip(t, srv.addr, raw, false, 1)
			if len(resps) != 1 || !strings.HasPrefix(resps[0].body, "/a ") || !strings.Contains(resps[0].body, " true") || !closed {
				t.Fatalf("got %+v closed=%v, want the handler's body error and close", resps, closed)
			}
			if got := srv.paths(); len(got) != 1 {
				t.Errorf("handler saw %q", got)
			}
		})
	}
}

func TestFramingListenerH2C(t *testing.T) {
	srv := startFramingServer(t, false, func(s *http.Server) {
		s.Protocols = new(http.Protocols)
		s.Protocols.SetHTTP1(true)
		s.Protocols.SetUnencryptedHTTP2(true)
	})
	client := &http.Client{Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
	defer client.CloseIdleConnections()
	for _, body := range []string{"", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"} {
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		req, err := http.NewRequest(method, "http://"+srv.addr+"/h2", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := fmt.Sprintf("/h2 %d false ", len(body))
		if resp.ProtoMajor != 2 || string(got) != want {
			t.Errorf("%s: proto %s body %q, want HTTP/2 %q", method, resp.Proto, got, want)
		}
	}
}

// memConn serves an endless stream of data from memory.
type memConn struct {
	net.Conn
	data []byte
	off  int
}

func (c *memConn) Read(p []byte) (int, error) {
	n := copy(p, c.data[c.off:])
	c.off = (c.off + n) % len(c.data)
	return n, nil
}

func BenchmarkFramingConnRead(b *testing.B) {
	const get = "GET /users/42/orders?limit=10 HTTP/1.1\r\nHost: api.example.com\r\n" +
		"User-Agent: bench/1.0\r\nAccept: application/json\r\nAuthorization: Bearer abcdefghijklmnop\r\n\r\n"
	c := &framingConn{Conn: &memConn{data: []byte(strings.Repeat(get, 64))}, f: framer{limit: 1 << 20}}
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Read(buf); err != nil || c.mode != modeInspect {
			b.Fatal(err, c.mode)
		}
	}
}
