package h1serve

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// connReader sits between the connection and its bufio.Reader. It bounds the
// request head (remain) and runs the disconnect watcher.
//
// The watcher: http.Server starts a one-byte "background read" on every
// request once its body is read, and aborts it (a deadline in the past, then
// a wait) when the handler returns — two goroutine handshakes and four
// deadline changes per request, whether or not the client ever leaves. Here
// one goroutine per Server ticks every Server.DisconnectCheckDelay and starts
// that read only on connections whose request has run through a whole tick
// (and whose body is read); a request pays a counter increment and an
// uncontended lock. The trade-off: a client that goes away is noticed after
// one to two delays, not at once. The read is one byte, like net/http's
// (hygiene's framing listener relies on that size): a byte that arrives (a
// pipelined request) is kept and handed back first.
type connReader struct {
	c      *conn
	remain int64 // bytes left for the request head

	bodyDone atomic.Bool   // the request body was read to its end (or there is none)
	seq      atomic.Uint64 // requests started; the ticker compares it between ticks
	running  atomic.Bool   // a request's handler runs
	tickSeq  uint64        // seq at the last tick (the ticker's own)

	mu       sync.Mutex
	cond     sync.Cond
	watching bool            // a request is running
	pending  bool            // the delay passed before the body was read
	ctx      *requestContext // the running request's
	inRead   bool            // the background read is running
	aborted  bool
	hasByte  bool
	byteBuf  [1]byte
	// handlerDeadline: the handler set a read deadline, which the watcher
	// keeps; otherwise it clears the one in place (cleared) before reading.
	handlerDeadline bool
	cleared         bool
}

// Read reads for the bufio.Reader: never while the background read runs
// (the serving loop ends it first; a handler only reads a body not yet read
// to its end).
func (cr *connReader) Read(p []byte) (int, error) {
	if cr.remain <= 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > cr.remain {
		p = p[:cr.remain]
	}
	if cr.hasByte {
		cr.mu.Lock()
		if cr.hasByte {
			p[0] = cr.byteBuf[0]
			cr.hasByte = false
			cr.mu.Unlock()
			return 1, nil
		}
		cr.mu.Unlock()
	}
	n, err := cr.c.rwc.Read(p)
	cr.remain -= int64(n)
	if err != nil {
		// A broken connection (or an expired body deadline) cancels the
		// request, as in net/http.
		cr.cancelRequest()
	}
	return n, err
}

// startRequest arms the watcher for a request whose context is ctx.
func (cr *connReader) startRequest(ctx *requestContext) {
	cr.seq.Add(1)
	cr.running.Store(true)
	cr.mu.Lock()
	cr.watching, cr.pending, cr.ctx = true, false, ctx
	cr.handlerDeadline = false
	if cr.c.srv.DisconnectCheckDelay < 0 {
		cr.pending = true
		cr.maybeWatchLocked()
	}
	cr.mu.Unlock()
}

// tick is called by the server's watch loop: a request that was already
// running at the previous tick has run for the delay.
func (cr *connReader) tick() {
	seq := cr.seq.Load()
	if cr.running.Load() && seq == cr.tickSeq {
		cr.fire()
	}
	cr.tickSeq = seq
}

// fire runs when a request has run for the delay.
func (cr *connReader) fire() {
	cr.mu.Lock()
	if cr.watching {
		cr.pending = true
		cr.maybeWatchLocked()
	}
	cr.mu.Unlock()
}

// bodyEnded is called when the handler read the body to its end.
func (cr *connReader) bodyEnded() {
	cr.bodyDone.Store(true)
	cr.mu.Lock()
	cr.maybeWatchLocked()
	cr.mu.Unlock()
}

// maybeWatchLocked starts the background read once the delay has passed and
// the body is read; cr.mu is held.
func (cr *connReader) maybeWatchLocked() {
	if !cr.watching || !cr.pending || cr.inRead || cr.hasByte || !cr.bodyDone.Load() {
		return
	}
	cr.pending = false
	cr.inRead = true
	if !cr.handlerDeadline {
		// The idle or head deadline may still be in place (a request
		// without a body keeps it): the watch has no time limit.
		_ = cr.c.rwc.SetReadDeadline(time.Time{})
		cr.cleared = true
	}
	go cr.backgroundRead()
}

func (cr *connReader) backgroundRead() {
	n, err := cr.c.rwc.Read(cr.byteBuf[:])
	cr.mu.Lock()
	if n == 1 {
		cr.hasByte = true
	}
	var ne net.Error
	if err != nil && !(cr.aborted && errors.As(err, &ne) && ne.Timeout()) {
		// The client closed (or broke) the connection: the request is
		// abandoned. A deadline set by the handler that expires here also
		// ends it, as in net/http.
		if cr.ctx != nil {
			cr.ctx.cancel()
		}
	}
	cr.aborted = false
	cr.inRead = false
	cr.mu.Unlock()
	cr.cond.Broadcast()
}

// endRequest stops watching: it stops the timer and ends a background read
// in progress, then restores the read deadline.
func (cr *connReader) endRequest() {
	cr.running.Store(false)
	cr.mu.Lock()
	cr.watching, cr.pending, cr.ctx = false, false, nil
	if cr.cleared {
		cr.cleared = false
		cr.c.rdl = time.Time{} // what the watcher set
	}
	if !cr.inRead {
		cr.mu.Unlock()
		return
	}
	cr.aborted = true
	_ = cr.c.rwc.SetReadDeadline(aLongTimeAgo)
	for cr.inRead {
		cr.cond.Wait()
	}
	cr.mu.Unlock()
	cr.c.rdl = aLongTimeAgo // forces the next setReadDeadline
	cr.c.setReadDeadline(time.Time{})
}

// cancelRequest cancels the request in flight, if any.
func (cr *connReader) cancelRequest() {
	cr.mu.Lock()
	if cr.ctx != nil {
		cr.ctx.cancel()
	}
	cr.mu.Unlock()
}
