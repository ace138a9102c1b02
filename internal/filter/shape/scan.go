package shape

import (
	"github.com/bulwark-gw/bulwark/internal/jsonstr"
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
			n := jsonstr.EscapeLen(d[j:])
			if n == 0 {
				return 0, false, syntaxError(j, "bad escape")
			}
			j += n - 1
		default:
			return 0, false, syntaxError(j, "control character in string")
		}
	}
	return 0, false, syntaxError(i, "unterminated string")
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
