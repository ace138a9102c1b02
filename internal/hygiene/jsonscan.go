package hygiene

import "unicode/utf8"

// jsonVerdict is the outcome of scanning a JSON document.
type jsonVerdict uint8

const (
	jsonOK jsonVerdict = iota
	jsonInvalid
	jsonTooDeep
)

// smallStackBits is how many nesting levels the scanner tracks without
// allocating; deeper documents (allowed only by a cap above it) grow a heap bit stack.
const smallStackBits = 256

// jsonScanner validates one JSON text (RFC 8259) and caps its nesting depth with
// an explicit bit stack (1 = object, 0 = array) instead of recursion, so a
// hostile document can cost neither stack nor heap. Strings must be valid UTF-8:
// parsers disagree about invalid bytes, and a disagreement between the gateway
// and the upstream is a bypass.
type jsonScanner struct {
	data  []byte
	pos   int
	depth int
	max   int
	small [smallStackBits / 64]uint64
	big   []uint64
}

// scanJSON reports whether data is one valid JSON value, optionally surrounded by
// whitespace, nested at most maxDepth deep. "{}" and "[]" have depth 1; a scalar
// has depth 0. maxDepth <= 0 means no depth cap.
func scanJSON(data []byte, maxDepth int) jsonVerdict {
	s := jsonScanner{data: data, max: maxDepth}
	if maxDepth <= 0 {
		s.max = len(data) // nesting can never exceed the number of bytes
	}
	return s.run()
}

// run scans the whole text: one value, then closes and commas until every
// container is closed, then only whitespace.
func (s *jsonScanner) run() jsonVerdict {
	if v := s.value(); v != jsonOK {
		return v
	}
	for s.depth > 0 {
		s.skipSpace()
		if s.pos >= len(s.data) {
			return jsonInvalid
		}
		c := s.data[s.pos]
		s.pos++
		obj := s.inObject()
		switch {
		case c == ',':
			if obj && !s.key() {
				return jsonInvalid
			}
			if v := s.value(); v != jsonOK {
				return v
			}
		case (c == '}' && obj) || (c == ']' && !obj):
			s.depth--
		default:
			return jsonInvalid
		}
	}
	s.skipSpace()
	if s.pos != len(s.data) {
		return jsonInvalid
	}
	return jsonOK
}

// value scans one value. A container is opened and, unless empty, left open
// after its first member's value has been scanned; run closes it.
func (s *jsonScanner) value() jsonVerdict {
	for {
		s.skipSpace()
		if s.pos >= len(s.data) {
			return jsonInvalid
		}
		c := s.data[s.pos]
		switch c {
		case '{', '[':
			if !s.push(c == '{') {
				return jsonTooDeep
			}
			s.pos++
			s.skipSpace()
			if s.pos < len(s.data) && s.data[s.pos] == closer(c) {
				s.pos++
				s.depth--
				return jsonOK
			}
			if c == '{' && !s.key() {
				return jsonInvalid
			}
			continue // the first member's value
		case '"':
			return verdict(s.str())
		case 't':
			return verdict(s.literal("true"))
		case 'f':
			return verdict(s.literal("false"))
		case 'n':
			return verdict(s.literal("null"))
		default:
			return verdict(s.number())
		}
	}
}

func closer(open byte) byte {
	if open == '{' {
		return '}'
	}
	return ']'
}

func verdict(ok bool) jsonVerdict {
	if ok {
		return jsonOK
	}
	return jsonInvalid
}

// key scans `"name" :` inside an object.
func (s *jsonScanner) key() bool {
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '"' || !s.str() {
		return false
	}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		return false
	}
	s.pos++
	return true
}

func (s *jsonScanner) push(object bool) bool {
	if s.depth >= s.max {
		return false
	}
	i := s.depth
	word, bit := &s.small[0], uint64(1)<<(i%64)
	if i < smallStackBits {
		word = &s.small[i/64]
	} else {
		w := (i - smallStackBits) / 64
		if w == len(s.big) {
			s.big = append(s.big, 0) // grows only for documents deeper than 256
		}
		word = &s.big[w]
	}
	if object {
		*word |= bit
	} else {
		*word &^= bit
	}
	s.depth++
	return true
}

func (s *jsonScanner) inObject() bool {
	i := s.depth - 1
	if i < smallStackBits {
		return s.small[i/64]&(1<<(i%64)) != 0
	}
	return s.big[(i-smallStackBits)/64]&(1<<(i%64)) != 0
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *jsonScanner) literal(word string) bool {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return false
	}
	s.pos += len(word)
	return true
}

// str scans a string starting at its opening quote.
func (s *jsonScanner) str() bool {
	s.pos++ // opening quote
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return true
		case c == '\\':
			if !s.escape() {
				return false
			}
		case c < 0x20:
			return false
		case c < utf8.RuneSelf:
			s.pos++
		default:
			r, size := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && size <= 1 {
				return false
			}
			s.pos += size
		}
	}
	return false
}

// escape scans one escape sequence starting at its backslash.
func (s *jsonScanner) escape() bool {
	if s.pos+1 >= len(s.data) {
		return false
	}
	switch s.data[s.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.pos += 2
		return true
	case 'u':
		if len(s.data)-s.pos < 6 {
			return false
		}
		for _, h := range s.data[s.pos+2 : s.pos+6] {
			if !isHex(h) {
				return false
			}
		}
		s.pos += 6
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScanner) number() bool {
	if s.peek() == '-' {
		s.pos++
	}
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return false
	}
	if s.peek() == '.' {
		s.pos++
		if s.digits() == 0 {
			return false
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

// peek returns the current byte, or 0 at the end.
func (s *jsonScanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *jsonScanner) digits() int {
	start := s.pos
	for s.pos < len(s.data) && '0' <= s.data[s.pos] && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}
