package h1serve

import (
	"io"
	"net/http"
	"sync/atomic"
)

// body wraps the request body http.ReadRequest returned. It notes the end of
// the body (for the disconnect watcher and the decision to keep the
// connection), sends "100 Continue" on the first read when the client asked
// for it, and makes Close cheap: net/http's body would read the rest of an
// unbounded body on Close; the serving loop drains at most 256 KiB instead.
type body struct {
	inner  io.ReadCloser
	w      *response
	n      atomic.Int64
	sawEOF atomic.Bool
	closed atomic.Bool
}

// Read reads the body.
func (b *body) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.w.canContinue.Load() {
		b.w.writeContinue()
	}
	n, err := b.inner.Read(p)
	b.n.Add(int64(n))
	if err == io.EOF && !b.sawEOF.Swap(true) {
		b.w.c.cr.bodyEnded()
	}
	return n, err
}

// Close makes later reads fail; what is left is drained (bounded) or the
// connection closed after the answer.
func (b *body) Close() error {
	b.closed.Store(true)
	return nil
}

// drain reads what the handler left of the body, at most
// maxPostHandlerReadBytes, and reports whether the body ended cleanly (the
// connection can carry another request).
func (b *body) drain() (ok, tooBig bool) {
	if b.sawEOF.Load() {
		return true, false
	}
	if cl := b.w.req.ContentLength; cl > 0 && cl-b.n.Load() >= maxPostHandlerReadBytes {
		return false, true
	}
	_, err := io.CopyN(io.Discard, b.inner, maxPostHandlerReadBytes+1)
	switch err {
	case nil:
		return false, true
	case io.EOF:
		b.sawEOF.Store(true)
		return true, false
	}
	return false, false // a read error or a corrupt chunked body
}
