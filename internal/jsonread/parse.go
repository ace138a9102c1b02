package jsonread

import (
	"math"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonstr"
)

// DefaultMaxDepth is encoding/json's nesting limit, the cap of readers that
// accept what encoding/json accepts.
const DefaultMaxDepth = 10000

// Options say what Parse refuses beyond RFC 8259.
type Options struct {
	// MaxDepth caps nesting: "{}" and "[]" have depth 1, a scalar 0. Deeper
	// is ErrTooDeep. Zero or less means no cap (the parser does not recurse;
	// its stack is bounded by the document's size).
	MaxDepth int
	// UniqueKeys refuses an object with two keys of the same folded form
	// (jsonstr.AppendFoldedText) with a *DuplicateKeyError.
	UniqueKeys bool
	// AllowInvalidUTF8 accepts strings holding bytes that are not UTF-8, as
	// encoding/json does (it replaces them; Text keeps them). For readers of
	// what an upstream sent; a request must be refused instead.
	AllowInvalidUTF8 bool
}

// Parse reads data as one JSON document and returns its Index, or an error:
// a *SyntaxError (ErrInvalid), ErrTooDeep, a *DuplicateKeyError
// (ErrDuplicateKey) or ErrTooLarge, whichever the reading meets first.
func Parse(data []byte, o Options) (*Index, error) {
	if h := parseHook.Load(); h != nil {
		(*h)(data)
	}
	if len(data) >= math.MaxInt32 {
		return nil, ErrTooLarge
	}
	ix := indexes.Get().(*Index)
	ix.pooled = true
	ix.data = data
	if cap(ix.nodes) == 0 {
		ix.nodes = make([]node, 0, len(data)/16+4)
	}
	p := parser{ix: ix, nodes: ix.nodes[:0], d: data, o: o, max: o.MaxDepth, stack: ix.stack[:0]}
	if p.max <= 0 {
		p.max = math.MaxInt
	}
	err := p.run()
	ix.nodes, ix.stack = p.nodes, p.stack[:0]
	p.releaseKeys()
	if err != nil {
		ix.Release()
		return nil, err
	}
	return ix, nil
}

// Valid reports whether data is one JSON document Parse would accept with o.
func Valid(data []byte, o Options) bool {
	ix, err := Parse(data, o)
	ix.Release()
	return err == nil
}

// parser is one Parse call. stack holds the open containers, innermost
// last; a pending key waits in kq, k0, k1, kflags for the value it names.
type parser struct {
	ix    *Index
	nodes []node // ix.nodes while parsing
	d     []byte
	o     Options
	max   int
	stack []int32

	kq, k0, k1 int32
	kflags     uint8

	keys *keyScratch // UniqueKeys only
}

func (p *parser) fail(off int, msg string) error { return &SyntaxError{Offset: off, Msg: msg} }

// run reads the document: values, and between them separators and closing
// brackets, without recursion.
func (p *parser) run() error {
	d := p.d
	i := 0
	p.kq = -1
	for {
		// A value is expected at i.
		i = skipSpace(d, i)
		if i >= len(d) {
			return p.fail(i, "unexpected end")
		}
		var err error
		switch c := d[i]; c {
		case '{', '[':
			if len(p.stack) >= p.max {
				return ErrTooDeep
			}
			kind := Object
			if c == '[' {
				kind = Array
			}
			id := p.add(kind, i, 0)
			p.stack = append(p.stack, id)
			p.ix.depth = max(p.ix.depth, len(p.stack))
			if i = skipSpace(d, i+1); i < len(d) && d[i] == c+2 { // '}' is '{'+2, ']' is '['+2
				i, err = p.close(i)
				if err != nil {
					return err
				}
				break
			}
			if kind == Object {
				if i, err = p.key(i); err != nil {
					return err
				}
			}
			continue // the first member's value
		case '"':
			if i, err = p.str(i); err != nil {
				return err
			}
		case 't':
			i, err = p.literal(i, "true", True)
		case 'f':
			i, err = p.literal(i, "false", False)
		case 'n':
			i, err = p.literal(i, "null", Null)
		default:
			i, err = p.number(i)
		}
		if err != nil {
			return err
		}
		// A value ended at i: close containers until one continues.
		for {
			i = skipSpace(d, i)
			if len(p.stack) == 0 {
				if i != len(d) {
					return p.fail(i, "data after the document")
				}
				return nil
			}
			if i >= len(d) {
				return p.fail(i, "unexpected end")
			}
			top := p.stack[len(p.stack)-1]
			obj := p.nodes[top].kind == Object
			c := d[i]
			if c == ',' {
				i++
				if obj {
					if i, err = p.key(skipSpace(d, i)); err != nil {
						return err
					}
				}
				break
			}
			if (c == '}' && obj) || (c == ']' && !obj) {
				if i, err = p.close(i); err != nil {
					return err
				}
				continue
			}
			return p.fail(i, "expected ',' or the end of the container")
		}
	}
}

// add appends a value of kind starting at d[i], under the innermost open
// container and with the pending key, and returns its number. A scalar
// passes its end; a container's end is set when it closes.
func (p *parser) add(kind Kind, i, end int) int32 {
	parent := int32(-1)
	if len(p.stack) > 0 {
		parent = p.stack[len(p.stack)-1]
	}
	id := int32(len(p.nodes))
	p.nodes = append(p.nodes, node{start: int32(i), end: int32(end), next: id + 1, parent: parent,
		kq: p.kq, k0: p.k0, k1: p.k1, kind: kind, flags: p.kflags})
	p.kq, p.kflags = -1, 0
	return id
}

// close ends the innermost container at its closing bracket d[i] and returns
// the offset past it.
func (p *parser) close(i int) (int, error) {
	id := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	n := &p.nodes[id]
	n.end = int32(i + 1)
	n.next = int32(len(p.nodes))
	if n.kind == Object && p.o.UniqueKeys && n.next > id+2 {
		if err := p.duplicates(int(id)); err != nil {
			return 0, err
		}
	}
	return i + 1, nil
}

// key reads `"name" :` at d[i] into the pending key and returns the offset past the colon.
func (p *parser) key(i int) (int, error) {
	d := p.d
	if i >= len(d) || d[i] != '"' {
		return 0, p.fail(i, "expected a member name")
	}
	end, esc, err := p.scan(i)
	if err != nil {
		return 0, err
	}
	p.kq = int32(i)
	if esc {
		a := p.ix.arena
		p.k0 = int32(len(a))
		a = jsonstr.AppendUnescaped(a, d[i+1:end-1])
		p.k1 = int32(len(a))
		p.ix.arena = a
		p.kflags = keyArena
	} else {
		p.k0, p.k1, p.kflags = int32(i+1), int32(end-1), 0
	}
	i = skipSpace(d, end)
	if i >= len(d) || d[i] != ':' {
		return 0, p.fail(i, "expected ':'")
	}
	return i + 1, nil
}

// str reads the string value at d[i] and returns the offset past it.
func (p *parser) str(i int) (int, error) {
	end, esc, err := p.scan(i)
	if err != nil {
		return 0, err
	}
	id := p.add(String, i, end)
	if esc {
		n := &p.nodes[id]
		a := p.ix.arena
		n.v0 = int32(len(a))
		a = jsonstr.AppendUnescaped(a, p.d[i+1:end-1])
		n.v1 = int32(len(a))
		p.ix.arena = a
		n.flags |= valArena
	}
	return end, nil
}

// strByte classes the bytes of a string body.
const (
	sPlain   = 0
	sQuote   = 1
	sEscape  = 2
	sControl = 3
	sHigh    = 4
)

var strClass = func() (t [256]uint8) {
	for c := range 0x20 {
		t[c] = sControl
	}
	t['"'] = sQuote
	t['\\'] = sEscape
	for c := 0x80; c < 256; c++ {
		t[c] = sHigh
	}
	return t
}()

// scan validates the string whose opening quote is at d[i] and returns the
// offset just past its closing quote and whether it holds escapes.
func (p *parser) scan(i int) (end int, esc bool, err error) {
	d := p.d
	j := i + 1
	for j < len(d) {
		switch strClass[d[j]] {
		case sPlain:
			j++
		case sQuote:
			return j + 1, esc, nil
		case sEscape:
			n := jsonstr.EscapeLen(d[j:])
			if n == 0 {
				return 0, false, p.fail(j, "invalid escape")
			}
			esc = true
			j += n
		case sControl:
			return 0, false, p.fail(j, "control character in string")
		default:
			if p.o.AllowInvalidUTF8 {
				j++
				continue
			}
			r, size := utf8.DecodeRune(d[j:])
			if r == utf8.RuneError && size <= 1 {
				return 0, false, p.fail(j, "invalid UTF-8 in string")
			}
			j += size
		}
	}
	return 0, false, p.fail(i, "unterminated string")
}

// literal reads true, false or null at d[i].
func (p *parser) literal(i int, word string, kind Kind) (int, error) {
	d := p.d
	if len(d)-i < len(word) || string(d[i:i+len(word)]) != word {
		return 0, p.fail(i, "invalid literal")
	}
	p.add(kind, i, i+len(word))
	return i + len(word), nil
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at d[i]. What
// follows is checked by the caller, so "01" and "1x" fail there.
func (p *parser) number(i int) (int, error) {
	d := p.d
	j := i
	if j < len(d) && d[j] == '-' {
		j++
	}
	switch {
	case j < len(d) && d[j] == '0':
		j++
	case j < len(d) && '1' <= d[j] && d[j] <= '9':
		j = digits(d, j+1)
	default:
		return 0, p.fail(i, "invalid value")
	}
	if j < len(d) && d[j] == '.' {
		k := digits(d, j+1)
		if k == j+1 {
			return 0, p.fail(j, "invalid number")
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
			return 0, p.fail(j, "invalid number")
		}
		j = k
	}
	p.add(Number, i, j)
	return j, nil
}

// digits returns the offset of the first non-digit at or after i.
func digits(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}

// skipSpace returns the offset of the first non-whitespace byte at or after i.
func skipSpace(d []byte, i int) int {
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
