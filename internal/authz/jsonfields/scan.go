package jsonfields

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// validate checks that doc is one JSON value in valid UTF-8 and returns the
// offset of its first byte. encoding/json alone lets invalid UTF-8 through and
// replaces it later; the gateway refuses it instead, like hygiene does.
func validate(doc []byte) (int, error) {
	if !utf8.Valid(doc) {
		return 0, fmt.Errorf("%w: invalid UTF-8", ErrInvalidJSON)
	}
	if !json.Valid(doc) {
		return 0, fmt.Errorf("%w: malformed document", ErrInvalidJSON)
	}
	return skipWS(doc, 0), nil
}

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

// skipString returns the offset just past the string starting at d[i] == '"'.
func skipString(d []byte, i int) (int, error) {
	for i++; i < len(d); i++ {
		switch d[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errTruncated
}

// errTruncated is a defensive error: validated documents never produce it.
var errTruncated = fmt.Errorf("%w: truncated document", ErrInvalidJSON)

// skipValue returns the offset just past the value starting at d[i], without
// recursion whatever its nesting.
func skipValue(d []byte, i int) (int, error) {
	depth := 0
	for i < len(d) {
		switch c := d[i]; c {
		case '"':
			end, err := skipString(d, i)
			if err != nil {
				return 0, err
			}
			i = end
		case '{', '[':
			depth++
			i++
		case '}', ']':
			depth--
			i++
		case ' ', '\t', '\n', '\r', ',', ':':
			i++
		default: // number or literal
			for i < len(d) && !isDelim(d[i]) {
				i++
			}
		}
		if depth <= 0 {
			if depth < 0 {
				return 0, errTruncated
			}
			return i, nil
		}
	}
	return 0, errTruncated
}

// isDelim reports whether c ends a number or literal.
func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
		return true
	}
	return false
}

// iter walks the members of an object or the elements of an array in place.
// After next returns a value's offset, the caller handles the value and calls
// done with the offset just past it.
type iter struct {
	d     []byte
	pos   int
	obj   bool
	first bool
}

// open starts iterating the container at d[i] ('{' or '[').
func open(d []byte, i int) iter {
	return iter{d: d, pos: i + 1, obj: d[i] == '{', first: true}
}

// next returns the next member's raw key (with quotes; nil in arrays) and the
// offset of its value; ok is false after the closing bracket, whose end is then it.pos.
func (it *iter) next() (key []byte, val int, ok bool, err error) {
	d := it.d
	i := skipWS(d, it.pos)
	if i >= len(d) {
		return nil, 0, false, errTruncated
	}
	if d[i] == '}' || d[i] == ']' {
		it.pos = i + 1
		return nil, 0, false, nil
	}
	if !it.first {
		if d[i] != ',' {
			return nil, 0, false, errTruncated
		}
		i = skipWS(d, i+1)
	}
	it.first = false
	if it.obj {
		if i >= len(d) || d[i] != '"' {
			return nil, 0, false, errTruncated
		}
		end, err := skipString(d, i)
		if err != nil {
			return nil, 0, false, err
		}
		key = d[i:end]
		i = skipWS(d, end)
		if i >= len(d) || d[i] != ':' {
			return nil, 0, false, errTruncated
		}
		i = skipWS(d, i+1)
	}
	if i >= len(d) {
		return nil, 0, false, errTruncated
	}
	return key, i, true, nil
}

// done records that the current value ends at end.
func (it *iter) done(end int) { it.pos = end }

// unquote returns the content of the raw string token s, unescaped. It returns a
// sub-slice of s when there is nothing to unescape (the common case, no allocation).
func unquote(s []byte) ([]byte, error) {
	if len(s) < 2 {
		return nil, errTruncated
	}
	inner := s[1 : len(s)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, nil
	}
	var out string
	if err := json.Unmarshal(s, &out); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJSON, err)
	}
	return []byte(out), nil
}
