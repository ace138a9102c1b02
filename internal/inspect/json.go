package inspect

import (
	"errors"
	"fmt"
	"github.com/bulwark-gw/bulwark/internal/jsonstr"
	"unicode/utf8"
)

// MaxJSONDepth is the deepest JSON nesting the walker accepts. The hygiene
// layer caps depth much lower (64 by default); this bound only keeps the
// walker's own stack finite if that check is ever configured away.
const MaxJSONDepth = 10000

var errJSONEnd = errors.New("json: unexpected end of input")

func errJSON(pos int, what string) error {
	return fmt.Errorf("json: %s at offset %d", what, pos)
}

// walkJSON inspects every key and string value of one JSON document, at any
// depth, with its path. It validates as it goes (RFC 8259, strings valid
// UTF-8) and never recurses: containers are an explicit stack of frames.
// Numbers, booleans and null are checked for syntax and otherwise skipped.
func (s *state) walkJSON(data []byte) error {
	s.frames, s.keys = s.frames[:0], s.keys[:0]
	pos := 0
	for {
		var opened bool
		var err error
		if pos, opened, err = s.jsonValue(data, pos); err != nil || s.found {
			return err
		}
		if opened {
			continue // the first member of a container just opened
		}
		var more bool
		if pos, more, err = s.jsonNext(data, pos); err != nil || s.found || !more {
			return err
		}
	}
}

// jsonValue reads one value at pos. A non-empty container is opened (and an
// object's first key read): opened is true and its first value comes next.
func (s *state) jsonValue(data []byte, pos int) (next int, opened bool, err error) {
	pos = skipSpace(data, pos)
	if pos >= len(data) {
		return pos, false, errJSONEnd
	}
	switch c := data[pos]; c {
	case '{', '[':
		if len(s.frames) >= MaxJSONDepth {
			return pos, false, errJSON(pos, "nesting too deep")
		}
		s.frames = append(s.frames, frame{object: c == '{', keyStart: len(s.keys), keyEnd: len(s.keys)})
		pos = skipSpace(data, pos+1)
		if pos < len(data) && (c == '{' && data[pos] == '}' || c == '[' && data[pos] == ']') {
			s.pop()
			return pos + 1, false, nil
		}
		if c == '{' {
			pos, err = s.jsonKey(data, pos)
		}
		return pos, true, err
	case '"':
		end, escaped, err := scanString(data, pos)
		if err != nil {
			return end, false, err
		}
		v := data[pos+1 : end]
		if escaped {
			s.scratch = jsonstr.AppendUnescaped(s.scratch[:0], v)
			v = s.scratch
		}
		s.check(locBody, "", s.decode(bytesString(v)), roleValue)
		return end + 1, false, nil
	case 't':
		return literal(data, pos, "true")
	case 'f':
		return literal(data, pos, "false")
	case 'n':
		return literal(data, pos, "null")
	default:
		return number(data, pos)
	}
}

// jsonNext reads what follows a value: closes finished containers and stops
// at the next member (more = true) or at the end of the document.
func (s *state) jsonNext(data []byte, pos int) (next int, more bool, err error) {
	for {
		pos = skipSpace(data, pos)
		if len(s.frames) == 0 {
			if pos != len(data) {
				return pos, false, errJSON(pos, "data after the top-level value")
			}
			return pos, false, nil
		}
		if pos >= len(data) {
			return pos, false, errJSONEnd
		}
		top := &s.frames[len(s.frames)-1]
		switch c := data[pos]; {
		case c == ',':
			if !top.object {
				top.index++
				return pos + 1, true, nil
			}
			pos, err = s.jsonKey(data, skipSpace(data, pos+1))
			return pos, err == nil, err
		case c == '}' && top.object, c == ']' && !top.object:
			s.pop()
			pos++
		default:
			return pos, false, errJSON(pos, "unexpected character")
		}
	}
}

// pop closes the innermost container.
func (s *state) pop() {
	top := s.frames[len(s.frames)-1]
	s.keys = s.keys[:top.keyStart]
	s.frames = s.frames[:len(s.frames)-1]
}

// jsonKey reads `"key" :` at pos into the innermost frame and inspects the
// key: nosql.Operator plus the string detectors. Duplicate keys are simply
// read again, so each one is inspected.
func (s *state) jsonKey(data []byte, pos int) (int, error) {
	if pos >= len(data) || data[pos] != '"' {
		return pos, errJSON(pos, "object key expected")
	}
	end, escaped, err := scanString(data, pos)
	if err != nil {
		return end, err
	}
	top := &s.frames[len(s.frames)-1]
	s.keys = s.keys[:top.keyStart]
	if escaped {
		s.keys = jsonstr.AppendUnescaped(s.keys, data[pos+1:end])
	} else {
		s.keys = append(s.keys, data[pos+1:end]...)
	}
	top.keyEnd = len(s.keys)
	pos = end + 1
	pos = skipSpace(data, pos)
	if pos >= len(data) || data[pos] != ':' {
		return pos, errJSON(pos, "':' expected")
	}
	key := bytesString(s.keys[top.keyStart:top.keyEnd])
	s.check(locBodyKey, "", s.decode(key), roleKey)
	return pos + 1, nil
}

func skipSpace(data []byte, pos int) int {
	for pos < len(data) {
		switch data[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		default:
			return pos
		}
	}
	return pos
}

func literal(data []byte, pos int, word string) (int, bool, error) {
	if len(data)-pos < len(word) || string(data[pos:pos+len(word)]) != word {
		return pos, false, errJSON(pos, "invalid literal")
	}
	return pos + len(word), false, nil
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at pos.
func number(data []byte, pos int) (int, bool, error) {
	start := pos
	if pos < len(data) && data[pos] == '-' {
		pos++
	}
	switch {
	case pos < len(data) && data[pos] == '0':
		pos++
	case pos < len(data) && '1' <= data[pos] && data[pos] <= '9':
		pos = digits(data, pos)
	default:
		return start, false, errJSON(start, "invalid value")
	}
	if pos < len(data) && data[pos] == '.' {
		p := digits(data, pos+1)
		if p == pos+1 {
			return start, false, errJSON(start, "invalid number")
		}
		pos = p
	}
	if pos < len(data) && (data[pos] == 'e' || data[pos] == 'E') {
		pos++
		if pos < len(data) && (data[pos] == '+' || data[pos] == '-') {
			pos++
		}
		p := digits(data, pos)
		if p == pos {
			return start, false, errJSON(start, "invalid number")
		}
		pos = p
	}
	return pos, false, nil
}

func digits(data []byte, pos int) int {
	for pos < len(data) && '0' <= data[pos] && data[pos] <= '9' {
		pos++
	}
	return pos
}

// scanString validates the string whose opening quote is at pos and returns
// the offset of its closing quote and whether it holds escapes. Raw control
// characters and invalid UTF-8 are errors: parsers disagree about them, and a
// disagreement between the gateway and the upstream is a bypass.
func scanString(data []byte, pos int) (end int, escaped bool, err error) {
	for i := pos + 1; i < len(data); {
		c := data[i]
		switch {
		case c == '"':
			return i, escaped, nil
		case c == '\\':
			n := jsonstr.EscapeLen(data[i:])
			if n == 0 {
				return i, false, errJSON(i, "invalid escape")
			}
			escaped = true
			i += n
		case c < 0x20:
			return i, false, errJSON(i, "control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, false, errJSON(i, "invalid UTF-8 in string")
			}
			i += size
		}
	}
	return len(data), false, errJSONEnd
}
