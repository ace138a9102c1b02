package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/bulwark-gw/bulwark/internal/bufpool"
)

// The synchronous HTTP/1.1 client.
//
// http.Transport serves each upstream connection with two goroutines (a read
// loop and a write loop) and hands every request and response between them
// and the caller over channels: on a small machine under load those hand-offs
// and the scheduling behind them cost more CPU than the proxying itself. For
// the common case — plain-HTTP targets, no protocol upgrade, no
// Expect: 100-continue, no request body or a small one of known length — the
// forwarder instead writes the request and reads the answer on the handler's
// own goroutine over a pooled connection. The wire format is net/http's own:
// the request is written by (*http.Request).Write and the answer parsed by
// http.ReadResponse, the same functions http.Transport uses, so framing
// (chunked bodies, Content-Length, HEAD/204/304, trailers, conflicting length
// headers) is decided exactly as before. Every other request (TLS and HTTP/2
// targets, upgrades, 100-continue, streamed or large request bodies) still
// goes through http.Transport.
//
// A connection goes back to its target's idle pool only when the answer was
// read to its end, the upstream did not ask to close, the request's deadline
// never fired, and no byte beyond the answer is buffered (bytes the upstream
// sent unasked would otherwise be read as the next request's answer: response
// desynchronisation). An idle connection older than idleConnTimeout is closed,
// and every other one is checked without blocking for an upstream close (or
// unasked bytes) before it is reused.

const (
	maxSyncBody   = 64 << 10 // larger bodies stream through http.Transport
	h1ReadBuffer  = 8 << 10
	h1WriteBuffer = 4 << 10
)

// aLongTimeAgo is a deadline in the past: setting it unblocks every pending
// read and write on a connection.
var aLongTimeAgo = time.Unix(1, 0)

var errUnexpected101 = errors.New("upstream switched protocols without being asked")

// max1xx bounds the informational answers before the final one, as
// http.Transport does: an upstream sending 103s without end would otherwise
// hold the request (and relay each to the client) until the deadline.
const max1xx = 5

var errTooMany1xx = fmt.Errorf("upstream sent more than %d informational answers", max1xx)

// errHeaderTooLarge is returned when a response's header exceeds
// maxResponseHeader bytes.
var errHeaderTooLarge = fmt.Errorf("upstream response header larger than %d bytes", maxResponseHeader)

// h1pool is one target's idle connections, most recently used last.
type h1pool struct {
	mu   sync.Mutex
	idle []*h1conn
	shut bool
}

// h1conn is one upstream connection with its buffers.
type h1conn struct {
	c         net.Conn
	lr        countingReader
	br        *bufio.Reader
	bw        *bufio.Writer
	idleAt    time.Time
	deadlined bool   // a deadline is set on c (the next exchange resets it)
	onCancel  func() // interrupt, made once: a method value allocates each time it is taken
	peekState
}

// cancelHooker is implemented by the request contexts of Bulwark's own
// HTTP/1 server (internal/h1serve): one function run on cancellation, set and
// removed without allocating, where context.AfterFunc costs a context, two
// closures and a registration in its parent on every request. HookCancel
// reports false when the slot is taken; UnhookCancel reports whether the
// function had not run.
type cancelHooker interface {
	HookCancel(f func()) bool
	UnhookCancel() bool
}

// cancelWatch runs hc's interrupt when ctx is cancelled, until stop.
type cancelWatch struct {
	hook cancelHooker // set: the hook slot holds the interrupt
	stop func() bool  // otherwise context.AfterFunc's
}

func watchCancel(ctx context.Context, hc *h1conn) cancelWatch {
	if h, ok := ctx.(cancelHooker); ok && h.HookCancel(hc.onCancel) {
		return cancelWatch{hook: h}
	}
	return cancelWatch{stop: context.AfterFunc(ctx, hc.onCancel)}
}

// end stops watching and reports whether the interrupt had not run (the
// connection's deadlines are then still its own).
func (w cancelWatch) end() bool {
	if w.hook != nil {
		return w.hook.UnhookCancel()
	}
	return w.stop()
}

// countingReader reads from the connection, counting bytes since the last
// reset and refusing to read more than limit of them while limit > 0 (the
// response header bound).
type countingReader struct {
	c     net.Conn
	n     int64
	limit int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.limit > 0 {
		left := r.limit - r.n
		if left <= 0 {
			return 0, errHeaderTooLarge
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := r.c.Read(p)
	r.n += int64(n)
	return n, err
}

// syncEligible reports whether the inbound request in may take the
// synchronous path. Every target must be plain HTTP, so that a retry on
// another target stays on it too.
func (u *Upstream) syncEligible(in *http.Request, upType string) bool {
	if !u.allHTTP || upType != "" || len(in.Header["Expect"]) > 0 {
		return false
	}
	return in.ContentLength == 0 || (in.ContentLength > 0 && in.ContentLength <= maxSyncBody)
}

// syncRoundTrip sends req to t over a pooled connection and reads the
// answer's header; informational answers (1xx but 101) go to onInfo. The
// returned response's Body must be closed: that returns the connection to the
// pool or closes it.
func (u *Upstream) syncRoundTrip(ctx context.Context, t *target, req *http.Request, onInfo func(int, http.Header)) (*http.Response, error) {
	if err := validHeader(req.Header); err != nil {
		return nil, err
	}
	var deadline time.Time // the request timeout, on the connection
	if u.cfg.RequestTimeout > 0 {
		deadline = time.Now().Add(u.cfg.RequestTimeout)
	}
	var body []byte
	if req.Body != nil && req.ContentLength > 0 {
		// The body (at most maxSyncBody, of known length) is read before the
		// request is written, and written with the header in one write (not
		// the header alone and then each read of the body: two or more
		// syscalls per request). A client error still lands in the bodyWatch
		// the request body is. The buffer is pooled: once this returns, the
		// request has been written and nothing reads its body again (a
		// request with a body is never replayed: req.Body stays set).
		lent := bufpool.Get(int(req.ContentLength))
		defer bufpool.Put(lent)
		body = (*lent)[:req.ContentLength]
		if _, err := io.ReadFull(req.Body, body); err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
	}
	for attempt := 0; ; attempt++ {
		hc, reused, err := u.h1get(ctx, t)
		if err != nil {
			return nil, err
		}
		watch := watchCancel(ctx, hc)
		resp, err := hc.exchange(req, body, deadline, u.cfg.ResponseHeaderTimeout, onInfo)
		if err == nil {
			b := &h1body{u: u, t: t, hc: hc, rc: resp.Body, watch: watch, keep: !resp.Close, length: resp.ContentLength}
			if resp.Body == http.NoBody {
				b.eof = true
			}
			resp.Body = b
			return resp, nil
		}
		watch.end()
		nothingRead := hc.lr.n == 0
		hc.c.Close()
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("%w (%w)", cerr, err)
		}
		// An idle connection the upstream closed as we reused it: nothing of
		// ours was acted on when not a byte came back, so a request that may
		// be replayed goes again on a fresh connection (http.Transport's rule).
		if reused && attempt == 0 && nothingRead && !isTimeout(err) && replayable(req) {
			continue
		}
		return nil, err
	}
}

// replayable reports whether req may be sent twice: no body, and a method
// that is idempotent or an idempotency key.
func replayable(req *http.Request) bool {
	if req.Body != nil {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return len(req.Header["Idempotency-Key"]) > 0 || len(req.Header["X-Idempotency-Key"]) > 0
}

// validHeader refuses header names and values that cannot be sent (the checks
// http.Transport makes before it writes a request).
func validHeader(h http.Header) error {
	for k, vv := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("invalid header field name %q", k)
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Errorf("invalid header field value for %q", k)
			}
		}
	}
	return nil
}

// exchange writes req (with body, all of it, when not nil: writeRequest) and
// reads the final answer's header. A non-zero
// deadline bounds the whole exchange, body included; headerTimeout bounds the
// wait for the answer's header once the request is written.
func (hc *h1conn) exchange(req *http.Request, body []byte, deadline time.Time, headerTimeout time.Duration, onInfo func(int, http.Header)) (*http.Response, error) {
	hc.lr.n, hc.lr.limit = 0, 0
	if !deadline.IsZero() || hc.deadlined {
		_ = hc.c.SetDeadline(deadline)
		hc.deadlined = !deadline.IsZero()
	}
	if err := writeRequest(hc.bw, req, body); err != nil {
		return nil, err
	}
	if err := hc.bw.Flush(); err != nil {
		return nil, err
	}
	if headerTimeout > 0 {
		hd := time.Now().Add(headerTimeout)
		if !deadline.IsZero() && deadline.Before(hd) {
			hd = deadline
		}
		_ = hc.c.SetReadDeadline(hd)
	}
	for informational := 0; ; informational++ {
		hc.lr.limit = hc.lr.n + int64(hc.br.Buffered()) + maxResponseHeader
		resp, err := http.ReadResponse(hc.br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 {
			if resp.StatusCode == http.StatusSwitchingProtocols {
				return nil, errUnexpected101
			}
			if informational == max1xx {
				return nil, errTooMany1xx
			}
			if onInfo != nil {
				onInfo(resp.StatusCode, resp.Header)
			}
			continue
		}
		hc.lr.limit = 0
		if headerTimeout > 0 {
			_ = hc.c.SetReadDeadline(deadline)
		}
		return resp, nil
	}
}

// interrupt unblocks the connection's pending reads and writes: the request's
// context ended.
func (hc *h1conn) interrupt() { _ = hc.c.SetDeadline(aLongTimeAgo) }

// h1get returns an idle connection to t, or a new one.
func (u *Upstream) h1get(ctx context.Context, t *target) (*h1conn, bool, error) {
	p := &t.h1
	for {
		now := time.Now()
		p.mu.Lock()
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			break
		}
		hc := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		// Checked before every reuse, as http.Transport's read loop watches
		// its idle connections: a closed one would fail a request that cannot
		// be replayed, and unasked bytes would answer the next request.
		if now.Sub(hc.idleAt) > idleConnTimeout || !hc.connIdleOK() {
			if hc.unasked {
				u.noteUnasked(t)
			}
			hc.c.Close()
			continue
		}
		return hc, true, nil
	}
	c, err := u.dialer.DialContext(ctx, "tcp", t.host)
	if err != nil {
		return nil, false, err
	}
	hc := &h1conn{c: c}
	hc.onCancel = hc.interrupt
	hc.lr.c = c
	hc.br = bufio.NewReaderSize(&hc.lr, h1ReadBuffer)
	hc.bw = bufio.NewWriterSize(c, h1WriteBuffer)
	return hc, false, nil
}

// h1put returns a connection whose exchange ended cleanly to t's pool.
func (u *Upstream) h1put(t *target, hc *h1conn) {
	p := &t.h1
	hc.idleAt = time.Now()
	var evict *h1conn
	p.mu.Lock()
	if p.shut {
		p.mu.Unlock()
		hc.c.Close()
		return
	}
	if len(p.idle) >= maxIdlePerHost {
		evict = p.idle[0]
		copy(p.idle, p.idle[1:])
		p.idle[len(p.idle)-1] = hc
	} else {
		p.idle = append(p.idle, hc)
		if first := p.idle[0]; len(p.idle) > 1 && hc.idleAt.Sub(first.idleAt) > idleConnTimeout {
			evict = first // the oldest has been idle too long: close it now
			copy(p.idle, p.idle[1:])
			p.idle[len(p.idle)-1] = nil
			p.idle = p.idle[:len(p.idle)-1]
		}
	}
	p.mu.Unlock()
	if evict != nil {
		evict.c.Close()
	}
}

// closeIdle closes t's idle connections; with shut, later returns close too.
func (p *h1pool) closeIdle(shut bool) {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.shut = p.shut || shut
	p.mu.Unlock()
	for _, hc := range idle {
		hc.c.Close()
	}
}

// h1body is a synchronous answer's body. Close hands the connection back to
// the pool when the body was read to its end and the exchange may be
// followed by another, and closes it otherwise.
type h1body struct {
	u      *Upstream
	t      *target
	hc     *h1conn
	rc     io.ReadCloser
	watch  cancelWatch
	keep   bool  // the upstream did not ask to close the connection
	length int64 // Content-Length, -1 when unknown
	read   int64
	eof    bool
	closed bool
}

func (b *h1body) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *h1body) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if !b.eof && b.length >= 0 && b.read == b.length {
		// Read to its announced length without asking once more: the end is
		// known without touching the connection.
		var one [1]byte
		if n, err := b.rc.Read(one[:]); n == 0 && err == io.EOF {
			b.eof = true
		}
	}
	stopped := b.watch.end()
	if b.eof && b.keep && stopped {
		if b.hc.br.Buffered() == 0 {
			_ = b.rc.Close() // at EOF: releases nothing but marks the body closed
			b.u.h1put(b.t, b.hc)
			return nil
		}
		b.u.noteUnasked(b.t)
	}
	// Not at its end (closing would drain it), asked to close, or interrupted.
	return b.hc.c.Close()
}

// noteUnasked logs that t sent bytes beyond its answer and the connection was
// closed — at most once per logthrottle.Every per target, so a target that
// sends a body with every 304 does not log per request. The bytes are never
// logged: they may be a body the gateway refused to pass on.
func (u *Upstream) noteUnasked(t *target) {
	if ok, held := u.unasked.Allow(t.raw, time.Now()); ok {
		u.logger.Warn("upstream sent bytes beyond its answer (an unsolicited response); connection closed",
			"target", t.raw, "suppressed", held)
	}
}
