package proxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
)

// bodyWatch wraps the outgoing request body to remember how reading the
// client's body ended. The transport reads it on its own goroutine and may hide
// a client-side error behind its own, so the error handler asks the watch.
//
// Close does not close the client's body (the server does, when the handler
// returns; closing it early would hang a 100-continue request that is still
// waiting for its body) but makes every later Read fail: the transport's
// writer may outlive Forward, and must not read a body net/http has recycled.
type bodyWatch struct {
	rc     io.ReadCloser
	err    atomic.Pointer[error]
	done   atomic.Bool // EOF seen: the client body was read completely
	closed atomic.Bool
}

// Read reads from the client body and records a failure.
func (b *bodyWatch) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, http.ErrBodyReadAfterClose
	}
	n, err := b.rc.Read(p)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		b.done.Store(true)
	case errors.Is(err, http.ErrBodyReadAfterClose):
		// The transport closed the body after its own failure; not the client's.
	default:
		b.err.CompareAndSwap(nil, &err)
	}
	return n, err
}

// Close ends reading; see bodyWatch.
func (b *bodyWatch) Close() error {
	b.closed.Store(true)
	return nil
}

// clientErr returns the first error reading the client body, or nil.
func (b *bodyWatch) clientErr() error {
	if b == nil {
		return nil
	}
	if p := b.err.Load(); p != nil {
		return *p
	}
	return nil
}

// complete reports whether the client body was read to its end (true when
// there was no body).
func (b *bodyWatch) complete() bool { return b == nil || b.done.Load() }

// isTimeout reports whether err is a deadline or timeout.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isDialError reports whether err happened while connecting: nothing was sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
