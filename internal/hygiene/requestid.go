package hygiene

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"sync/atomic"
)

// MaxRequestIDLen is the longest incoming X-Request-Id that is kept.
const MaxRequestIDLen = 128

// idAlphabet encodes ids: lower-case base32, all inside the accepted id
// character set, so an id survives being forwarded to another Bulwark.
const idAlphabet = "0123456789abcdefghijklmnopqrstuv"

// prefixLen is the length of the per-process prefix: 80 random bits in base32.
const prefixLen = 16

// IDs generates request ids: a per-process random prefix and a counter, so ids
// are unique within a process and, with overwhelming probability, across
// processes and restarts. Ids are correlation handles, not secrets: they are
// predictable to anyone who has seen one, and must never authorize anything.
type IDs struct {
	prefix [prefixLen]byte
	n      atomic.Uint64
}

// NewIDs returns a generator with a fresh prefix from crypto/rand.
func NewIDs() (*IDs, error) {
	var raw [10]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("request id prefix: %w", err)
	}
	g := &IDs{}
	// 80 bits as 16 base32 digits, 5 bits each.
	var acc uint64
	bits := 0
	j := 0
	for _, b := range raw {
		acc = acc<<8 | uint64(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			g.prefix[j] = idAlphabet[(acc>>bits)&31]
			j++
		}
	}
	return g, nil
}

// Next returns a new id, "<prefix>-<counter>", for example
// "k2m9q0v7c1h3s8d4-1f". It is safe for concurrent use.
func (g *IDs) Next() string {
	var buf [prefixLen + 1 + 13]byte // 13 base32 digits hold 64 bits
	copy(buf[:], g.prefix[:])
	buf[prefixLen] = '-'
	n := g.n.Add(1)
	var digits [13]byte
	i := len(digits)
	for {
		i--
		digits[i] = idAlphabet[n&31]
		n >>= 5
		if n == 0 {
			break
		}
	}
	k := copy(buf[prefixLen+1:], digits[i:])
	return string(buf[:prefixLen+1+k])
}

// RequestID returns the id for a request: the incoming X-Request-Id when the
// peer is a trusted proxy and the value is one field of 1..MaxRequestIDLen
// characters of [A-Za-z0-9._:-]; otherwise a new id from g. Untrusted clients
// cannot choose ids, so they cannot forge or collide with another request's
// audit trail, and odd bytes never reach logs.
func RequestID(g *IDs, h http.Header, peerTrusted bool) string {
	if peerTrusted {
		if v := h["X-Request-Id"]; len(v) == 1 && validRequestID(v[0]) {
			return v[0]
		}
	}
	return g.Next()
}

func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > MaxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}
