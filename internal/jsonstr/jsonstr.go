// Package jsonstr decodes the escapes of JSON string bodies without
// allocating: the one implementation the request inspector and the response
// filters share, so that a key written as "\u0024ne" or "pass\u0077ord" reads
// the same to every guard.
package jsonstr

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// AppendUnescaped appends the body of a JSON string (the bytes between the
// quotes, already validated as JSON) to dst with its escapes decoded as
// encoding/json decodes them: a surrogate pair is one rune, a lone surrogate
// is U+FFFD. Unlike encoding/json, bytes that are not valid UTF-8 are kept as
// they are, so that a guard can still see them (overlong forms are an evasion).
func AppendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		// The run up to the next backslash is copied whole.
		j := bytes.IndexByte(raw[i:], '\\')
		if j < 0 {
			return append(dst, raw[i:]...)
		}
		dst = append(dst, raw[i:i+j]...)
		dst, i = appendEscape(dst, raw, i+j)
	}
	return dst
}

// appendEscape decodes the escape at raw[i], a backslash, onto dst and
// returns the index after it. A backslash ending raw, a \u cut short and a
// backslash before a byte that starts no escape are kept as they are.
func appendEscape(dst, raw []byte, i int) ([]byte, int) {
	if i+1 >= len(raw) {
		return append(dst, '\\'), len(raw)
	}
	if b, ok := ShortEscape(raw[i+1]); ok {
		return append(dst, b), i + 2
	}
	if raw[i+1] != 'u' { // not an escape: the byte after the backslash is kept
		return append(dst, raw[i+1]), i + 2
	}
	if i+6 > len(raw) {
		return append(dst, raw[i:]...), len(raw)
	}
	r, _ := hex4(raw[i+2 : i+6])
	i += 6
	if utf16.IsSurrogate(r) {
		r2 := utf8.RuneError
		if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
			lo, _ := hex4(raw[i+2 : i+6])
			r2 = utf16.DecodeRune(r, lo)
		}
		if r2 != utf8.RuneError {
			i += 6
		}
		r = r2
	}
	return utf8.AppendRune(dst, r), i
}

// ShortEscape returns the byte a two-byte escape \e stands for: \" \\ \/
// \b \f \n \r \t; ok is false for any other e (\u is not a short escape).
func ShortEscape(e byte) (b byte, ok bool) {
	switch e {
	case '"', '\\', '/':
		return e, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

// EscapeLen returns the length of the valid JSON escape sequence that b
// starts with (b[0] is the backslash): 2 for \" \\ \/ \b \f \n \r \t, 6 for
// \uXXXX, 0 when it is not a valid escape.
func EscapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		if _, ok := hex4(b[2:6]); ok {
			return 6
		}
	}
	return 0
}

// hex4 reads four hex digits; ok is false when one is not a hex digit.
func hex4(b []byte) (r rune, ok bool) {
	for _, c := range b {
		var d rune
		switch {
		case '0' <= c && c <= '9':
			d = rune(c - '0')
		case 'a' <= c && c <= 'f':
			d = rune(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return utf8.RuneError, false
		}
		r = r<<4 | d
	}
	return r, true
}
