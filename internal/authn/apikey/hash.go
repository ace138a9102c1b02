package apikey

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// MinPepperLen is the shortest pepper accepted, in bytes.
const MinPepperLen = 32

// HashLen is the length of a key hash.
const HashLen = sha256.Size

// hasher computes HMAC-SHA-256(pepper, key): the only form in which a key is
// stored. A stolen database alone does not let anyone test guesses offline,
// since the pepper lives in the config, not the store. HMAC states are pooled,
// so hashing on the request path does not allocate.
type hasher struct {
	pool sync.Pool // of *hmacState
}

type hmacState struct {
	mac hash.Hash
	in  [KeyLen]byte
	out [HashLen]byte
}

func newHasher(pepper []byte) (*hasher, error) {
	if len(pepper) < MinPepperLen {
		return nil, fmt.Errorf("apikey: pepper must be at least %d bytes, got %d", MinPepperLen, len(pepper))
	}
	key := append([]byte(nil), pepper...)
	h := &hasher{}
	h.pool.New = func() any { return &hmacState{mac: hmac.New(sha256.New, key)} }
	return h, nil
}

// errKeyLen guards sum against anything ParseKey did not accept.
var errKeyLen = errors.New("apikey: key to hash has the wrong length")

// sum returns the keyed hash of key, which must be KeyLen bytes long.
func (h *hasher) sum(key string) ([HashLen]byte, error) {
	if len(key) != KeyLen {
		return [HashLen]byte{}, errKeyLen
	}
	s, _ := h.pool.Get().(*hmacState)
	if s == nil {
		return [HashLen]byte{}, errors.New("apikey: hasher pool returned nothing")
	}
	defer h.pool.Put(s)
	s.mac.Reset()
	copy(s.in[:], key)
	s.mac.Write(s.in[:])
	var out [HashLen]byte
	copy(out[:], s.mac.Sum(s.out[:0]))
	return out, nil
}
