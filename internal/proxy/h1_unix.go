//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package proxy

import (
	"errors"
	"syscall"
)

// connIdleOK reports whether an idle connection may carry another request:
// the upstream neither closed it nor sent bytes unasked. It peeks without
// blocking; nothing is consumed.
func (hc *h1conn) connIdleOK() bool {
	if hc.raw == nil {
		sc, ok := hc.c.(syscall.Conn)
		if !ok {
			return true
		}
		rc, err := sc.SyscallConn()
		if err != nil {
			return false
		}
		hc.raw, hc.peekFn = rc, hc.peek
	}
	hc.alive = false
	return hc.raw.Read(hc.peekFn) == nil && hc.alive
}

// peek is the raw read connIdleOK runs on the socket.
func (hc *h1conn) peek(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), hc.peekBuf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	// Nothing to read (EAGAIN) is the one healthy answer: 0 bytes is the
	// upstream's close, a byte is an answer nobody asked for.
	hc.alive = err != nil && (errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK))
	hc.unasked = err == nil && n > 0
	return true
}

// peekState is what connIdleOK keeps per connection.
type peekState struct {
	raw     syscall.RawConn
	peekFn  func(uintptr) bool
	peekBuf [1]byte
	alive   bool
	unasked bool // the last peek found bytes nobody asked for
}
