package h1serve

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// commit writes the status line and header to the connection's buffer,
// deciding the framing as net/http's chunkWriter.writeHeader does. p is the
// start of the body (sniffed for a Content-Type when none is set; its length
// is the Content-Length when the handler has returned).
func (w *response) commit(p []byte) {
	w.committed = true
	c := w.c
	keepAlives := !c.srv.closing.Load()
	isHEAD := w.req.Method == "HEAD"
	bodyOK := bodyAllowedForStatus(w.status)
	hasTE := w.te != ""
	var autoCL bool
	var setConn string
	keepConnLines := true

	// A handler that returned with its whole body held gets a Content-Length,
	// even 0 (HTTP/1.0 keep-alive depends on it); not for HEAD without a body
	// (the handler may not have written what a GET would carry).
	if w.handlerDone && !w.trailerHdr && !hasTE && bodyOK && w.clValue == "" && (!isHEAD || len(p) > 0) {
		w.contentLength = int64(len(p))
		autoCL = true
	}
	if w.wants10KeepAlive && keepAlives && w.clValue != "" && w.conn0 == "keep-alive" {
		w.closeAfterReply = false
	}
	hasCL := w.contentLength != -1
	if w.wants10KeepAlive && (isHEAD || hasCL || !bodyOK) {
		if !w.haveConn {
			setConn = "keep-alive"
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
	if w.req.ContentLength != 0 && !w.closeAfterReply && w.body != nil && !(w.expect100 && w.body.sawEOF.Load()) {
		ok, tooBig := w.body.drain()
		if ok && !w.handlerDone {
			// As net/http: the body, read to its end here, is closed; the
			// handler's later reads fail.
			w.body.closed.Store(true)
		}
		switch {
		case tooBig:
			w.closeAfterReply = true
			keepConnLines = false
			setConn = "close"
		case !ok:
			w.closeAfterReply = true
		}
	}
	var contentType string
	if bodyOK && !w.haveCT && !w.haveCE && !hasTE && len(p) > 0 {
		contentType = http.DetectContentType(p)
	}
	if hasCL && hasTE && w.te != "identity" {
		c.srv.logf("h1serve: WriteHeader called with both Transfer-Encoding and Content-Length")
		hasCL = false
		w.clValue = ""
		autoCL = false
	}
	writeTE := false
	switch {
	case isHEAD || !bodyOK:
	case hasCL:
	case w.req.ProtoAtLeast(1, 1):
		if hasTE && w.te == "identity" {
			w.closeAfterReply = true
		} else {
			w.chunking = true
			writeTE = hasTE && w.te != "chunked" // a coding of the handler's own, before chunked
		}
	default:
		w.closeAfterReply = true // HTTP/1.0 without a length: the close ends the body
	}
	if w.closeAfterReply && (!keepAlives || !hasToken(w.conn0, "close")) && !w.isProtocolSwitch() {
		keepConnLines = false
		if w.req.ProtoAtLeast(1, 1) {
			setConn = "close"
		}
	}

	bw := c.bufw
	writeStatusLine(bw, w.req.ProtoAtLeast(1, 1), w.status, w.scratch[:0])
	bw.Write(w.hdr)
	if keepConnLines {
		bw.Write(w.connLines)
	}
	if writeTE {
		bw.Write(w.teLines)
	}
	if !w.haveDate {
		bw.WriteString("Date: ")
		bw.Write(c.srv.date())
		bw.WriteString("\r\n")
	}
	switch {
	case !bodyOK || w.chunking:
	case autoCL:
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(w.scratch[:0], w.contentLength, 10))
		bw.WriteString("\r\n")
	case w.clValue != "":
		bw.WriteString("Content-Length: ")
		bw.WriteString(trimString(w.clValue))
		bw.WriteString("\r\n")
	}
	if contentType != "" {
		bw.WriteString("Content-Type: ")
		bw.WriteString(contentType)
		bw.WriteString("\r\n")
	}
	if setConn != "" {
		bw.WriteString("Connection: ")
		bw.WriteString(setConn)
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
