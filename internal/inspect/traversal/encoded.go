package traversal

import "strings"

// Encodings an application may undo itself after the gateway has seen the
// value: the inspector's decoding (percent escapes, overlong UTF-8,
// fullwidth forms) has already run, these are the ones left.

// unstrip rewrites hex escapes whose '%' was lost: "..2f" and "..5c" (any
// case) after a run of two or more dots that starts a path component become
// "../" and "..\\". A filter that deletes '%' (or a payload written for one
// that re-adds it) leaves "..2f..2fetc2fpasswd". Only a dot run that starts
// the value or follows a separator counts, so ranges such as "0000..2FFF"
// pass. changed is false, and nothing is allocated, when there is nothing
// to rewrite.
func unstrip(v string) (string, bool) {
	first := strippedAt(v, 0)
	if first < 0 {
		return v, false
	}
	var b strings.Builder
	b.Grow(len(v))
	last := 0
	for k := first; k >= 0; k = strippedAt(v, k+2) {
		b.WriteString(v[last:k])
		if v[k] == '2' {
			b.WriteByte('/')
		} else {
			b.WriteByte('\\')
		}
		last = k + 2
	}
	b.WriteString(v[last:])
	return b.String(), true
}

// strippedAt returns the index, at or after from, of a "2f" or "5c" that
// follows a component-starting dot run, or -1.
func strippedAt(v string, from int) int {
	for {
		i := strings.Index(v[from:], "..")
		if i < 0 {
			return -1
		}
		i += from
		j := i
		for j < len(v) && v[j] == '.' {
			j++
		}
		// A component starts at the value's start, after a separator, or
		// right after the escape rewritten before (from).
		start := i == 0 || v[i-1] == '/' || v[i-1] == '\\' || i == from && isHexSep(v[i-2], v[i-1])
		if start && j+1 < len(v) && isHexSep(v[j], v[j+1]) {
			return j
		}
		from = j
	}
}

func isHexSep(a, b byte) bool {
	return a == '2' && (b == 'f' || b == 'F') || a == '5' && (b == 'c' || b == 'C')
}

// Base64: applications pass file names base64-encoded
// (download?file=L2V0Yy9wYXNzd2Q=) and decode them before opening the file,
// so a value that is one base64 token is decoded and, when the result is
// printable text, judged by the same rules.

// minB64 is the shortest token tried: 8 characters carry 6 bytes, enough
// for "../../" or "/etc/x".
const minB64 = 8

// maxB64 bounds the work on long tokens.
const maxB64 = 4096

// b64Value maps a base64 character (standard or URL-safe alphabet) to its
// value; 0xFF marks any other byte.
var b64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// base64Text decodes v when it is a single base64 token (padding optional)
// that decodes to printable ASCII holding a byte path rules look at; ok is
// false otherwise. It allocates only for such a result.
func base64Text(v string) (string, bool) {
	core := strings.TrimRight(v, "=")
	if len(core) < minB64 || len(core) > maxB64 || len(v)-len(core) > 2 || len(core)%4 == 1 {
		return "", false
	}
	var small [192]byte
	var out []byte
	if n := len(core) * 3 / 4; n <= len(small) {
		out = small[:0]
	} else {
		out = make([]byte, 0, n)
	}
	var acc uint32
	bits := 0
	useful := false
	for i := 0; i < len(core); i++ {
		d := b64Value[core[i]]
		if d == 0xFF {
			return "", false
		}
		acc = acc<<6 | uint32(d)
		bits += 6
		if bits >= 8 {
			bits -= 8
			c := byte(acc >> bits)
			if c < 0x20 && c != '\t' || c > 0x7E {
				return "", false
			}
			useful = useful || c == '/' || c == '\\' || c == '.' || c == ':'
			out = append(out, c)
		}
	}
	if !useful {
		return "", false
	}
	return string(out), true
}
