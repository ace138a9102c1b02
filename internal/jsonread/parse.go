package jsonread

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonstr"
)

// DefaultMaxDepth is encoding/json's nesting limit, the cap of readers that
// accept what encoding/json accepts.
const DefaultMaxDepth = 10000

// Options say what Parse refuses beyond RFC 8259.
type Options struct {
	// MaxDepth caps nesting: "{}" and "[]" have depth 1, a scalar 0. Deeper
	// is ErrTooDeep. Zero or less means no cap (the parser does not recurse).
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
		// Room for a document of about 10 bytes a value; run grows it by
		// what the rest of a larger one seems to need.
		ix.nodes = make([]node, 0, min(len(data)/10+4, 4096))
	}
	p := parser{ix: ix, d: data, o: o, max: o.MaxDepth}
	if p.max <= 0 {
		p.max = math.MaxInt
	}
	err := p.run()
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

// parser is one Parse call.
type parser struct {
	ix  *Index
	d   []byte
	o   Options
	max int

	keys *keyScratch // UniqueKeys only
}

func (p *parser) fail(off int, msg string) error { return &SyntaxError{Offset: off, Msg: msg} }

// run reads the document into p.ix: values, and between them keys,
// separators and closing brackets, without recursion.
//
// It is one loop over few local variables, for speed: the node of a value
// is written in place, field by field, as it is read (an appended composite
// literal is built on the stack and copied, in stores and loads of different
// widths, which stalls store forwarding); the open containers are found by
// their parent links rather than kept on a stack; and plain strings and
// integers are read inline. A call, which spills every live register, is
// made only for a string with an escape or a byte from 0x80, another
// number, an object's duplicate-key check, a longer node slice or an error.
func (p *parser) run() error {
	d, ix := p.d, p.ix
	// The values so far are nodes[:count]; nodes is kept at its capacity,
	// so a new value changes only count.
	nodes, count := ix.nodes[:cap(ix.nodes)], 0
	top := int32(-1)     // the innermost open container, -1 when none is
	obj := false         // whether top is an object
	level, depth := 0, 0 // the containers open, and the most ever open
	i := 0
	for {
		// A value is expected at i, preceded by its key in an object. Its
		// node goes under top; a scalar's end is set once it is read, a
		// container's when it closes. After a call, n is taken afresh
		// rather than kept (which would cost a spill on every value).
		i = skipSpace(d, i)
		if count == len(nodes) {
			nodes = p.grow(nodes, i)
		}
		id := int32(count)
		count++
		n := &nodes[id]
		n.parent, n.next = top, id+1
		if obj {
			if i >= len(d) || d[i] != '"' {
				return p.fail(i, "expected a member name")
			}
			j := plainRun(d, i+1)
			if j < len(d) && d[j] == '"' {
				n.kq, n.k0, n.k1, n.flags = int32(i), int32(i+1), int32(j), keyASCII
				j++
			} else {
				var from, to int32
				var err error
				if j, from, to, err = p.scan(i, j); err != nil {
					return err
				}
				n = &nodes[id]
				n.kq, n.k0, n.k1, n.flags = int32(i), int32(i+1), int32(j-1), 0
				if from >= 0 {
					n.k0, n.k1, n.flags = from, to, keyArena
				}
			}
			if j < len(d) && d[j] == ':' { // as it mostly is
				i = skipSpace(d, j+1)
			} else if i = skipSpace(d, j); i < len(d) && d[i] == ':' {
				i = skipSpace(d, i+1)
			} else {
				return p.fail(i, "expected ':'")
			}
		} else {
			n.kq, n.flags = -1, 0
		}
		if i >= len(d) {
			return p.fail(i, "unexpected end")
		}
		n.start = int32(i)
		switch c := d[i]; c {
		case '"':
			j := plainRun(d, i+1)
			if j < len(d) && d[j] == '"' {
				n.kind, n.end = String, int32(j+1)
				i = j + 1
				break
			}
			j, from, to, err := p.scan(i, j)
			if err != nil {
				return err
			}
			n = &nodes[id]
			n.kind, n.end = String, int32(j)
			if from >= 0 {
				n.v0, n.v1 = from, to
				n.flags |= valArena
			}
			i = j
		case '{', '[':
			if level >= p.max {
				return ErrTooDeep
			}
			n.kind, obj = Array, c == '{'
			if obj {
				n.kind = Object
			}
			top, level = id, level+1
			depth = max(depth, level)
			if i = skipSpace(d, i+1); i >= len(d) || d[i] != c+2 { // '}' is '{'+2, ']' is '['+2
				continue // to the first member or element
			}
			// Empty: closed below, as after a last value.
		case 't':
			if !hasWord(d, i, "true") {
				return p.fail(i, "invalid literal")
			}
			n.kind, n.end = True, int32(i+4)
			i += 4
		case 'f':
			if !hasWord(d, i, "false") {
				return p.fail(i, "invalid literal")
			}
			n.kind, n.end = False, int32(i+5)
			i += 5
		case 'n':
			if !hasWord(d, i, "null") {
				return p.fail(i, "invalid literal")
			}
			n.kind, n.end = Null, int32(i+4)
			i += 4
		default:
			// Most numbers are integers, read here; a sign, a fraction, an
			// exponent or anything else is left to number.
			j := i
			if '1' <= c && c <= '9' {
				j = digits(d, i+1)
			} else if c == '0' {
				j = i + 1
			}
			if j == i || j < len(d) && (d[j] == '.' || d[j] == 'e' || d[j] == 'E') {
				var err error
				if j, err = p.number(i); err != nil {
					return err
				}
				n = &nodes[id]
			}
			n.kind, n.end = Number, int32(j)
			i = j
		}
		// A value ended at i: close containers until one continues.
		for {
			i = skipSpace(d, i)
			if top < 0 {
				if i != len(d) {
					return p.fail(i, "data after the document")
				}
				ix.nodes, ix.depth = nodes[:count], depth
				return nil
			}
			if i >= len(d) {
				return p.fail(i, "unexpected end")
			}
			c := d[i]
			if c == ',' {
				i++
				break // to the next member or element
			}
			if (c != '}' || !obj) && (c != ']' || obj) {
				return p.fail(i, "expected ',' or the end of the container")
			}
			// Close top at its bracket d[i].
			t := &nodes[top]
			t.end, t.next = int32(i+1), int32(count)
			if obj && p.o.UniqueKeys && t.next > top+2 {
				if err := p.duplicates(nodes[:count], int(top)); err != nil {
					return err
				}
				t = &nodes[top]
			}
			i++
			top, level = t.parent, level-1
			obj = top >= 0 && nodes[top].kind == Object
		}
	}
}

// grow returns nodes, all in use, copied into a longer slice: as long as the
// document seems to need, by the values in the bytes before i (an eighth
// more), but at least a quarter and at most twice as long, as append would
// grow it, so that a dense start cannot make it reserve much more than the
// document needs.
func (p *parser) grow(nodes []node, i int) []node {
	n := int64(len(nodes))
	want := 2 * n
	if i > 0 {
		want = n * int64(len(p.d)) / int64(i)
		want += want / 8
	}
	grown := make([]node, min(max(want, n+n/4+16), 2*n+16))
	copy(grown, nodes)
	return grown
}

// hasWord reports whether d holds word at i.
func hasWord(d []byte, i int, word string) bool {
	return len(d)-i >= len(word) && string(d[i:i+len(word)]) == word
}

// The string classes (strClass) sort the bytes of a string body.
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

// SWAR (SIMD within a register) constants: a byte of ones, a byte of high
// bits, repeated in each of a word's eight bytes.
const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// specialBytes returns, for the eight bytes of x (the first in the low
// byte), a mask whose lowest set bit is the high bit of the first byte that
// is not sPlain: '"', '\\', below 0x20 or from 0x80; 0 when all eight are
// plain.
//
// A byte's high bit is set in x - n*ones when the byte is below n (it wraps)
// or from 0x80+n, the latter special anyway, as x itself, OR-ed in, marks;
// applied to x with the quote or the backslash cleared (xor), n = 1 finds
// that byte, and n = 0x20 to x finds control bytes. A byte that wraps
// borrows from the next, which may then be marked wrongly: only bytes after
// a special one, so the lowest mark is right, and it is the only one read.
func specialBytes(x uint64) uint64 {
	q := x ^ (swarOnes * '"')
	b := x ^ (swarOnes * '\\')
	return ((q - swarOnes) | (b - swarOnes) | (x - swarOnes*0x20) | x) & swarHighs
}

// plainRun returns the offset of the first byte at or after j that is not
// sPlain, looking at eight bytes at a time; where fewer than eight remain it
// stops, and returns the offset of the first of those it has not looked at.
func plainRun(d []byte, j int) int {
	for ; len(d)-j >= 8; j += 8 {
		if m := specialBytes(binary.LittleEndian.Uint64(d[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	return j
}

// scan reads the string whose opening quote is at d[i] and whose body is
// plain up to j, and returns the offset just past its closing quote. A
// string with escapes is decoded into the arena, to arena[from:to]; from is
// -1 for one without.
//
// Up to its first escape the body is only checked, eight bytes at a time
// where it is plain. From there on it is decoded as it is checked, byte by
// byte, as jsonstr.AppendUnescaped decodes a body: other bytes are copied as
// they are, the two-byte escapes decoded here, and each run of \u escapes
// handed to AppendUnescaped whole (it pairs surrogates, looking no further
// than the next escape, so a run decodes as it would in the whole body).
func (p *parser) scan(i, j int) (end int, from, to int32, err error) {
	d := p.d
	for {
		if j = plainRun(d, j); j >= len(d) {
			return 0, 0, 0, p.fail(i, "unterminated string")
		}
		c := strClass[d[j]]
		if c == sEscape {
			break
		}
		switch c {
		case sPlain: // among the last seven bytes
			j++
		case sQuote:
			return j + 1, -1, 0, nil
		case sControl:
			return 0, 0, 0, p.fail(j, "control character in string")
		default:
			n, err := p.rune(j)
			if err != nil {
				return 0, 0, 0, err
			}
			j += n
		}
	}
	a := p.ix.arena
	if cap(a) == 0 {
		// The first: room for the rest of the document's, guessed at a
		// quarter of its bytes, rather than growing from a few bytes.
		a = make([]byte, 0, min(max((len(d)-i)/4, 64), 4096))
	}
	from = int32(len(a))
	a = append(a, d[i+1:j]...)
	for j < len(d) {
		c := d[j]
		switch strClass[c] {
		case sPlain:
			a = append(a, c)
			j++
			continue
		case sQuote:
			p.ix.arena = a
			return j + 1, from, int32(len(a)), nil
		case sControl:
			return 0, 0, 0, p.fail(j, "control character in string")
		case sHigh:
			n, err := p.rune(j)
			if err != nil {
				return 0, 0, 0, err
			}
			a = append(a, d[j:j+n]...)
			j += n
			continue
		}
		// An escape.
		if j+1 >= len(d) {
			return 0, 0, 0, p.fail(j, "invalid escape")
		}
		if b, ok := jsonstr.ShortEscape(d[j+1]); ok {
			a = append(a, b)
			j += 2
			continue
		}
		if d[j+1] != 'u' {
			return 0, 0, 0, p.fail(j, "invalid escape")
		}
		k := j
		for k+1 < len(d) && d[k] == '\\' && d[k+1] == 'u' {
			n := jsonstr.EscapeLen(d[k:])
			if n == 0 {
				return 0, 0, 0, p.fail(k, "invalid escape")
			}
			k += n
		}
		a = jsonstr.AppendUnescaped(a, d[j:k])
		j = k
	}
	return 0, 0, 0, p.fail(i, "unterminated string")
}

// rune checks the byte from 0x80 at d[j] in a string and returns how many
// bytes to pass: its UTF-8 sequence, or the byte alone with
// AllowInvalidUTF8.
func (p *parser) rune(j int) (int, error) {
	if p.o.AllowInvalidUTF8 {
		return 1, nil
	}
	r, size := utf8.DecodeRune(p.d[j:])
	if r == utf8.RuneError && size <= 1 {
		return 0, p.fail(j, "invalid UTF-8 in string")
	}
	return size, nil
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
	return j, nil
}

// digits returns the offset of the first non-digit at or after i.
func digits(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}

// skipSpace returns the offset of the first non-whitespace byte at or after
// i. Most documents have little whitespace between tokens, so the first byte
// is tested inline: one above ' ' is not whitespace.
func skipSpace(d []byte, i int) int {
	if i < len(d) && d[i] > ' ' {
		return i
	}
	return skipSpaceSlow(d, i)
}

// skipSpaceSlow is skipSpace's loop, out of line so that skipSpace inlines.
func skipSpaceSlow(d []byte, i int) int {
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

// FirstByte returns the first byte of data after JSON whitespace, or 0 when
// there is none: '{' or '[' says a document would be a container, without
// reading it.
func FirstByte(data []byte) byte {
	if i := skipSpace(data, 0); i < len(data) {
		return data[i]
	}
	return 0
}
