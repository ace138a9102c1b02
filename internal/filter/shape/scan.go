package shape

import (
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting, as encoding/json does: deeper documents are refused.
const maxDepth = 10000

// plain[c] is true for bytes that need no attention inside a string.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipWS returns the offset of the first non-whitespace byte at or after i.
func skipWS(d []byte, i int) int {
	for i < len(d) {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString validates the string starting at d[i] == '"' and returns the
// offset just past it and whether it contains an escape.
func scanString(d []byte, i int) (end int, escaped bool, err error) {
	for j := i + 1; j < len(d); j++ {
		if plain[d[j]] {
			continue
		}
		switch d[j] {
		case '"':
			return j + 1, escaped, nil
		case '\\':
			escaped = true
			if j+1 >= len(d) {
				return 0, false, syntaxError(j, "unterminated escape")
			}
			switch d[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if _, ok := hex4(d, j+2); !ok {
					return 0, false, syntaxError(j, `bad \u escape`)
				}
				j += 5
			default:
				return 0, false, syntaxError(j, "bad escape")
			}
		default:
			return 0, false, syntaxError(j, "control character in string")
		}
	}
	return 0, false, syntaxError(i, "unterminated string")
}

// hex4 decodes the four hex digits at d[i:].
func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// unescape appends to buf the content of the validated string token s (with
// quotes), decoded as encoding/json does: a lone surrogate becomes U+FFFD.
func unescape(buf, s []byte) []byte {
	s = s[1 : len(s)-1]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			buf = append(buf, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, _ := hex4(s, i+1)
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					r2, ok = hex4(s, i+3)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default: // '"', '\\', '/'
			buf = append(buf, s[i])
		}
	}
	return buf
}

// scanNumber validates the number starting at d[i] and returns the offset just past it.
func scanNumber(d []byte, i int) (int, error) {
	j := i
	if j < len(d) && d[j] == '-' {
		j++
	}
	switch {
	case j < len(d) && d[j] == '0':
		j++
	case j < len(d) && '1' <= d[j] && d[j] <= '9':
		j = digits(d, j)
	default:
		return 0, syntaxError(i, "invalid value")
	}
	if j < len(d) && d[j] == '.' {
		k := digits(d, j+1)
		if k == j+1 {
			return 0, syntaxError(j, "invalid number")
		}
		j = k
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		k := digits(d, j)
		if k == j {
			return 0, syntaxError(j, "invalid number")
		}
		j = k
	}
	return j, nil
}

// digits returns the offset of the first non-digit at or after i.
func digits(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}

// scanScalar validates the string, number or literal at d[i] and returns the
// offset just past it. The caller checks what follows, so "01" and "truex" fail there.
func scanScalar(d []byte, i int) (int, error) {
	switch d[i] {
	case '"':
		end, _, err := scanString(d, i)
		return end, err
	case 't':
		return literal(d, i, "true")
	case 'f':
		return literal(d, i, "false")
	case 'n':
		return literal(d, i, "null")
	default:
		return scanNumber(d, i)
	}
}

// literal checks that lit is at d[i].
func literal(d []byte, i int, lit string) (int, error) {
	if len(d)-i < len(lit) || string(d[i:i+len(lit)]) != lit {
		return 0, syntaxError(i, "invalid literal")
	}
	return i + len(lit), nil
}

// skipValue validates the value at d[i] (after whitespace) and returns the
// offset just past it, iteratively whatever its nesting; depth is the nesting
// of the value itself. kinds is scratch space for the open containers.
func skipValue(d []byte, i, depth int, kinds []byte) (int, []byte, error) {
	kinds = kinds[:0]
	var err error
	for {
		// A value is expected at i.
		i = skipWS(d, i)
		if i >= len(d) {
			return 0, kinds, syntaxError(i, "unexpected end")
		}
		switch c := d[i]; c {
		case '{', '[':
			if depth+len(kinds) >= maxDepth {
				return 0, kinds, syntaxError(i, "nesting too deep")
			}
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			i = skipWS(d, i+1)
			if i < len(d) && d[i] == closer {
				i++
				break
			}
			kinds = append(kinds, closer)
			if c == '{' {
				if i, err = scanKey(d, i); err != nil {
					return 0, kinds, err
				}
			}
			continue
		default:
			if i, err = scanScalar(d, i); err != nil {
				return 0, kinds, err
			}
		}
		// A value ended at i: close containers until one continues.
		for {
			if len(kinds) == 0 {
				return i, kinds, nil
			}
			i = skipWS(d, i)
			if i >= len(d) {
				return 0, kinds, syntaxError(i, "unexpected end")
			}
			top := kinds[len(kinds)-1]
			if d[i] == top {
				kinds = kinds[:len(kinds)-1]
				i++
				continue
			}
			if d[i] != ',' {
				return 0, kinds, syntaxError(i, "expected ',' or end of container")
			}
			i++
			if top == '}' {
				if i, err = scanKey(d, skipWS(d, i)); err != nil {
					return 0, kinds, err
				}
			}
			break
		}
	}
}

// scanKey validates a member name and its colon at d[i] and returns the offset after the colon.
func scanKey(d []byte, i int) (int, error) {
	if i >= len(d) || d[i] != '"' {
		return 0, syntaxError(i, "expected member name")
	}
	end, _, err := scanString(d, i)
	if err != nil {
		return 0, err
	}
	end = skipWS(d, end)
	if end >= len(d) || d[end] != ':' {
		return 0, syntaxError(end, "expected ':'")
	}
	return end + 1, nil
}
