package apikey

import (
	"crypto/rand"
	"errors"
	"fmt"
	"hash/crc32"
)

// Key layout: Prefix, IDLen id characters, '_', SecretLen secret characters,
// ChecksumLen checksum characters, all base62 ([0-9A-Za-z]).
const (
	Prefix      = "bwk_"
	IDLen       = 12 // ~71 random bits: unique, public, safe to log
	SecretLen   = 43 // 43·log2(62) ≈ 256.0 random bits
	ChecksumLen = 6  // CRC-32 of everything before it, base62, zero-padded
	// KeyLen is the length of every key.
	KeyLen = len(Prefix) + IDLen + 1 + SecretLen + ChecksumLen
	// Pattern is a regular expression matching exactly the well-formed keys,
	// for secret scanners (the checksum then rules out false positives).
	Pattern = `\bbwk_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}\b`
)

const (
	alphabet  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	idStart   = len(Prefix)
	sepAt     = idStart + IDLen
	secStart  = sepAt + 1
	sumStart  = secStart + SecretLen
	randLimit = 248 // largest multiple of 62 below 256: bytes >= it are rejected
)

// ErrMalformed is wrapped by every error ParseKey returns.
var ErrMalformed = errors.New("malformed api key")

// formatError says what is wrong with a key. A constant one converts to an
// error without allocating, which keeps refusing garbage cheap.
type formatError string

func (e formatError) Error() string        { return "malformed api key: " + string(e) }
func (e formatError) Is(target error) bool { return target == ErrMalformed }

// ParseKey checks the shape of key — prefix, length, alphabet, separator and
// checksum — and returns its public id, a substring of key. It needs no store
// lookup and does not allocate, so malformed keys are refused before they cost
// anything.
func ParseKey(key string) (id string, err error) {
	switch {
	case len(key) != KeyLen:
		return "", formatError("wrong length")
	case key[:idStart] != Prefix:
		return "", formatError("wrong prefix")
	case key[sepAt] != '_':
		return "", formatError("missing separator")
	}
	for i := idStart; i < KeyLen; i++ {
		if i != sepAt && !isBase62(key[i]) {
			return "", formatError("character outside [0-9A-Za-z]")
		}
	}
	var want [ChecksumLen]byte
	encodeChecksum(&want, checksum(key[:sumStart]))
	if string(want[:]) != key[sumStart:] {
		return "", formatError("bad checksum")
	}
	return key[idStart:sepAt], nil
}

// NewKey returns a new random key and its id.
func NewKey() (key, id string, err error) {
	var b [KeyLen]byte
	copy(b[:], Prefix)
	if err := randomBase62(b[idStart:sepAt]); err != nil {
		return "", "", err
	}
	b[sepAt] = '_'
	if err := randomBase62(b[secStart:sumStart]); err != nil {
		return "", "", err
	}
	var sum [ChecksumLen]byte
	encodeChecksum(&sum, checksum(string(b[:sumStart])))
	copy(b[sumStart:], sum[:])
	key = string(b[:])
	return key, key[idStart:sepAt], nil
}

// randomBase62 fills dst with uniform base62 characters from crypto/rand,
// rejecting bytes that would bias the result.
func randomBase62(dst []byte) error {
	var buf [64]byte
	n := 0
	for n < len(dst) {
		if _, err := rand.Read(buf[:]); err != nil {
			return fmt.Errorf("apikey: random: %w", err)
		}
		for _, c := range buf {
			if c < randLimit && n < len(dst) {
				dst[n] = alphabet[c%62]
				n++
			}
		}
	}
	return nil
}

// checksum is crc32.ChecksumIEEE of s, computed on the string so that
// parsing does not copy the key to the heap.
func checksum(s string) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc = crc32.IEEETable[byte(crc)^s[i]] ^ (crc >> 8)
	}
	return ^crc
}

// encodeChecksum writes v in base62, most significant digit first.
func encodeChecksum(dst *[ChecksumLen]byte, v uint32) {
	for i := ChecksumLen - 1; i >= 0; i-- {
		dst[i] = alphabet[v%62]
		v /= 62
	}
}

func isBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}
