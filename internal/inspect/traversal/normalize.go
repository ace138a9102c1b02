package traversal

import (
	"strings"
	"unicode/utf8"
)

// normalize rewrites what some decoder on the way to the file system may
// still read as a dot or a separator, after the inspector's decoding:
//   - characters that Windows' best-fit mapping or old IIS turn into '/' or
//     '\\' (U+2215, U+2216, U+2044, U+29F8, U+29F9) and private-use code
//     points (U+E000–U+F8FF, which fuzzers such as DotDotPwn send as
//     %uEFC8 and %uF025 separators);
//   - bytes that are not valid UTF-8: an overlong form read the way lax
//     decoders read it (see overlong), any other stray byte a separator;
//   - percent escapes with a non-hex digit (%c1%pc, %c0%9v), which old IIS
//     decoded by ignoring the digits' high bits, read as a separator;
//   - spelled-out hexadecimal 0x2e, 0x2f and 0x5c;
//   - compatibility forms of the dot that NFKC normalization (applied by
//     Python, Java and .NET file APIs or by the application) turns into
//     dots: the one- and two-dot leaders and the horizontal ellipsis
//     (U+2024–U+2026, "…" becoming "..."), the small full stop U+FE52; and
//     the small reverse solidus U+FE68.
//
// changed is false, and nothing is allocated, when there is nothing to
// rewrite.
func normalize(v string) (string, bool) {
	if !needsNormal(v) {
		return v, false
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); {
		if n, out := special(v, i); n > 0 {
			b.WriteString(out)
			i += n
			continue
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String(), true
}

func needsNormal(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '%' || c == '0' || c >= 0x80 {
			if n, _ := special(v, i); n > 0 {
				return true
			}
		}
	}
	return false
}

// special reports the length of a sequence at v[i] that normalize rewrites,
// and what it becomes.
func special(v string, i int) (int, string) {
	c := v[i]
	switch {
	case c == '%':
		if i+2 < len(v) && isAlnum(v[i+1]) && isAlnum(v[i+2]) && !(isHex(v[i+1]) && isHex(v[i+2])) {
			return 3, "/"
		}
	case c == '0':
		if i+3 < len(v) && (v[i+1] == 'x' || v[i+1] == 'X') {
			switch strings.ToLower(v[i+2 : i+4]) {
			case "2e":
				return 4, "."
			case "2f", "5c":
				return 4, "/"
			}
		}
	case c >= 0x80:
		return specialRune(v, i)
	}
	return 0, ""
}

// specialRune handles a non-ASCII sequence at v[i].
func specialRune(v string, i int) (int, string) {
	r, n := utf8.DecodeRuneInString(v[i:])
	switch {
	case r == utf8.RuneError && n == 1:
		if n, b := overlong(v, i); n > 0 {
			if b == 0 {
				return n, ""
			}
			return n, asciiBytes[b : b+1]
		}
		return 1, "/"
	case r == 0x2215 || r == 0x2216 || r == 0x2044 || r == 0x29F8 || r == 0x29F9 || r == 0xFE68:
		return n, "/"
	case r >= 0xE000 && r <= 0xF8FF:
		return n, "/"
	case r >= 0x2024 && r <= 0x2026:
		// One dot leader, two dot leader, horizontal ellipsis: NFKC (as
		// Python, Java and .NET normalizers apply it) makes them ".", ".."
		// and "...".
		return n, "..."[:r-0x2023]
	case r == 0xFE52:
		return n, "." // small full stop
	}
	return 0, ""
}

// overlong decodes a multi-byte sequence the way lax decoders (old IIS) did:
// the lead byte's payload bits and the low six bits of each following byte,
// the continuation marker unchecked. So %c0%2e is '.', %c1%1c is a
// backslash and the six-byte %fc%80%80%80%80%ae is '.'. It returns the
// sequence length and the ASCII byte (0: drop the lead byte alone), or a
// length of 0 when the result is not ASCII.
func overlong(v string, i int) (int, byte) {
	lead := v[i]
	var k int
	var bits rune
	switch {
	case lead&0xE0 == 0xC0:
		k, bits = 1, rune(lead&0x1F)
	case lead&0xF0 == 0xE0:
		k, bits = 2, rune(lead&0x0F)
	case lead&0xF8 == 0xF0:
		k, bits = 3, rune(lead&0x07)
	case lead&0xFC == 0xF8:
		k, bits = 4, rune(lead&0x03)
	case lead&0xFE == 0xFC:
		k, bits = 5, rune(lead&0x01)
	default:
		return 0, 0
	}
	if i+k >= len(v) {
		return 0, 0
	}
	if next := v[i+1]; next >= 0x20 && next < 0x80 {
		// A printable ASCII byte after the lead: the lead is noise
		// (%c0%2e, %c0%5c); drop it and keep the byte.
		return 1, 0
	}
	for j := 1; j <= k; j++ {
		bits = bits<<6 | rune(v[i+j]&0x3F)
	}
	if bits == 0 || bits >= 0x80 {
		return 0, 0
	}
	return k + 1, byte(bits)
}

// asciiBytes holds every ASCII byte, so that one can be returned as a string
// without allocating.
var asciiBytes = func() string {
	var b [128]byte
	for i := range b {
		b[i] = byte(i)
	}
	return string(b[:])
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
