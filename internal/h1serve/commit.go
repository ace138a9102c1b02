package h1serve

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// framing is what commit decided beyond the handler's header.
type framing struct {
	bodyOK        bool   // the status allows a body
	keepAlives    bool   // the server is not shutting down
	autoCL        bool   // write the computed Content-Length
	keepConnLines bool   // write the handler's Connection lines
	writeTE       bool   // write the handler's Transfer-Encoding lines
	setConn       string // a Connection value of the server's own
	contentType   string // sniffed
}

// commit writes the status line and header to the connection's buffer,
// deciding the framing as net/http's chunkWriter.writeHeader does. p is the
// start of the body (sniffed for a Content-Type when none is set; its length
// is the Content-Length when the handler has returned).
func (w *response) commit(p []byte) {
	w.committed = true
	f := framing{keepConnLines: true, bodyOK: bodyAllowedForStatus(w.status), keepAlives: !w.c.srv.closing.Load()}
	w.decideConnection(p, &f)
	w.decideTransfer(p, &f)
	w.writeHead(&f)
}

// decideConnection computes a Content-Length when it can and decides
// whether the connection closes after the answer; it drains what the
// handler left of the body.
func (w *response) decideConnection(p []byte, f *framing) {
	keepAlives, bodyOK := f.keepAlives, f.bodyOK
	isHEAD := w.req.Method == "HEAD"
	// A handler that returned with its whole body held gets a Content-Length,
	// even 0 (HTTP/1.0 keep-alive depends on it); not for HEAD without a body
	// (the handler may not have written what a GET would carry).
	if w.handlerDone && !w.trailerHdr && w.te == "" && bodyOK && w.clValue == "" && (!isHEAD || len(p) > 0) {
		w.contentLength = int64(len(p))
		f.autoCL = true
	}
	if w.wants10KeepAlive && keepAlives && w.clValue != "" && w.conn0 == "keep-alive" {
		w.closeAfterReply = false
	}
	if w.wants10KeepAlive && (isHEAD || w.contentLength != -1 || !bodyOK) {
		if !w.haveConn {
			f.setConn = "keep-alive"
		}
	} else if !w.req.ProtoAtLeast(1, 1) || w.wantsClose {
		w.closeAfterReply = true
	}
	if w.conn0 == "close" || !keepAlives {
		w.closeAfterReply = true
	}
	// "100 Continue" never sent and the body not read: the client may still
	// be deciding whether to send it; do not reuse the connection.
	if w.expect100 && w.body != nil && !w.body.sawEOF.Load() {
		w.closeAfterReply = true
	}
	// A client that sends its whole request before reading the answer would
	// deadlock on a body nobody reads: drain it (bounded) before answering.
	if w.req.ContentLength == 0 || w.closeAfterReply || w.body == nil || (w.expect100 && w.body.sawEOF.Load()) {
		return
	}
	ok, tooBig := w.body.drain()
	if ok && !w.handlerDone {
		// As net/http: the body, read to its end here, is closed; the
		// handler's later reads fail.
		w.body.closed.Store(true)
	}
	switch {
	case tooBig:
		w.closeAfterReply = true
		f.keepConnLines = false
		f.setConn = "close"
	case !ok:
		w.closeAfterReply = true
	}
}

// decideTransfer picks Content-Length, chunked or close-delimited framing,
// sniffs a missing Content-Type, and says "Connection: close" when closing.
func (w *response) decideTransfer(p []byte, f *framing) {
	bodyOK := f.bodyOK
	hasTE := w.te != ""
	hasCL := w.contentLength != -1
	if bodyOK && !w.haveCT && !w.haveCE && !hasTE && len(p) > 0 {
		f.contentType = http.DetectContentType(p)
	}
	if hasCL && hasTE && w.te != "identity" {
		w.c.srv.logf("h1serve: WriteHeader called with both Transfer-Encoding and Content-Length")
		hasCL = false
		w.clValue = ""
		f.autoCL = false
	}
	switch {
	case w.req.Method == "HEAD" || !bodyOK:
	case hasCL:
	case w.req.ProtoAtLeast(1, 1):
		if hasTE && w.te == "identity" {
			w.closeAfterReply = true
		} else {
			w.chunking = true
			f.writeTE = hasTE && w.te != "chunked" // a coding of the handler's own, before chunked
		}
	default:
		w.closeAfterReply = true // HTTP/1.0 without a length: the close ends the body
	}
	if w.closeAfterReply && (!f.keepAlives || !hasToken(w.conn0, "close")) && !w.isProtocolSwitch() {
		f.keepConnLines = false
		if w.req.ProtoAtLeast(1, 1) {
			f.setConn = "close"
		}
	}
}

// writeHead writes the status line, the captured header and the framing
// fields.
func (w *response) writeHead(f *framing) {
	bw := w.c.bufw
	writeStatusLine(bw, w.req.ProtoAtLeast(1, 1), w.status, w.scratch[:0])
	bw.Write(w.hdr)
	if f.keepConnLines {
		bw.Write(w.connLines)
	}
	if f.writeTE {
		bw.Write(w.teLines)
	}
	if !w.haveDate {
		bw.WriteString("Date: ")
		bw.Write(w.c.srv.date())
		bw.WriteString("\r\n")
	}
	switch {
	case !f.bodyOK || w.chunking:
	case f.autoCL:
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(w.scratch[:0], w.contentLength, 10))
		bw.WriteString("\r\n")
	case w.clValue != "":
		bw.WriteString("Content-Length: ")
		bw.WriteString(trimString(w.clValue))
		bw.WriteString("\r\n")
	}
	if f.contentType != "" {
		bw.WriteString("Content-Type: ")
		bw.WriteString(f.contentType)
		bw.WriteString("\r\n")
	}
	if f.setConn != "" {
		bw.WriteString("Connection: ")
		bw.WriteString(f.setConn)
		bw.WriteString("\r\n")
	}
	if w.chunking {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	bw.WriteString("\r\n")
}

// isProtocolSwitch reports a 101 that switches (its Connection stays).
func (w *response) isProtocolSwitch() bool {
	return w.status == http.StatusSwitchingProtocols && w.upgrade &&
		httpguts.HeaderValuesContainsToken(w.header["Connection"], "Upgrade")
}

// dateCache holds the Date value of one second.
type dateCache struct {
	sec int64
	b   []byte
}

var lastDate atomic.Pointer[dateCache]

// date returns the current Date header value, formatted once a second.
func (s *Server) date() []byte {
	now := time.Now()
	sec := now.Unix()
	if d := lastDate.Load(); d != nil && d.sec == sec {
		return d.b
	}
	d := &dateCache{sec: sec, b: now.UTC().AppendFormat(make([]byte, 0, 29), http.TimeFormat)}
	lastDate.Store(d)
	return d.b
}
