package jwt

import "sync/atomic"

// atomicKeySet publishes an issuer's current keySet to readers without locks.
type atomicKeySet struct{ p atomic.Pointer[keySet] }

// load returns the current set; never nil.
func (a *atomicKeySet) load() *keySet {
	if s := a.p.Load(); s != nil {
		return s
	}
	return newKeySet(nil)
}

func (a *atomicKeySet) store(s *keySet) { a.p.Store(s) }
