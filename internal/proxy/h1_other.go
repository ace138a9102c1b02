//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package proxy

// connIdleOK cannot peek here; a stale connection is found by the exchange
// and a replayable request is retried once on a fresh one.
func (hc *h1conn) connIdleOK() bool { return true }

// peekState is empty where connIdleOK cannot peek.
type peekState struct{ unasked bool }
