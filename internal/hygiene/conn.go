package hygiene

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-gw/bulwark/internal/httperr"
)

// Request smuggling on the wire. Given Content-Length and Transfer-Encoding:
// chunked together, Go's server deletes Content-Length and frames by chunked
// (net/http fixLength), keeping the connection open; no handler can tell. RFC
// 9112 §6.1 says such a message ought to be handled as an error and the
// connection closed, because a front proxy that framed by Content-Length reads
// the rest of the stream differently. NewFramingListener follows the framing of
// every request on the bytes the server reads and refuses such requests itself.

const (
	// headerSlack is what Go's server may read of a header block beyond
	// MaxHeaderBytes: its own 4 KiB allowance plus a 4 KiB bufio buffer that can
	// already hold the block's start. A longer block is always refused by Go (431).
	headerSlack = 8 << 10
	// refuseWriteTimeout bounds the write of the 400 to a client that does not read.
	refuseWriteTimeout = 5 * time.Second
	// lingerTimeout and lingerMaxBytes bound how long and how much of the client's
	// unread input is drained after the 400, so that closing with unread data does
	// not send a TCP RST that destroys the 400 before the client reads it.
	lingerTimeout  = 500 * time.Millisecond
	lingerMaxBytes = 256 << 10
	// fillerByte is handed to the server in place of a refused request (see
	// framingConn.pending). It is neither CR nor LF, so it can never complete a
	// header block, and NUL is invalid everywhere in a request head.
	fillerByte = 0
)

// NewFramingListener wraps ln, a plain-text HTTP/1.x listener, so that the
// framing of every request is followed on the bytes the http.Server reads, in
// place in its buffer and without allocating. A request whose head has
// Content-Length together with Transfer-Encoding (any case, any whitespace), a
// Transfer-Encoding other than one "chunked", Transfer-Encoding on HTTP/1.0,
// malformed or conflicting Content-Length values, whitespace before the colon
// of those names, or an obs-fold line (RFC 9112 §5.2 allows refusing it; it
// hides framing headers from parsers that do not unfold) never reaches the
// server: once the server has answered every earlier request on the connection,
// the client gets a 400 "bad_framing" problem with Connection: close, Read
// returns io.EOF, the server's later writes are discarded and the connection
// closes.
//
// maxHeaderBytes is the server's MaxHeaderBytes (0 means Go's default). A head
// longer than Go could accept is not inspected further: Go refuses it (431).
//
// What cannot be parsed as an HTTP/1.x request head (the h2c preface, another
// version, a bad method, name or request line) switches inspection off for the
// connection and passes bytes through untouched. That is safe because Go's own
// parser is stricter still: it refuses such a request and closes the connection,
// and the only exception, the h2c preface, leaves HTTP/1 for good. A chunked
// body Go would refuse ends the stream there instead (fail closed: Go closes
// after a corrupt body, but not with ResponseController.EnableFullDuplex).
//
// Inspection continues after a request with Upgrade: stopping there would let
// any client switch it off with a made-up Upgrade header. After a real switch
// the client's bytes (masked WebSocket frames, the HTTP/2 preface) fail the
// request-line parse on their first bytes and pass through.
func NewFramingListener(ln net.Listener, maxHeaderBytes int) net.Listener {
	if maxHeaderBytes <= 0 {
		maxHeaderBytes = http.DefaultMaxHeaderBytes
	}
	return &framingListener{Listener: ln, limit: maxHeaderBytes + headerSlack}
}

type framingListener struct {
	net.Listener
	limit int
}

// Accept wraps each accepted connection.
func (l *framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &framingConn{Conn: c, f: framer{limit: l.limit}}, nil
}

type connMode uint8

const (
	modeInspect connMode = iota
	modePass             // inspection off: bytes pass untouched
	modePending          // a request is refused; the 400 waits for the server's turn
	modeDone             // the stream has ended for the server
)

// framingConn is one inspected connection. mode, f and filled are used by Read
// only, which http.Server never calls concurrently; refused is shared with Write.
type framingConn struct {
	net.Conn
	f       framer
	mode    connMode
	filled  bool        // the one filler byte for a background read was handed out
	refused atomic.Bool // the 400 is written; later writes are discarded
	linger  sync.Once
}

// Read reads from the connection and follows the framing of what it read.
func (c *framingConn) Read(p []byte) (int, error) {
	switch c.mode {
	case modePass:
		return c.Conn.Read(p)
	case modePending:
		return c.pending(p)
	case modeDone:
		return 0, io.EOF
	}
	n, err := c.Conn.Read(p)
	if n <= 0 {
		return n, err
	}
	k, v := c.f.feed(p[:n])
	switch v {
	case outPass:
		c.mode = modePass
	case outSever:
		c.mode = modeDone
		if k == 0 {
			return 0, io.EOF
		}
		return k, nil
	case outRefuse:
		c.mode = modePending
		if c.f.start > 0 {
			return c.f.start, nil // the earlier requests' bytes; the refused one's never
		}
		return c.pending(p)
	}
	return n, err
}

// pending runs once a request is refused. Its bytes are withheld, and the 400
// must follow the responses to the requests before it. Go's server reads ahead
// while a handler runs: a "background read" of exactly one byte, at most one per
// request, whose error would cancel that handler's context. So a one-byte read
// gets one filler byte (joining the withheld head, it can never complete it);
// the next read can only come from the server's loop reading the next request,
// after every earlier response was flushed: that read writes the 400 and ends
// the stream.
func (c *framingConn) pending(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if len(p) == 1 && !c.filled {
		c.filled = true
		p[0] = fillerByte
		return 1, nil
	}
	c.mode = modeDone
	if !c.refused.Swap(true) {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(refuseWriteTimeout))
		_, _ = c.Conn.Write(refusalResponse(c.f.why))
	}
	return 0, io.EOF
}

// Write writes to the connection, or discards p once the 400 is written: the
// server's own error answer to the truncated request must not follow it.
func (c *framingConn) Write(p []byte) (int, error) {
	if c.refused.Load() {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// Close closes the connection, after a refusal first draining the client's
// unread input for a bounded time (see lingerTimeout).
func (c *framingConn) Close() error {
	if c.refused.Load() {
		c.linger.Do(c.drain)
	}
	return c.Conn.Close()
}

// CloseWrite half-closes the connection when the underlying one can; Go's
// server uses it before closing after a 431.
func (c *framingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *framingConn) drain() {
	_ = c.CloseWrite()
	_ = c.Conn.SetReadDeadline(time.Now().Add(lingerTimeout))
	buf := make([]byte, 4<<10)
	for total := 0; total < lingerMaxBytes; {
		n, err := c.Conn.Read(buf)
		total += n
		if err != nil {
			return
		}
	}
}

// refusalResponse renders the refusal as httperr.Write does and frames it as a
// complete HTTP/1.1 response. It runs only when a request is refused.
func refusalResponse(why refusal) []byte {
	var w problemRecorder
	httperr.Write(&w, "", badFraming(why.detail()))
	w.h.Set("Content-Length", strconv.Itoa(len(w.body)))
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(w.status) + " " + http.StatusText(w.status) + "\r\n")
	_ = w.h.Write(&b)
	b.WriteString("\r\n")
	b.Write(w.body)
	return b.Bytes()
}

// problemRecorder is the minimal http.ResponseWriter refusalResponse renders into.
type problemRecorder struct {
	h      http.Header
	status int
	body   []byte
}

func (w *problemRecorder) Header() http.Header {
	if w.h == nil {
		w.h = make(http.Header)
	}
	return w.h
}

func (w *problemRecorder) WriteHeader(status int) { w.status = status }

func (w *problemRecorder) Write(p []byte) (int, error) {
	w.body = append(w.body, p...)
	return len(p), nil
}

// refusal says why a request's framing is refused.
type refusal uint8

const (
	refuseNone refusal = iota
	refuseConflict
	refuseTE
	refuseTE10
	refuseCL
	refuseCLConflict
	refuseObsFold
	refuseNameSpace
)

func (r refusal) detail() string {
	switch r {
	case refuseTE:
		return "Only one transfer coding, chunked, is accepted."
	case refuseTE10:
		return "Transfer-Encoding is not accepted on HTTP/1.0 requests."
	case refuseCL:
		return "Content-Length must be a single decimal number."
	case refuseCLConflict:
		return "Content-Length values conflict."
	case refuseObsFold:
		return "Header fields folded across lines (obs-fold) are not accepted."
	case refuseNameSpace:
		return "Whitespace between a framing header's name and colon is not accepted."
	}
	return "The request has conflicting Content-Length and Transfer-Encoding headers."
}

// outcome is what feed decided about the bytes it was given.
type outcome uint8

const (
	outMore   outcome = iota // all bytes followed; keep going
	outPass                  // not HTTP/1.x as Go accepts it: stop inspecting
	outRefuse                // bad framing: refuse the current request (framer.why)
	outSever                 // a body Go would refuse: end the stream before it
)

// phase is where the framer is in the request stream.
type phase uint8

const (
	phStart       phase = iota // before a request line; CR and LF skipped (RFC 9112 §2.2)
	phRequestLine              // header phases, counted against the limit: from here …
	phLineStart
	phLineCR
	phName
	phValue
	phCLValue
	phTEValue // … to here
	phBody    // Content-Length body
	phChunkSize
	phChunkExt
	phChunkLF
	phChunkData
	phChunkCR
	phChunkDataLF
	phTrailerStart
	phTrailerCR
	phTrailerLine
)

const (
	nameCL = "content-length"
	nameTE = "transfer-encoding"
	candCL = 1
	candTE = 2
	// Content-Length value sub-states; a Transfer-Encoding value uses vs as its
	// index into "chunked", then teTrail.
	vsLead   = 0
	vsDigits = 1
	vsTrail  = 2
	teTrail  = len("chunked") + 1
	maxCL    = 1<<63 - 1 // Go parses Content-Length with strconv.ParseUint(s, 10, 63)
)

// framer follows HTTP/1.x request framing byte by byte, holding no bytes: a
// head, a split across reads at any byte, costs no copy. It accepts at least
// everything Go's server accepts and frames it as Go does (net/http readRequest,
// textproto readMIMEHeader, internal/chunked); where it is laxer, Go refuses the
// request and closes the connection.
type framer struct {
	limit int // header bytes inspected per request
	ph    phase
	n     int     // header bytes of the current request so far
	start int     // where the current request began in the buffer being fed (0: earlier)
	why   refusal // set with outRefuse

	spaces  int // request line: spaces seen (the version follows the second)
	methodN int
	ver     [8]byte
	verN    int
	verCR   bool // the last version byte was CR
	http10  bool

	cand  uint8 // framing names the field name being read may still be
	nameN int
	clN   int    // Content-Length fields seen
	cl    uint64 // their value
	te    bool   // Transfer-Encoding seen
	num   uint64 // Content-Length value being read
	vs    int

	remain uint64 // body or chunk-data bytes left
	hexN   int
}

// feed follows b, the bytes just read. On an outcome other than outMore, the
// int is the index of the byte that decided it (for outSever, the bytes
// before it may be delivered); f.start then tells where a refused request began.
func (f *framer) feed(b []byte) (int, outcome) {
	f.start = 0
	for i := 0; i < len(b); {
		var j int
		var v outcome
		if f.ph >= phRequestLine && f.ph <= phTEValue {
			end := len(b)
			if budget := f.limit - f.n + 1; budget < end-i {
				end = i + budget // so the limit trips at the same byte however b is split
			}
			j, v = f.head(b[:end], i)
			f.n += j - i
			if v == outMore && f.n > f.limit {
				return j - 1, outPass // Go refuses a head this long itself (431)
			}
		} else {
			j, v = f.body(b, i)
		}
		if v != outMore {
			return j, v
		}
		i = j
	}
	return len(b), outMore
}

func (f *framer) refuse(r refusal) outcome {
	f.why = r
	return outRefuse
}

// begin starts a request at b[i].
func (f *framer) begin(i int) {
	*f = framer{limit: f.limit, ph: phRequestLine, start: i}
}

// head follows the request line and header fields from b[i].
func (f *framer) head(b []byte, i int) (int, outcome) {
	switch f.ph {
	case phRequestLine:
		return f.requestLine(b, i)
	case phLineStart:
		switch b[i] {
		case '\r':
			f.ph = phLineCR
			return i + 1, outMore
		case '\n':
			return f.endHead(i + 1)
		case ' ', '\t':
			return i, f.refuse(refuseObsFold)
		}
		f.ph, f.cand, f.nameN = phName, candCL|candTE, 0
		return f.name(b, i)
	case phLineCR:
		if b[i] == '\n' {
			return f.endHead(i + 1)
		}
		return i, outPass // a line starting with CR: Go refuses the name
	case phName:
		return f.name(b, i)
	case phValue:
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return len(b), outMore
		}
		f.ph = phLineStart
		return i + j + 1, outMore
	case phCLValue:
		return f.clValue(b, i)
	}
	return f.teValue(b, i)
}

// requestLine follows "method SP target SP version" up to LF. Like Go, the
// version is everything after the second space; the line may end in LF alone.
func (f *framer) requestLine(b []byte, i int) (int, outcome) {
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\n':
			if v := f.endRequestLine(); v != outMore {
				return i, v
			}
			return i + 1, outMore
		case f.spaces == 2:
			if f.verN < len(f.ver) {
				f.ver[f.verN] = c
			}
			f.verN++
			f.verCR = c == '\r'
		case c == ' ':
			if f.spaces == 0 && f.methodN == 0 {
				return i, outPass // empty method: Go refuses it
			}
			f.spaces++
		case f.spaces == 0:
			if !isTchar(c) {
				return i, outPass // not a method: Go refuses it (also WebSocket frames)
			}
			f.methodN++
		}
	}
	return i, outMore
}

func (f *framer) endRequestLine() outcome {
	n := f.verN
	if f.verCR {
		n-- // bufio.Reader.ReadLine drops one CR before LF
	}
	v := f.ver
	if n != len(v) || string(v[:5]) != "HTTP/" || v[6] != '.' || v[7] < '0' || v[7] > '9' {
		return outPass // Go answers 400 (or 505 below)
	}
	if v[5] != '1' {
		return outPass // the h2c preface "PRI * HTTP/2.0", or a version Go refuses
	}
	f.http10 = v[7] == '0'
	f.ph = phLineStart
	return outMore
}

// name follows a field name up to its colon.
func (f *framer) name(b []byte, i int) (int, outcome) {
	for ; i < len(b); i++ {
		c := b[i]
		if c == ':' {
			if v := f.endName(); v != outMore {
				return i, v
			}
			return i + 1, outMore
		}
		if !isTchar(c) {
			if (c == ' ' || c == '\t') && f.field() != 0 {
				// "Transfer-Encoding : chunked" (RFC 9112 §5.1: MUST be refused).
				return i, f.refuse(refuseNameSpace)
			}
			return i, outPass // Go refuses the header name
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if f.cand&candCL != 0 && (f.nameN >= len(nameCL) || nameCL[f.nameN] != c) {
			f.cand &^= candCL
		}
		if f.cand&candTE != 0 && (f.nameN >= len(nameTE) || nameTE[f.nameN] != c) {
			f.cand &^= candTE
		}
		f.nameN++
	}
	return i, outMore
}

// field returns candCL or candTE when the name read so far is that name, else 0.
func (f *framer) field() uint8 {
	switch {
	case f.cand&candCL != 0 && f.nameN == len(nameCL):
		return candCL
	case f.cand&candTE != 0 && f.nameN == len(nameTE):
		return candTE
	}
	return 0
}

func (f *framer) endName() outcome {
	switch f.field() {
	case candCL:
		if f.te {
			return f.refuse(refuseConflict)
		}
		f.clN++
		f.num, f.vs, f.ph = 0, vsLead, phCLValue
	case candTE:
		switch {
		case f.clN > 0:
			return f.refuse(refuseConflict)
		case f.te:
			return f.refuse(refuseTE)
		case f.http10:
			return f.refuse(refuseTE10) // RFC 9112 §6.1: faulty framing
		}
		f.te = true
		f.vs, f.ph = 0, phTEValue
	default:
		f.ph = phValue
	}
	return outMore
}

// clValue follows a Content-Length value: OWS digits OWS (a CR before LF included).
func (f *framer) clValue(b []byte, i int) (int, outcome) {
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\n':
			switch {
			case f.vs == vsLead:
				return i, f.refuse(refuseCL)
			case f.clN > 1 && f.num != f.cl:
				return i, f.refuse(refuseCLConflict)
			}
			f.cl, f.ph = f.num, phLineStart
			return i + 1, outMore
		case '0' <= c && c <= '9' && f.vs != vsTrail:
			d := uint64(c - '0')
			if f.num > (maxCL-d)/10 {
				return i, f.refuse(refuseCL)
			}
			f.num, f.vs = f.num*10+d, vsDigits
		case c == ' ' || c == '\t' || c == '\r':
			if f.vs == vsDigits {
				f.vs = vsTrail
			}
		default:
			return i, f.refuse(refuseCL)
		}
	}
	return i, outMore
}

// teValue follows a Transfer-Encoding value, which must be OWS "chunked" OWS.
func (f *framer) teValue(b []byte, i int) (int, outcome) {
	const word = "chunked"
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\n':
			if f.vs < len(word) {
				return i, f.refuse(refuseTE)
			}
			f.ph = phLineStart
			return i + 1, outMore
		case c == ' ' || c == '\t' || c == '\r':
			switch f.vs {
			case 0, teTrail:
			case len(word):
				f.vs = teTrail
			default:
				return i, f.refuse(refuseTE)
			}
		default:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if f.vs >= len(word) || word[f.vs] != c {
				return i, f.refuse(refuseTE)
			}
			f.vs++
		}
	}
	return i, outMore
}

// endHead ends the header block; the body follows at b[i].
func (f *framer) endHead(i int) (int, outcome) {
	switch {
	case f.te:
		f.ph, f.remain, f.hexN = phChunkSize, 0, 0
	case f.cl > 0:
		f.ph, f.remain = phBody, f.cl
	default:
		f.ph = phStart // no Content-Length, no Transfer-Encoding: no body
	}
	return i, outMore
}

// body skips bodies and leading CRLFs, and follows chunked framing.
func (f *framer) body(b []byte, i int) (int, outcome) {
	switch f.ph {
	case phStart:
		for ; i < len(b) && (b[i] == '\r' || b[i] == '\n'); i++ {
		}
		if i < len(b) {
			f.begin(i)
		}
		return i, outMore
	case phBody, phChunkData:
		n := min(uint64(len(b)-i), f.remain)
		f.remain -= n
		if f.remain == 0 {
			if f.ph == phBody {
				f.ph = phStart
			} else {
				f.ph = phChunkCR
			}
		}
		return i + int(n), outMore
	case phChunkSize:
		return f.chunkSize(b, i)
	case phChunkExt, phTrailerLine:
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return len(b), outMore
		}
		if f.ph == phTrailerLine {
			f.ph = phTrailerStart
			return i + j + 1, outMore
		}
		return f.endChunkLine(i + j + 1)
	case phChunkLF:
		if b[i] != '\n' {
			return i, outSever // a CR inside the chunk-size line
		}
		return f.endChunkLine(i + 1)
	}
	return f.crlf(b, i)
}

// crlf follows the CRLF after chunk data and the lines of the trailer section.
func (f *framer) crlf(b []byte, i int) (int, outcome) {
	c := b[i]
	switch f.ph {
	case phChunkCR, phChunkDataLF:
		want, next := byte('\r'), phChunkDataLF
		if f.ph == phChunkDataLF {
			want, next = '\n', phChunkSize
		}
		if c != want {
			return i, outSever // Go: "malformed chunked encoding"
		}
		f.ph, f.remain, f.hexN = next, 0, 0
		return i + 1, outMore
	case phTrailerStart:
		switch c {
		case '\r':
			f.ph = phTrailerCR
			return i + 1, outMore
		case '\n':
			f.ph = phStart
			return i + 1, outMore
		}
	case phTrailerCR:
		if c == '\n' {
			f.ph = phStart // the empty line ends the trailer section and the request
			return i + 1, outMore
		}
	}
	f.ph = phTrailerLine
	return i, outMore
}

// chunkSize follows the hex digits of a chunk-size line. Go requires 1 to 16
// of them, then OWS or ";" and extensions, then CRLF with no other CR.
func (f *framer) chunkSize(b []byte, i int) (int, outcome) {
	for ; i < len(b); i++ {
		h, ok := unhex(b[i])
		if !ok {
			break
		}
		if f.hexN == 16 {
			return i, outSever
		}
		f.remain = f.remain<<4 | h
		f.hexN++
	}
	if i == len(b) {
		return i, outMore
	}
	switch {
	case f.hexN == 0, b[i] == '\n':
		return i, outSever // no size, or a bare LF Go refuses
	case b[i] == '\r':
		f.ph = phChunkLF
	default:
		f.ph = phChunkExt
	}
	return i + 1, outMore
}

func (f *framer) endChunkLine(i int) (int, outcome) {
	if f.remain == 0 {
		f.ph = phTrailerStart // the last chunk
	} else {
		f.ph = phChunkData
	}
	return i, outMore
}

func unhex(c byte) (uint64, bool) {
	switch {
	case '0' <= c && c <= '9':
		return uint64(c - '0'), true
	case 'a' <= c && c <= 'f':
		return uint64(c - 'a' + 10), true
	case 'A' <= c && c <= 'F':
		return uint64(c - 'A' + 10), true
	}
	return 0, false
}
