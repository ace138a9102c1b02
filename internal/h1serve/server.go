package h1serve

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultDisconnectCheckDelay is how long a request runs before its
// connection is watched for the client going away (Server.DisconnectCheckDelay).
const DefaultDisconnectCheckDelay = 100 * time.Millisecond

// Server serves HTTP/1.0 and HTTP/1.1 on plain-text listeners, like
// http.Server without TLS or HTTP/2. The zero value is not usable: Handler
// must be set.
//
// Intended differences from http.Server (each covered by the differential
// tests):
//   - Response headers are written in map order, not sorted.
//   - A client that disconnects while its handler runs is noticed (the
//     request's context cancelled) only once the request has run for one to
//     two DisconnectCheckDelay; http.Server watches from the start, at the
//     price of a goroutine handshake on every request.
//   - A Host header that is present but empty on HTTP/1.1 is refused like a
//     missing one (400): http.ReadRequest removes the Host header, so the two
//     cannot be told apart; an absolute-form request's Host header is not
//     validated (its host comes from the URI, as in http.Server).
//   - A body cut by http.MaxBytesReader does not by itself close the
//     connection: what is left is drained up to 256 KiB like any unread body,
//     beyond that the connection closes.
//   - EnableFullDuplex reports http.ErrNotSupported; CloseNotify is not
//     implemented.
//   - No ConnState hooks, ReadTimeout, TLS or HTTP/2 (h2c): the preface
//     "PRI * HTTP/2.0" reaches the handler as http.Server with h2c off does.
//   - Read deadlines move only when they must: the idle deadline up to
//     IdleTimeout/64 early, none for a head already read whole, and a request
//     without a body keeps the one in place while its handler runs.
//   - Shutdown closes a connection that has sent nothing yet at once
//     (http.Server leaves a new connection 5 s).
//   - A handler panic is logged with its type (or a runtime error's text)
//     and the stack, not its value, which may carry request bytes.
//   - The http.ServerContextKey value is the *Server itself; the response
//     writer is reused for the next request on its connection.
type Server struct {
	// Handler answers every request.
	Handler http.Handler
	// ReadHeaderTimeout bounds the read of each request head (0: none).
	ReadHeaderTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a kept connection
	// (0: ReadHeaderTimeout).
	IdleTimeout time.Duration
	// WriteTimeout bounds the writing of each response, from the end of
	// reading its request head (0: none).
	WriteTimeout time.Duration
	// MaxHeaderBytes bounds a request head (0: http.DefaultMaxHeaderBytes);
	// like http.Server, 4 KiB more are tolerated before 431.
	MaxHeaderBytes int
	// ErrorLog receives handler panics and write-side anomalies; nil: the log
	// package's standard logger. It never receives bytes a client sent.
	ErrorLog *log.Logger
	// DisconnectCheckDelay is the period of the disconnect watcher: a request
	// that has run for one to two periods (and read its body) has its
	// connection watched, and a client that closes it cancels the request's
	// context (0: the default, 100ms; negative: every request from the
	// start, as http.Server does).
	DisconnectCheckDelay time.Duration

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   atomic.Bool
	watchOnce sync.Once
}

// ErrNoHandler is returned by Serve when Handler is nil.
var ErrNoHandler = errors.New("h1serve: Server.Handler is nil")

// Serve accepts connections on ln and serves each on its own goroutine until
// Shutdown or Close, then returns http.ErrServerClosed. ln is closed when
// Serve returns.
func (s *Server) Serve(ln net.Listener) error {
	if s.Handler == nil {
		return ErrNoHandler
	}
	l := &ln
	if !s.track(l, true) {
		ln.Close()
		return http.ErrServerClosed
	}
	defer s.track(l, false)
	defer ln.Close()
	if s.DisconnectCheckDelay >= 0 {
		s.watchOnce.Do(func() { go s.watchLoop(s.disconnectDelay()) })
	}
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return http.ErrServerClosed
			}
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				// Temporary exhaustion (too many open files): back off as
				// http.Server does instead of spinning.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		sc := s.newConn(c)
		if !s.addConn(sc) {
			c.Close()
			return http.ErrServerClosed
		}
		go sc.serve()
	}
}

func (s *Server) track(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closing.Load() {
			return false
		}
		if s.listeners == nil {
			s.listeners = make(map[*net.Listener]struct{})
		}
		s.listeners[l] = struct{}{}
		return true
	}
	delete(s.listeners, l)
	return true
}

func (s *Server) addConn(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
	}
	s.conns[c] = struct{}{}
	return true
}

// removeConn stops tracking c: it closed, or a handler took it over.
func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// closeListeners stops accepting; the caller holds s.mu.
func (s *Server) closeListenersLocked() error {
	var err error
	for l := range s.listeners {
		if cerr := (*l).Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}

// Shutdown stops accepting, closes idle connections, and waits for the
// requests in flight to finish (their connections close after the answer),
// or for ctx to end, whose error it then returns. Connections taken over by
// Hijack are not waited for.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	lerr := s.closeListenersLocked()
	s.mu.Unlock()
	// Poll like http.Server: a connection turns idle when its answer is done.
	t := time.NewTimer(time.Millisecond)
	defer t.Stop()
	for interval := time.Millisecond; ; {
		if s.closeIdle() {
			return lerr
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			interval = min(2*interval, 500*time.Millisecond)
			t.Reset(interval)
		}
	}
}

// closeIdle closes every idle connection and reports whether none is left.
func (s *Server) closeIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.state.Load() == stateIdle && c.state.CompareAndSwap(stateIdle, stateClosed) {
			c.rwc.Close()
		}
	}
	return len(s.conns) == 0
}

// Close closes the listeners and every connection at once; handlers still
// running see their writes fail and their contexts cancelled.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closing.Store(true)
	err := s.closeListenersLocked()
	for c := range s.conns {
		c.state.Store(stateClosed)
		c.rwc.Close()
	}
	s.mu.Unlock()
	return err
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}

func (s *Server) maxHeaderBytes() int64 {
	if s.MaxHeaderBytes > 0 {
		return int64(s.MaxHeaderBytes)
	}
	return http.DefaultMaxHeaderBytes
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout != 0 {
		return s.IdleTimeout
	}
	return s.ReadHeaderTimeout
}

func (s *Server) disconnectDelay() time.Duration {
	if s.DisconnectCheckDelay == 0 {
		return DefaultDisconnectCheckDelay
	}
	return s.DisconnectCheckDelay
}

// watchLoop ticks the disconnect watcher of every connection (connReader)
// until the server is closed and has no connection left.
func (s *Server) watchLoop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		s.mu.Lock()
		for c := range s.conns {
			c.cr.tick()
		}
		done := s.closing.Load() && len(s.conns) == 0
		s.mu.Unlock()
		if done {
			return
		}
	}
}
