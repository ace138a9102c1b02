// Package digest hashes credentials and keys on the request path without
// copying them to the heap.
package digest

import "crypto/sha256"

// String returns the SHA-256 of s. A string of ordinary size (a bearer token,
// a header value) is hashed from a copy on the stack: converting it with
// []byte(s) would put a copy of what may be a credential on the heap for
// every request.
func String(s string) [sha256.Size]byte {
	var buf [2048]byte
	if len(s) <= len(buf) {
		return sha256.Sum256(buf[:copy(buf[:], s)])
	}
	return sha256.Sum256([]byte(s))
}
