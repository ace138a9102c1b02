// Package redact finds credential-shaped text — Bulwark API keys and JWTs — in
// what the gateway is about to record (audit paths and objects, log fields) and
// masks it. A client that puts a credential in a URL has leaked it once; the
// gateway must not leak it again into its audit file, store and logs.
//
// Shapes, not validity, decide: a string that merely looks like a key or token
// is masked too, since the recorder cannot know whether it was one; and a shape
// is found anywhere, inside a longer word too (xbwk_…), so gluing a prefix to a
// key does not get it recorded.
package redact

import (
	"strings"

	"github.com/bulwark-gw/bulwark/internal/inspect/decode"
)

// Masked replaces the secret part of a credential-shaped run.
const Masked = "[masked]"

// KeyPrefix starts every Bulwark API key.
const KeyPrefix = "bwk_"

// keyIDLen is the public id's length in a Bulwark key (bwk_<id>_<secret>);
// the id is safe to record and kept.
const keyIDLen = 12

// minKeyRun is the shortest run after KeyPrefix taken for a key: shorter ones
// (a document named bwk_notes) are not secrets.
const minKeyRun = 8

// minJWTLen is the shortest text taken for a JWT (two dots, a header "eyJ…").
const minJWTLen = 16

// HasKey reports whether s contains a Bulwark-key-shaped run: KeyPrefix
// followed by at least 8 base62 or '_' characters.
func HasKey(s string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], KeyPrefix)
		if j < 0 {
			return false
		}
		start := i + j
		if keyEnd(s, start) > 0 {
			return true
		}
		i = start + len(KeyPrefix)
	}
}

// Contains reports whether s contains a Bulwark key or a JWT.
func Contains(s string) bool {
	return HasKey(s) || nextJWT(s, 0) >= 0
}

// MaskRecorded is Mask for a path or query as the client sent it: a key or
// token hidden behind percent-escapes (%62wk_…, double-encoded too) is found in
// the form decode.Value gives, and then that form is recorded, masked. Without anything to mask, s
// is returned as it is, without allocating.
func MaskRecorded(s string) string {
	if m := Mask(s); m != s || !strings.Contains(s, "%") {
		return m
	}
	d := decode.Value(s)
	if !Contains(d) {
		return s
	}
	return Mask(d)
}

// Mask returns s with every Bulwark key and every JWT masked: a key keeps its
// prefix and public id (bwk_<id>_[masked]), a JWT becomes [masked]. It returns
// s itself, without allocating, when there is nothing to mask.
func Mask(s string) string {
	if !strings.Contains(s, KeyPrefix) && !strings.Contains(s, "eyJ") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], KeyPrefix) {
			if end := keyEnd(s, i); end > 0 {
				b.WriteString(s[last:i])
				keep := i + len(KeyPrefix)
				if end-keep > keyIDLen && s[keep+keyIDLen] == '_' {
					keep += keyIDLen + 1
				}
				b.WriteString(s[i:keep])
				b.WriteString(Masked)
				i, last = end, end
				continue
			}
		}
		if strings.HasPrefix(s[i:], "eyJ") {
			if end := jwtEnd(s, i); end > 0 {
				b.WriteString(s[last:i])
				b.WriteString(Masked)
				i, last = end, end
				continue
			}
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// keyEnd returns the end of the key-shaped run starting at i (s[i:] has
// KeyPrefix), or 0 when it is too short to be one.
func keyEnd(s string, i int) int {
	j := i + len(KeyPrefix)
	for j < len(s) && (alnum(s[j]) || s[j] == '_') {
		j++
	}
	if j-i-len(KeyPrefix) < minKeyRun {
		return 0
	}
	return j
}

// nextJWT returns the start of the first JWT-shaped run in s at or after i, or -1.
func nextJWT(s string, i int) int {
	for {
		j := strings.Index(s[i:], "eyJ")
		if j < 0 {
			return -1
		}
		if start := i + j; jwtEnd(s, start) > 0 {
			return start
		}
		i += j + 3
	}
}

// jwtEnd returns the end of the JWT-shaped run at i: base64url characters with
// at least two dots (JWS has two, JWE four), at least minJWTLen long; else 0.
func jwtEnd(s string, i int) int {
	j, dots := i, 0
	for j < len(s) && (alnum(s[j]) || s[j] == '-' || s[j] == '_' || s[j] == '.') {
		if s[j] == '.' {
			dots++
		}
		j++
	}
	if dots < 2 || j-i < minJWTLen {
		return 0
	}
	return j
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
