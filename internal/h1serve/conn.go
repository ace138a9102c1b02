package h1serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Connection states, for Shutdown.
const (
	stateIdle   int32 = iota // waiting for a request head
	stateActive              // reading a request or answering it
	stateClosed              // closed by Shutdown or Close
)

// maxPostHandlerReadBytes is how much of a request body the handler left
// unread is drained to keep the connection (net/http's value).
const maxPostHandlerReadBytes = 256 << 10

// errorHeaders end the status line of the answers to unreadable requests.
const errorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// rstAvoidanceDelay is how long a connection refused for a too long head
// stays half-closed so the client can read the 431 (net/http's value).
const rstAvoidanceDelay = 500 * time.Millisecond

// aLongTimeAgo is a deadline in the past: it interrupts a pending read.
var aLongTimeAgo = time.Unix(1, 0)

var (
	readerPool sync.Pool // *bufio.Reader, 4 KiB
	writerPool sync.Pool // *bufio.Writer, 4 KiB
)

// conn is one client connection, served by one goroutine.
type conn struct {
	srv        *Server
	rwc        net.Conn
	state      atomic.Int32
	ctx        context.Context // carries ServerContextKey and LocalAddrContextKey
	remoteAddr string
	cr         connReader
	bufr       *bufio.Reader
	bufw       *bufio.Writer
	werr       error // first write error; the connection is not reused
	hijacked   bool
	lastMethod string
	rdl, wdl   time.Time                  // deadlines last set, so unchanged ones are not set again
	res        response                   // reused for every request on the connection
	resBuf     [bufferBeforeChunking]byte // res's body buffer, outside res: reset zeroes res whole
}

func (s *Server) newConn(rwc net.Conn) *conn {
	c := &conn{srv: s, rwc: rwc}
	c.cr.c = c
	c.cr.cond.L = &c.cr.mu
	c.res.c = c
	if ra := rwc.RemoteAddr(); ra != nil {
		c.remoteAddr = ra.String()
	}
	// The server itself is the ServerContextKey value: proxy.abort only asks
	// whether a server runs the handler (then ErrAbortHandler is recovered).
	c.ctx = context.WithValue(context.WithValue(context.Background(), http.ServerContextKey, s),
		http.LocalAddrContextKey, rwc.LocalAddr())
	return c
}

func (c *conn) setReadDeadline(t time.Time) {
	if !t.Equal(c.rdl) {
		c.rdl = t
		_ = c.rwc.SetReadDeadline(t)
	}
}

// extendReadDeadline sets the read deadline to d from now, unless the one
// in place is at most d/64 earlier: a deadline is then set about once every
// d/64 instead of on every request (SetReadDeadline is not free), and is
// never later than d from now.
func (c *conn) extendReadDeadline(d time.Duration) {
	t := time.Now().Add(d)
	if c.rdl.IsZero() || c.rdl.After(t) || c.rdl.Before(t.Add(-d/64)) {
		c.rdl = t
		_ = c.rwc.SetReadDeadline(t)
	}
}

// headBuffered reports whether the buffer holds a whole request head: an
// empty line after the first non-empty one.
func (c *conn) headBuffered() bool {
	b, _ := c.bufr.Peek(c.bufr.Buffered())
	b = b[numLeadingCRorLF(b):]
	return bytes.Contains(b, crlfcrlf[1:]) || bytes.Contains(b, lflf)
}

var (
	crlfcrlf = []byte("\r\n\r\n")
	lflf     = []byte("\n\n")
)

func (c *conn) setWriteDeadline(t time.Time) {
	if !t.Equal(c.wdl) {
		c.wdl = t
		_ = c.rwc.SetWriteDeadline(t)
	}
}

// Write is the bufio.Writer's destination: it notes the first error and
// cancels the request in flight, as net/http's checkConnErrorWriter does.
func (c *conn) Write(p []byte) (int, error) {
	n, err := c.rwc.Write(p)
	if err != nil && c.werr == nil {
		c.werr = err
		c.cr.cancelRequest()
	}
	return n, err
}

func (c *conn) serve() {
	defer c.srv.removeConn(c)
	c.cr.remain = 1<<63 - 1
	c.bufr = newReader(&c.cr)
	c.bufw = newWriter(c)
	if d := c.srv.ReadHeaderTimeout; d > 0 {
		c.setReadDeadline(time.Now().Add(d))
	}
	for first := true; ; first = false {
		c.cr.remain = c.srv.maxHeaderBytes() + 4096 // the head's bound, with net/http's bufio slack
		if first {
			// Idle until the first bytes: Shutdown closes a connection that
			// has not sent anything yet.
			if _, err := c.bufr.Peek(1); err != nil {
				break
			}
		} else {
			if c.bufr.Buffered() < 4 {
				// Wait for the next request under the idle timeout; the
				// head's own timeout starts with its first bytes, as in
				// http.Server. Like it, fewer than 4 bytes before the end
				// of the stream close silently.
				if d := c.srv.IdleTimeout; d > 0 {
					c.extendReadDeadline(d)
				} else {
					c.setReadDeadline(time.Time{})
				}
				if _, err := c.bufr.Peek(4); err != nil {
					break
				}
			}
			// A head already read whole cannot be trickled: it needs no
			// deadline of its own (the common case, one packet a request).
			if !c.headBuffered() {
				if d := c.srv.ReadHeaderTimeout; d > 0 {
					c.setReadDeadline(time.Now().Add(d))
				} else {
					c.setReadDeadline(time.Time{})
				}
			}
		}
		if !c.state.CompareAndSwap(stateIdle, stateActive) {
			break // closed by Shutdown while idle
		}
		if !c.serveOne() {
			break
		}
		if c.hijacked {
			return
		}
		if c.srv.closing.Load() || !c.state.CompareAndSwap(stateActive, stateIdle) {
			break
		}
	}
	c.close()
}

// serveOne reads one request and answers it; it reports whether the
// connection may carry another.
func (c *conn) serveOne() bool {
	req, err := c.readRequest()
	if c.srv.closing.Load() {
		return false
	}
	if err != nil {
		c.refuse(err)
		return false
	}
	w := &c.res
	w.reset(req)
	if hasToken(req.Header.Get("Expect"), "100-continue") {
		if req.ProtoAtLeast(1, 1) && req.ContentLength != 0 {
			w.canContinue.Store(true)
			w.expect100 = true
		}
	} else if req.Header.Get("Expect") != "" {
		// RFC 9110 §10.1.1: an expectation other than 100-continue may be
		// refused with 417, as net/http does.
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusExpectationFailed)
		w.finish()
		return false
	}
	ctx := &requestContext{values: c.ctx}
	// The context is set on the request ReadRequest made, not on a copy
	// (WithContext inlined, its copy does not escape): http.Server sets
	// its context the same way, and the 256-byte copy was one of the largest
	// allocations a request made. Nothing else holds req yet except its
	// body reader, which merges trailers into this same request.
	*req = *req.WithContext(ctx)
	req.RemoteAddr = c.remoteAddr
	if req.Body != http.NoBody && req.Body != nil {
		c.cr.bodyDone.Store(false)
		b := &body{inner: req.Body, w: w}
		w.body = b
		req.Body = b
	} else {
		c.cr.bodyDone.Store(true)
	}
	w.req = req
	if d := c.srv.WriteTimeout; d > 0 {
		c.setWriteDeadline(time.Now().Add(d))
	}
	c.cr.startRequest(ctx)
	c.runHandler(w, req)
	c.cr.endRequest()
	ctx.cancel()
	if c.hijacked {
		return false
	}
	if w.panicked {
		c.bufw.Flush() // what a committed answer had buffered, as net/http
		return false
	}
	w.finish()
	return w.shouldReuse()
}

// runHandler calls the handler, recovering a panic: http.ErrAbortHandler
// ends the connection silently, any other panic is logged (type, a runtime
// error's message and the stack, never the value itself, which may carry
// request bytes) and ends the connection.
func (c *conn) runHandler(w *response, req *http.Request) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		w.panicked = true
		if v == http.ErrAbortHandler {
			return
		}
		const size = 64 << 10
		buf := make([]byte, size)
		buf = buf[:runtime.Stack(buf, false)]
		desc := fmt.Sprintf("%T", v)
		if re, ok := v.(runtime.Error); ok {
			desc = re.Error()
		}
		c.srv.logf("h1serve: panic serving %s: %s\n%s", c.remoteAddr, desc, buf)
	}()
	var h http.Handler = c.srv.Handler
	if req.RequestURI == "*" && req.Method == "OPTIONS" {
		h = globalOptionsHandler{}
	}
	h.ServeHTTP(w, req)
}

// globalOptionsHandler answers "OPTIONS *" as http.Server does.
type globalOptionsHandler struct{}

func (globalOptionsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
	if r.ContentLength != 0 {
		mb := http.MaxBytesReader(w, r.Body, 4<<10)
		_, _ = io.Copy(io.Discard, mb)
	}
}

// statusError is a refusal with its own status and text, as net/http's.
type statusError struct {
	code int
	text string
}

func (e statusError) Error() string { return http.StatusText(e.code) + ": " + e.text }

var errTooLarge = errors.New("h1serve: request head too large")

func (c *conn) readRequest() (*http.Request, error) {
	if c.lastMethod == "POST" {
		// RFC 9112 §2.2 tolerance for clients that send CRLF after a body.
		peek, _ := c.bufr.Peek(4)
		_, _ = c.bufr.Discard(numLeadingCRorLF(peek))
	}
	req, err := http.ReadRequest(c.bufr)
	if err != nil {
		if c.cr.remain <= 0 {
			return nil, errTooLarge
		}
		return nil, err
	}
	c.cr.remain = 1<<63 - 1
	if req.Body != http.NoBody {
		// The body has no time limit here (hygiene sets its own). Without
		// a body nothing reads until the answer is sent: the deadline in
		// place stays (the disconnect watcher clears it before it reads).
		c.setReadDeadline(time.Time{})
	}
	isH2Upgrade := req.Method == "PRI" && len(req.Header) == 0 && req.URL.Path == "*" && req.Proto == "HTTP/2.0"
	if req.ProtoMajor != 1 && !isH2Upgrade {
		return nil, statusError{http.StatusHTTPVersionNotSupported, "unsupported protocol version"}
	}
	c.lastMethod = req.Method
	// http.ReadRequest has removed the Host header; req.Host is the URI's
	// authority or else that header (RFC 9112 §3.2: 400 without one).
	if req.ProtoAtLeast(1, 1) && req.Host == "" && !isH2Upgrade && req.Method != "CONNECT" {
		return nil, statusError{http.StatusBadRequest, "missing required Host header"}
	}
	if req.URL.Host == "" && !httpguts.ValidHostHeader(req.Host) {
		return nil, statusError{http.StatusBadRequest, "malformed Host header"}
	}
	// net/textproto's reader lets some invalid names through ("Bad Name",
	// "X : v"): checked as http.Server does. Values need no second pass:
	// the reader refuses a value with any byte httpguts.ValidHeaderFieldValue
	// refuses (continuation lines included) before it returns, which
	// TestReadRequestRefusesEveryInvalidValueByte holds it to byte by byte;
	// http.Server's own loop repeats that scan, over every value of every
	// request (a 600-byte bearer token is read twice).
	for k := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return nil, statusError{http.StatusBadRequest, "invalid header name"}
		}
	}
	return req, nil
}

// refuse answers a request that could not be read, as http.Server does.
func (c *conn) refuse(err error) {
	var se statusError
	switch {
	case err == errTooLarge:
		const publicErr = "431 Request Header Fields Too Large"
		_, _ = io.WriteString(c.rwc, "HTTP/1.1 "+publicErr+errorHeaders+publicErr)
		c.closeWriteAndWait()
	case isUnsupportedTEError(err):
		// RFC 9112 §6.1: 501 for a transfer coding the server does not know;
		// the value is not echoed.
		_, _ = fmt.Fprintf(c.rwc, "HTTP/1.1 %d %s%sUnsupported transfer encoding",
			http.StatusNotImplemented, http.StatusText(http.StatusNotImplemented), errorHeaders)
	case isCommonNetReadError(err):
		// the client went away or timed out: no answer
	case errors.As(err, &se):
		_, _ = fmt.Fprintf(c.rwc, "HTTP/1.1 %d %s: %s%s%d %s: %s", se.code, http.StatusText(se.code), se.text,
			errorHeaders, se.code, http.StatusText(se.code), se.text)
	default:
		const publicErr = "400 Bad Request"
		_, _ = io.WriteString(c.rwc, "HTTP/1.1 "+publicErr+errorHeaders+publicErr)
	}
}

// isUnsupportedTEError matches net/http's unexported unsupportedTEError by
// its message: the type cannot be named outside net/http.
func isUnsupportedTEError(err error) bool {
	return strings.HasPrefix(err.Error(), "unsupported transfer encoding")
}

func isCommonNetReadError(err error) bool {
	if err == io.EOF {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "read"
}

func numLeadingCRorLF(v []byte) (n int) {
	for _, b := range v {
		if b == '\r' || b == '\n' {
			n++
			continue
		}
		break
	}
	return
}

// closeWriteAndWait half-closes and waits a little so the client reads the
// answer before the close resets the connection (net/http issue 3595).
func (c *conn) closeWriteAndWait() {
	c.bufw.Flush()
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	time.Sleep(rstAvoidanceDelay)
}

func (c *conn) close() {
	if c.werr == nil {
		c.bufw.Flush()
	}
	c.rwc.Close()
	c.state.Store(stateClosed)
	putReader(c.bufr)
	putWriter(c.bufw)
	c.bufr, c.bufw = nil, nil
}

// hijack hands the connection to the handler.
func (c *conn) hijack() (net.Conn, *bufio.ReadWriter, error) {
	if c.hijacked {
		return nil, nil, http.ErrHijacked
	}
	c.cr.endRequest()
	c.hijacked = true
	if c.cr.hasByte {
		// A byte the disconnect watcher read goes back in front of the rest.
		if _, err := c.bufr.Peek(c.bufr.Buffered() + 1); err != nil {
			return nil, nil, fmt.Errorf("h1serve: unexpected peek failure reading buffered byte: %w", err)
		}
	}
	c.state.Store(stateClosed)
	c.srv.removeConn(c) // Shutdown does not wait for a taken-over connection
	c.rwc.SetDeadline(time.Time{})
	return c.rwc, bufio.NewReadWriter(c.bufr, c.bufw), nil
}

func newReader(r io.Reader) *bufio.Reader {
	if v := readerPool.Get(); v != nil {
		br := v.(*bufio.Reader)
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, 4<<10)
}

func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readerPool.Put(br)
}

func newWriter(w io.Writer) *bufio.Writer {
	if v := writerPool.Get(); v != nil {
		bw := v.(*bufio.Writer)
		bw.Reset(w)
		return bw
	}
	return bufio.NewWriterSize(w, 4<<10)
}

func putWriter(bw *bufio.Writer) {
	bw.Reset(nil)
	writerPool.Put(bw)
}

// hasToken reports whether token appears in v, in any case, between token
// boundaries (space, comma, tab): net/http's own hasToken, which decides
// Expect and Connection there (httpguts.HeaderValuesContainsToken is
// stricter, and would answer differently).
func hasToken(v, token string) bool {
	if len(token) > len(v) || token == "" {
		return false
	}
	if v == token {
		return true
	}
	for sp := 0; sp <= len(v)-len(token); sp++ {
		// Check that first character is good.
		// The token is ASCII, so checking only a single byte
		// is sufficient. We skip this potential starting
		// position if both the first byte and its potential
		// ASCII uppercase equivalent (b|0x20) don't match.
		// False positives ('^' => '~') are caught by EqualFold.
		if b := v[sp]; b != token[0] && b|0x20 != token[0] {
			continue
		}
		// Check that start pos is on a valid token boundary.
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		// Check that end pos is on a valid token boundary.
		if endPos := sp + len(token); endPos != len(v) && !isTokenBoundary(v[endPos]) {
			continue
		}
		if strings.EqualFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }
