package sensitive

import (
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/jsonstr"
)

// maxDepth is encoding/json's nesting limit; Scan accepts exactly what it accepts.
const maxDepth = 10000

// Scan walks every string value of the JSON document doc at any depth (and
// every digit-only number, for cards), applies p, and returns the document
// with Redact and Block values replaced, the findings in document order, and
// block=true when a Block kind was found. When nothing is replaced, out is doc
// itself. A document that is not JSON yields an error wrapping ErrInvalidJSON
// (an invalid p, ErrPolicy) and a nil out: the caller must not pass on what
// could not be inspected.
func Scan(doc []byte, p Policy) (out []byte, findings []Finding, block bool, err error) {
	acts, err := p.compile()
	if err != nil {
		return nil, nil, false, err
	}
	s := scanner{doc: doc, acts: acts, enabled: acts.enabled()}
	if err := s.run(); err != nil {
		return nil, nil, false, err
	}
	if s.out == nil {
		return doc, s.findings, s.block, nil
	}
	return append(s.out, doc[s.copied:]...), s.findings, s.block, nil
}

// frame is one open container: an array and its current index, or an object
// and the raw bounds of its current member name.
type frame struct {
	array            bool
	keyEsc           bool
	index            int
	keyStart, keyEnd int
}

// smallDepth is how many open containers the scanner tracks without allocating.
const smallDepth = 16

// scanner is one Scan's state. It validates as it goes, without recursion.
// The container stack lives in small up to smallDepth, then spills into big.
type scanner struct {
	doc      []byte
	pos      int
	depth    int
	small    [smallDepth]frame
	big      []frame
	acts     actions
	enabled  kindSet
	out      []byte // nil until the first replacement
	copied   int    // doc[:copied] is already in out
	findings []Finding
	block    bool
	scratch  []byte // unescaped string values
	counts   counts // of the last string scanned, escapes not decoded
}

// fail returns the error for malformed input at the current offset.
func (s *scanner) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrInvalidJSON, what, s.pos)
}

// run scans one value and the whitespace around it.
func (s *scanner) run() error {
	for {
		if err := s.value(); err != nil {
			return err
		}
		more, err := s.next()
		if err != nil || !more {
			return err
		}
	}
}

// value scans one value. A non-empty container is pushed and left open with
// the position past its first member's value; an empty one is complete.
func (s *scanner) value() error {
	for {
		s.skipSpace()
		if s.pos >= len(s.doc) {
			return s.fail("unexpected end")
		}
		switch c := s.doc[s.pos]; c {
		case '{', '[':
			if s.depth >= maxDepth {
				return s.fail("nesting too deep")
			}
			s.pos++
			s.skipSpace()
			if s.pos < len(s.doc) && s.doc[s.pos] == c+2 { // '}' is '{'+2, ']' is '['+2
				s.pos++
				return nil
			}
			s.push(frame{array: c == '['})
			if c == '{' {
				if err := s.member(); err != nil {
					return err
				}
			}
			// loop: the container's first value follows
		case '"':
			return s.stringValue()
		case 't':
			return s.literal("true")
		case 'f':
			return s.literal("false")
		case 'n':
			return s.literal("null")
		default:
			return s.number()
		}
	}
}

// next moves past a complete value: it closes finished containers and
// reports whether another value follows (after "," it has also read the next
// member's name).
func (s *scanner) next() (bool, error) {
	for {
		s.skipSpace()
		if s.depth == 0 {
			if s.pos != len(s.doc) {
				return false, s.fail("data after the document")
			}
			return false, nil
		}
		if s.pos >= len(s.doc) {
			return false, s.fail("unexpected end")
		}
		top := s.frame(s.depth - 1)
		c := s.doc[s.pos]
		s.pos++
		switch {
		case c == ',' && top.array:
			top.index++
			return true, nil
		case c == ',':
			return true, s.member()
		case (c == ']' && top.array) || (c == '}' && !top.array):
			s.pop()
		default:
			s.pos--
			return false, s.fail("expected , or a closing bracket")
		}
	}
}

// member reads `"name" :` into the top frame.
func (s *scanner) member() error {
	s.skipSpace()
	if s.pos >= len(s.doc) || s.doc[s.pos] != '"' {
		return s.fail("expected a member name")
	}
	start, end, esc, err := s.scanString()
	if err != nil {
		return err
	}
	top := s.frame(s.depth - 1)
	top.keyStart, top.keyEnd, top.keyEsc = start+1, end-1, esc
	s.skipSpace()
	if s.pos >= len(s.doc) || s.doc[s.pos] != ':' {
		return s.fail("expected :")
	}
	s.pos++
	return nil
}

// stringValue scans a string value and inspects it.
func (s *scanner) stringValue() error {
	start, end, esc, err := s.scanString()
	if err != nil {
		return err
	}
	raw := s.doc[start+1 : end-1]
	if len(raw) < minValueLen || s.enabled == 0 {
		return nil // unescaping never lengthens a string
	}
	v, cnt := raw, s.counts
	if esc {
		s.scratch = jsonstr.AppendUnescaped(s.scratch[:0], raw)
		v, cnt = s.scratch, countOf(s.scratch)
	}
	if found := detectCounted(v, cnt, s.enabled); found != 0 {
		s.report(found, v, start, end)
	}
	return nil
}

// scanString scans the string at s.pos; start and end bound it with its
// quotes, esc says whether it holds escapes. It leaves the string's character
// counts in s.counts, so detection needs no second pass.
func (s *scanner) scanString() (start, end int, esc bool, err error) {
	start = s.pos
	i := s.pos + 1
	var cnt counts
	var dollar uint8
	for i < len(s.doc) {
		for ; i < len(s.doc); i++ {
			cl := byteClass[s.doc[i]]
			if cl&clStringStop != 0 {
				break
			}
			cnt.digits += int(cl & clDigit)
			cnt.ats += int(cl&clAt) >> 1
			dollar |= cl
		}
		if i == len(s.doc) {
			break
		}
		c := s.doc[i]
		switch {
		case c == '"':
			s.pos = i + 1
			cnt.dollar = dollar&clDollar != 0
			s.counts = cnt
			return start, s.pos, esc, nil
		case c == '\\':
			n := jsonstr.EscapeLen(s.doc[i:])
			if n == 0 {
				s.pos = i
				return 0, 0, false, s.fail("invalid escape")
			}
			esc = true
			i += n
		default: // a control character
			s.pos = i
			return 0, 0, false, s.fail("control character in string")
		}
	}
	s.pos = i
	return 0, 0, false, s.fail("unterminated string")
}

// literal scans true, false or null.
func (s *scanner) literal(word string) error {
	if !hasPrefix(s.doc[s.pos:], word) {
		return s.fail("invalid literal")
	}
	s.pos += len(word)
	return nil
}

// number scans an RFC 8259 number; a digit-only one may be a card number.
func (s *scanner) number() error {
	start := s.pos
	b := s.doc
	i := s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i += run(b[i:], isDigit)
	default:
		s.pos = i
		return s.fail("invalid value")
	}
	plain := i
	if i < len(b) && b[i] == '.' {
		n := run(b[i+1:], isDigit)
		if n == 0 {
			s.pos = i + 1
			return s.fail("invalid number")
		}
		i += 1 + n
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		n := run(b[i:], isDigit)
		if n == 0 {
			s.pos = i
			return s.fail("invalid number")
		}
		i += n
	}
	s.pos = i
	if n := i - start; plain == i && b[start] != '-' && n >= 13 && n <= 19 &&
		s.enabled.has(idxCard) && isCard(b[start:i]) {
		s.report(1<<idxCard, b[start:i], start, i)
	}
	return nil
}

// push opens a container.
func (s *scanner) push(f frame) {
	if s.depth < smallDepth {
		s.small[s.depth] = f
	} else {
		s.big = append(s.big[:s.depth-smallDepth], f)
	}
	s.depth++
}

// pop closes the innermost container.
func (s *scanner) pop() { s.depth-- }

// frame returns open container i, 0 being the outermost.
func (s *scanner) frame(i int) *frame {
	if i < smallDepth {
		return &s.small[i]
	}
	return &s.big[i-smallDepth]
}

// skipSpace skips JSON whitespace.
func (s *scanner) skipSpace() {
	for s.pos < len(s.doc) && isSpace(s.doc[s.pos]) {
		s.pos++
	}
}
