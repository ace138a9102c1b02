// Package jsonstr decodes the escapes of JSON string bodies without
// allocating: the one implementation the request inspector and the response
// filters share, so that a key written as "\u0024ne" or "pass\u0077ord" reads
// the same to every guard.
package jsonstr

import (
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
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			dst = append(dst, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			if i+6 > len(raw) {
				return append(dst, raw[i:]...)
			}
			r := hex4(raw[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = utf16.DecodeRune(r, hex4(raw[i+2:i+6]))
				}
				if r2 != utf8.RuneError {
					i += 6
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst
}

// hex4 reads four hex digits; a non-hex digit makes the rune invalid (-1).
func hex4(b []byte) rune {
	var r rune
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
			return utf8.RuneError
		}
		r = r<<4 | d
	}
	return r
}
