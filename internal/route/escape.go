package route

import "strings"

// EscapePath re-escapes a canonical path for the upstream request line: each
// segment as url.PathEscape would (so '%', '?', '#', ';', ',' and non-ASCII bytes
// are escaped), keeping "/" as the separator. Escaping ';' matters: upstreams that
// strip ";params" must not see a different path than the gateway matched. When
// nothing needs escaping the input is returned unchanged, without allocating.
func EscapePath(canonical string) string {
	n := 0
	for i := 0; i < len(canonical); i++ {
		if shouldEscape(canonical[i]) {
			n++
		}
	}
	if n == 0 {
		return canonical
	}
	const upperHex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(canonical) + 2*n)
	for i := 0; i < len(canonical); i++ {
		c := canonical[i]
		if shouldEscape(c) {
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// shouldEscape mirrors net/url's encodePathSegment mode, except that '/' is kept.
func shouldEscape(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return false
	}
	switch c {
	case '-', '_', '.', '~', '$', '&', '+', ':', '=', '@', '/':
		return false
	}
	return true
}
