package h1serve

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// bufferBeforeChunking is how much of a body is held before the header is
// committed: a handler that returns within it gets a Content-Length
// (net/http's bufferBeforeChunkingSize).
const bufferBeforeChunking = 2048

// response is the http.ResponseWriter of one request. It is reused for every
// request on its connection: like any ResponseWriter it must not be used
// after ServeHTTP returns.
//
// The header is serialized when WriteHeader is called (what http.Server
// does by cloning the map), leaving out the framing fields decided when the
// header is committed: Content-Length, Transfer-Encoding and Connection.
type response struct {
	c    *conn
	req  *http.Request
	body *body

	header      http.Header
	status      int
	wroteHeader bool // a final status was set
	committed   bool // the status line and header went to the connection
	chunking    bool
	handlerDone bool
	panicked    bool
	expect100   bool // the client asked for 100-continue on a body

	contentLength    int64 // declared or computed; -1: none
	written          int64
	closeAfterReply  bool
	wants10KeepAlive bool
	wantsClose       bool

	// captured by WriteHeader
	hdr        []byte // header lines without the framing fields
	connLines  []byte // the handler's Connection lines
	teLines    []byte // the handler's Transfer-Encoding lines
	clValue    string // the handler's Content-Length, when valid
	conn0      string // first Connection value
	te         string // first Transfer-Encoding value
	haveCT     bool
	haveCE     bool
	haveDate   bool
	haveConn   bool
	upgrade    bool // Upgrade present (a protocol switch keeps Connection)
	trailerHdr bool // a Trailer field or a TrailerPrefix key
	trailers   []string

	pending []byte   // body held before commit, and chunk assembly after (in c.resBuf at first)
	scratch [24]byte // numbers being formatted (a local array would escape)

	canContinue atomic.Bool
	continueMu  sync.Mutex
}

var (
	_ http.ResponseWriter = (*response)(nil)
	_ http.Flusher        = (*response)(nil)
	_ http.Hijacker       = (*response)(nil)
)

func (w *response) reset(req *http.Request) {
	// The header map is kept too, emptied: cleared, a map keeps its room, so
	// an answer with more than 8 fields does not grow a new table each time.
	// A map grown past maxKeptHeader is dropped (ranging over a cleared map
	// still walks all its room).
	h := w.header
	if len(h) > maxKeptHeader {
		h = nil
	}
	clear(h)
	*w = response{c: w.c, req: req, contentLength: -1, header: h,
		hdr: w.hdr[:0], connLines: w.connLines[:0], teLines: w.teLines[:0], trailers: w.trailers[:0]}
	w.pending = w.c.resBuf[:0] // the conn's: the assignment above would zero 2 KiB each request were it here
	w.wants10KeepAlive = req.ProtoMajor == 1 && req.ProtoMinor == 0 && hasToken(req.Header.Get("Connection"), "keep-alive")
	w.wantsClose = req.Close || hasToken(req.Header.Get("Connection"), "close")
}

// maxKeptHeader is the most fields a header map reused for the next request
// on the connection may have held.
const maxKeptHeader = 32

// Header returns the header map the handler fills before WriteHeader.
func (w *response) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

// WriteHeader sends an informational status at once or fixes the final one.
func (w *response) WriteHeader(code int) {
	if w.c.hijacked {
		w.c.srv.logf("h1serve: response.WriteHeader on hijacked connection")
		return
	}
	if w.wroteHeader {
		w.c.srv.logf("h1serve: superfluous response.WriteHeader call")
		return
	}
	if code < 100 || code > 999 {
		panic("invalid WriteHeader code " + strconv.Itoa(code)) // as net/http: a handler bug
	}
	if code < 101 || code > 199 {
		w.disableContinue()
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		w.writeInformational(code)
		return
	}
	w.wroteHeader = true
	w.status = code
	if cl := w.header.Get("Content-Length"); cl != "" {
		v, err := strconv.ParseInt(cl, 10, 64)
		if err == nil && v >= 0 {
			w.contentLength = v
			w.clValue = cl
		} else {
			w.c.srv.logf("h1serve: invalid Content-Length")
		}
	}
	w.capture()
}

// writeInformational writes a 1xx answer (103 Early Hints) with the current
// header, which stays for the final answer (RFC 8297).
func (w *response) writeInformational(code int) {
	bw := w.c.bufw
	writeStatusLine(bw, w.req.ProtoAtLeast(1, 1), code, w.scratch[:0])
	for k, vv := range w.header {
		if k == "Content-Length" || k == "Transfer-Encoding" {
			continue
		}
		for _, v := range vv {
			w.hdr = appendField(w.hdr[:0], k, v)
			bw.Write(w.hdr)
		}
	}
	w.hdr = w.hdr[:0]
	bw.WriteString("\r\n")
	bw.Flush()
}

// capture serializes the header as WriteHeader found it.
func (w *response) capture() {
	bodyOK := bodyAllowedForStatus(w.status)
	for k, vv := range w.header {
		if len(vv) == 0 {
			continue
		}
		switch k {
		case "Content-Length":
			continue // written at commit from clValue
		case "Transfer-Encoding":
			w.te = vv[0]
			if bodyOK {
				for _, v := range vv {
					w.teLines = appendField(w.teLines, k, v)
				}
			}
			continue
		case "Connection":
			w.haveConn, w.conn0 = true, vv[0]
			for _, v := range vv {
				w.connLines = appendField(w.connLines, k, v)
			}
			continue
		case "Content-Type":
			w.haveCT = true
			if w.status == http.StatusNotModified {
				continue // RFC 9110 §15.4.5
			}
		case "Content-Encoding":
			w.haveCE = vv[0] != ""
		case "Date":
			w.haveDate = true
		case "Upgrade":
			w.upgrade = vv[0] != ""
		case "Trailer":
			w.trailerHdr = true
			for _, v := range vv {
				w.declareTrailers(v)
			}
		}
		if strings.HasPrefix(k, http.TrailerPrefix) {
			w.trailerHdr = true
			continue
		}
		for _, v := range vv {
			w.hdr = appendField(w.hdr, k, v)
		}
	}
}

// declareTrailers notes the trailer names a Trailer value announces.
func (w *response) declareTrailers(v string) {
	for f := range strings.SplitSeq(v, ",") {
		f = http.CanonicalHeaderKey(trimString(f))
		if f != "" && httpguts.ValidTrailerHeader(f) {
			w.trailers = append(w.trailers, f)
		}
	}
}

// Write writes body bytes, committing the header first when needed.
func (w *response) Write(p []byte) (int, error) {
	if w.c.hijacked {
		return 0, http.ErrHijacked
	}
	if w.canContinue.Load() {
		w.disableContinue()
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.contentLength != -1 && w.written > w.contentLength {
		return 0, http.ErrContentLength
	}
	if w.committed && !w.chunking {
		if w.req.Method == "HEAD" {
			return len(p), nil
		}
		if len(w.pending) > 0 {
			// Bytes held when the header was committed go first.
			w.emit(w.pending)
			w.pending = w.pending[:0]
		}
		return w.c.bufw.Write(p)
	}
	// Held like net/http's 2 KiB bufio.Writer in front of its chunk writer:
	// the header is committed with the first full buffer.
	n := 0
	for len(p) > cap(w.pending)-len(w.pending) {
		var m int
		if len(w.pending) == 0 && w.committed {
			m = len(p)
			w.emit(p)
		} else {
			m = copy(w.pending[len(w.pending):cap(w.pending)], p)
			w.pending = w.pending[:len(w.pending)+m]
			w.flushPending()
		}
		n += m
		p = p[m:]
		if w.c.werr != nil {
			return n, w.c.werr
		}
	}
	w.pending = append(w.pending, p...)
	return n + len(p), nil
}

// flushPending commits the header if needed and emits the held bytes.
func (w *response) flushPending() {
	if !w.committed {
		w.commit(w.pending)
	}
	if len(w.pending) > 0 {
		w.emit(w.pending)
		w.pending = w.pending[:0]
	}
}

// emit writes committed body bytes: a chunk, or as they are.
func (w *response) emit(p []byte) {
	if w.req.Method == "HEAD" || len(p) == 0 {
		return
	}
	bw := w.c.bufw
	if w.chunking {
		bw.Write(strconv.AppendInt(w.scratch[:0], int64(len(p)), 16))
		bw.WriteString("\r\n")
		bw.Write(p)
		bw.WriteString("\r\n")
		return
	}
	bw.Write(p)
}

// Flush sends what is held to the client.
func (w *response) Flush() { _ = w.FlushError() }

// FlushError sends what is held to the client and reports a write error.
func (w *response) FlushError() error {
	if w.c.hijacked {
		return http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.flushPending()
	if err := w.c.bufw.Flush(); err != nil {
		return err
	}
	return w.c.werr
}

// Hijack hands the connection to the handler (protocol switches).
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.handlerDone {
		panic("h1serve: Hijack called after ServeHTTP finished")
	}
	w.disableContinue()
	if w.wroteHeader {
		// As net/http: a status set before Hijack is sent; body bytes still
		// held are dropped.
		if !w.committed {
			w.commit(nil)
		}
		w.c.bufw.Flush()
	}
	w.pending = w.pending[:0]
	return w.c.hijack()
}

// SetReadDeadline sets the connection's read deadline (hygiene bounds the
// body read with it).
func (w *response) SetReadDeadline(t time.Time) error {
	cr := &w.c.cr
	cr.mu.Lock()
	defer cr.mu.Unlock()
	cr.handlerDeadline = true
	w.c.rdl = t
	return w.c.rwc.SetReadDeadline(t)
}

// SetWriteDeadline sets the connection's write deadline.
func (w *response) SetWriteDeadline(t time.Time) error {
	w.c.wdl = t
	return w.c.rwc.SetWriteDeadline(t)
}

// EnableFullDuplex is not supported: no caller in Bulwark reads a request
// body after writing its answer.
func (w *response) EnableFullDuplex() error { return http.ErrNotSupported }

// writeContinue sends "100 Continue" once, on the first body read.
func (w *response) writeContinue() {
	w.continueMu.Lock()
	if w.canContinue.Load() {
		w.c.bufw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
		w.c.bufw.Flush()
		w.canContinue.Store(false)
	}
	w.continueMu.Unlock()
}

func (w *response) disableContinue() {
	w.continueMu.Lock()
	w.canContinue.Store(false)
	w.continueMu.Unlock()
}

// finish completes the answer once the handler returned.
func (w *response) finish() {
	w.handlerDone = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.flushPending()
	if w.chunking {
		bw := w.c.bufw
		bw.WriteString("0\r\n")
		w.writeTrailers(bw)
		bw.WriteString("\r\n")
	}
	w.c.bufw.Flush()
	if w.body != nil && !w.closeAfterReply {
		// The header went out while the handler still ran: what it left of
		// the body is drained now, or the connection closes.
		if ok, _ := w.body.drain(); !ok {
			w.closeAfterReply = true
		}
	}
}

// writeTrailers writes the declared trailers and the TrailerPrefix keys as
// the handler left them.
func (w *response) writeTrailers(bw *bufio.Writer) {
	if !w.trailerHdr {
		return
	}
	line := w.hdr[:0]
	for k, vv := range w.header {
		if kk, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			for _, v := range vv {
				line = appendField(line[:0], kk, v)
				bw.Write(line)
			}
		}
	}
	for _, k := range w.trailers {
		for _, v := range w.header[k] {
			line = appendField(line[:0], k, v)
			bw.Write(line)
		}
	}
	w.hdr = line
}

// shouldReuse reports whether the connection can carry another request.
func (w *response) shouldReuse() bool {
	if w.closeAfterReply || w.c.werr != nil {
		return false
	}
	if w.req.Method != "HEAD" && w.contentLength != -1 && bodyAllowedForStatus(w.status) && w.contentLength != w.written {
		return false // fewer bytes than declared: the client would wait for the rest
	}
	return true
}

func bodyAllowedForStatus(status int) bool {
	switch {
	case status >= 100 && status <= 199, status == 204, status == 304:
		return false
	}
	return true
}

// appendField appends "k: v\r\n" as net/http's Header.Write does: an invalid
// name is skipped, CR and LF in the value become spaces, the value is trimmed.
func appendField(b []byte, k, v string) []byte {
	if !httpguts.ValidHeaderFieldName(k) {
		return b
	}
	b = append(b, k...)
	b = append(b, ':', ' ')
	v = trimString(v) // trimmed first: the CR and LF left are inner ones
	start := len(b)
	b = append(b, v...)
	for i := start; i < len(b); i++ {
		if b[i] == '\r' || b[i] == '\n' {
			b[i] = ' '
		}
	}
	return append(b, '\r', '\n')
}

// trimString trims ASCII space and tab and CR and LF (textproto.TrimString).
func trimString(s string) string {
	for len(s) > 0 && isASCIISpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isASCIISpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isASCIISpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func writeStatusLine(bw *bufio.Writer, is11 bool, code int, scratch []byte) {
	if is11 {
		bw.WriteString("HTTP/1.1 ")
	} else {
		bw.WriteString("HTTP/1.0 ")
	}
	if text := http.StatusText(code); text != "" {
		bw.Write(strconv.AppendInt(scratch, int64(code), 10))
		bw.WriteByte(' ')
		bw.WriteString(text)
		bw.WriteString("\r\n")
		return
	}
	code3 := strconv.Itoa(code)
	if len(code3) < 3 {
		code3 = strings.Repeat("0", 3-len(code3)) + code3
	}
	bw.WriteString(code3 + " status code " + strconv.Itoa(code) + "\r\n")
}
