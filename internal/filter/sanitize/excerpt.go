package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ellipsis ends a truncated excerpt.
const ellipsis = "..."

// Excerpt returns at most n bytes of body for the diagnostic log, safe to print on one
// line: newlines, tabs, other control characters, Unicode line separators and format
// characters (bidirectional overrides, zero-width) and invalid UTF-8 are escaped
// (\n, \t, \x1b, \u202e), and backslash is doubled so escapes stay unambiguous. A
// truncated excerpt ends with "..." within the n bytes. It never splits an escape or a
// UTF-8 sequence, and reads at most about n bytes of body. n <= 0 returns "".
//
// The excerpt is body content: it belongs in the diagnostic log, at a level operators
// opt into, never in audit events or client responses.
func Excerpt(body []byte, n int) string {
	if n <= 0 || len(body) == 0 {
		return ""
	}
	// First pass: does the whole escaped body fit? Stops as soon as it does not.
	total, i := 0, 0
	for i < len(body) && total <= n {
		w, size := escapedLen(body[i:])
		total += w
		i += size
	}
	fits := i == len(body) && total <= n
	limit := n
	if !fits {
		if n <= len(ellipsis) {
			return ellipsis[:n]
		}
		limit = n - len(ellipsis)
	}
	var b strings.Builder
	b.Grow(min(total, n))
	for i := 0; i < len(body); {
		piece, size := escape(body[i:])
		if b.Len()+len(piece) > limit {
			break
		}
		b.WriteString(piece)
		i += size
	}
	if !fits {
		b.WriteString(ellipsis)
	}
	return b.String()
}

// escapedLen returns the escaped width of the rune at the start of b and its size.
func escapedLen(b []byte) (int, int) {
	piece, size := escape(b)
	return len(piece), size
}

// escape returns the printable form of the rune at the start of b and its size in b.
func escape(b []byte) (string, int) {
	c := b[0]
	if c < utf8.RuneSelf {
		switch {
		case c == '\\':
			return `\\`, 1
		case c == '\n':
			return `\n`, 1
		case c == '\r':
			return `\r`, 1
		case c == '\t':
			return `\t`, 1
		case c < 0x20 || c == 0x7f:
			return `\x` + hex(uint32(c), 2), 1
		}
		return string(b[:1]), 1
	}
	r, size := utf8.DecodeRune(b)
	switch {
	case r == utf8.RuneError && size == 1:
		return `\x` + hex(uint32(c), 2), 1
	case unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
		if r > 0xffff {
			return `\U` + hex(uint32(r), 8), size
		}
		return `\u` + hex(uint32(r), 4), size
	}
	return string(b[:size]), size
}

// hex formats v as exactly digits lower-case hexadecimal digits.
func hex(v uint32, digits int) string {
	const alphabet = "0123456789abcdef"
	var buf [8]byte
	for i := digits - 1; i >= 0; i-- {
		buf[i] = alphabet[v&0xf]
		v >>= 4
	}
	return string(buf[:digits])
}
