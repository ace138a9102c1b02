package hygiene

import (
	"bytes"
	"cmp"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonstr"
)

// jsonVerdict is the outcome of scanning a JSON document.
type jsonVerdict uint8

const (
	jsonOK jsonVerdict = iota
	jsonInvalid
	jsonTooDeep
	jsonDuplicateKey
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

	// Duplicate keys (nil keys: not checked): the keys of every open object
	// and a marker per open container, innermost last; base is the index of
	// the innermost container's marker, -1 outside any.
	keys *keyState
	base int
	dup  string // the JSON pointer of the duplicate key found
}

// scanJSON reports whether data is one valid JSON value, optionally surrounded by
// whitespace, nested at most maxDepth deep. "{}" and "[]" have depth 1; a scalar
// has depth 0. maxDepth <= 0 means no depth cap. With uniqueKeys, an object
// with two keys of the same jsonstr.AppendFoldedKey form is jsonDuplicateKey,
// and dup is the JSON pointer of the second one (its text as decoded, cut to
// maxPointerBytes; never a value).
func scanJSON(data []byte, maxDepth int, uniqueKeys bool) (v jsonVerdict, dup string) {
	s := jsonScanner{data: data, max: maxDepth, base: -1}
	if maxDepth <= 0 {
		s.max = len(data) // nesting can never exceed the number of bytes
	}
	if uniqueKeys {
		s.keys = keyStates.Get().(*keyState)
		defer s.keys.release()
	}
	v = s.run()
	return v, s.dup
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
			if !obj && s.keys != nil {
				s.keys.list[s.base].h++ // the array's next element
			}
			if v := s.value(); v != jsonOK {
				return v
			}
		case (c == '}' && obj) || (c == ']' && !obj):
			if v := s.pop(obj); v != jsonOK {
				return v
			}
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
				return s.pop(c == '{')
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
	start := s.pos
	if s.pos >= len(s.data) || s.data[s.pos] != '"' || !s.str() {
		return false
	}
	if s.keys != nil {
		s.keys.add(s.data[start+1:s.pos-1], start)
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
	if s.keys != nil {
		s.keys.list = append(s.keys.list, keyEntry{off: -(s.base + 2)})
		s.base = len(s.keys.list) - 1
	}
	return true
}

// pop closes the innermost container; an object closed with two keys of one
// form is jsonDuplicateKey.
func (s *jsonScanner) pop(object bool) jsonVerdict {
	if k := s.keys; k != nil {
		if object {
			if off, ok := k.duplicate(s.data, s.base+1); ok {
				s.dup = s.pointer(off)
				return jsonDuplicateKey
			}
		}
		prev := -k.list[s.base].off - 2
		k.list = k.list[:s.base]
		s.base = prev
	}
	s.depth--
	return jsonOK
}

func (s *jsonScanner) inObject() bool { return s.objectAt(s.depth - 1) }

// objectAt reports whether the container at nesting index i (0 is the
// outermost) is an object.
func (s *jsonScanner) objectAt(i int) bool {
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

// keyEntry is one key of an open object, or the marker of an open container.
type keyEntry struct {
	// h is a key's folded-form hash, or, in a marker, the index of an
	// array's current element.
	h uint64
	// off is a key's offset (its opening quote) in the document, >= 0; a
	// marker holds -(index of the enclosing container's marker + 2).
	off int
}

// keyState is the scratch of a duplicate-key scan, pooled: a scan of a
// document without duplicates allocates nothing once the pool is warm. It
// holds 16 bytes per key of the objects still open and per open container,
// so at most about four times the document's size, and only during the scan.
type keyState struct {
	list        []keyEntry
	fold, other []byte // the folded forms of the keys being compared
}

// maxPooledKeys bounds the key list a pooled keyState keeps: the scratch of
// a huge object goes back to the garbage collector, not to the pool.
const maxPooledKeys = 1 << 16

var keyStates = sync.Pool{New: func() any {
	return &keyState{list: make([]keyEntry, 0, 64), fold: make([]byte, 0, 256), other: make([]byte, 0, 256)}
}}

// keySeed keys the hash of folded keys: unknown to clients, so they cannot
// aim many keys at one hash (collisions are compared exactly anyway; they
// would only cost time).
var keySeed = maphash.MakeSeed()

func (k *keyState) release() {
	if cap(k.list) > maxPooledKeys {
		return
	}
	k.list = k.list[:0]
	keyStates.Put(k)
}

// add records the key whose raw body is raw and whose opening quote is at off.
func (k *keyState) add(raw []byte, off int) {
	k.fold = jsonstr.AppendFoldedKey(k.fold[:0], raw)
	k.list = append(k.list, keyEntry{h: maphash.Bytes(keySeed, k.fold), off: off})
}

// pairwiseKeys is the size up to which an object's keys are compared pair by
// pair; larger objects are sorted by hash, so a huge object costs n log n.
const pairwiseKeys = 16

// duplicate reports whether two of the keys list[from:] (one object's) have
// the same folded form, and the offset of the later one. It may reorder them.
func (k *keyState) duplicate(doc []byte, from int) (off int, found bool) {
	keys := k.list[from:]
	if len(keys) <= pairwiseKeys {
		for j := 1; j < len(keys); j++ {
			for i := 0; i < j; i++ {
				if keys[i].h == keys[j].h && k.same(doc, keys[i].off, keys[j].off) {
					return keys[j].off, true
				}
			}
		}
		return 0, false
	}
	slices.SortFunc(keys, func(a, b keyEntry) int { return cmp.Compare(a.h, b.h) })
	for i := 0; i < len(keys); i++ {
		for j := i + 1; j < len(keys) && keys[j].h == keys[i].h; j++ {
			if k.same(doc, keys[i].off, keys[j].off) {
				return max(keys[i].off, keys[j].off), true // the later one: sorting lost the order
			}
		}
	}
	return 0, false
}

// same compares the folded forms of the keys at offsets a and b exactly.
func (k *keyState) same(doc []byte, a, b int) bool {
	k.fold = jsonstr.AppendFoldedKey(k.fold[:0], rawString(doc, a))
	k.other = jsonstr.AppendFoldedKey(k.other[:0], rawString(doc, b))
	return bytes.Equal(k.fold, k.other)
}

// rawString returns the body of the valid string whose opening quote is at off.
func rawString(doc []byte, off int) []byte {
	for i := off + 1; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return doc[off+1 : i]
		}
	}
	return doc[off+1:]
}

// Bounds of the JSON pointer a duplicate-key problem names: each key, and the whole.
const (
	maxPointerKeyBytes = 64
	maxPointerBytes    = 256
)

// pointer returns the RFC 6901 pointer of the key at off in the innermost
// open object, built from the open containers' markers: an object's member
// is the key just before its marker, an array's element is the array's
// current index.
func (s *jsonScanner) pointer(off int) string {
	list := s.keys.list
	segs := []string{keyText(s.data, off)}
	for m, level := s.base, s.depth-1; level > 0; level-- {
		parent := -list[m].off - 2
		if s.objectAt(level - 1) {
			segs = append(segs, keyText(s.data, list[m-1].off))
		} else {
			segs = append(segs, strconv.FormatUint(list[parent].h, 10))
		}
		m = parent
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(segs[i]))
		if b.Len() > maxPointerBytes {
			return truncateUTF8(b.String(), maxPointerBytes) + "…"
		}
	}
	return b.String()
}

// keyText is the decoded text of the key at off, cut to maxPointerKeyBytes.
func keyText(doc []byte, off int) string {
	t := string(jsonstr.AppendUnescaped(nil, rawString(doc, off)))
	if len(t) > maxPointerKeyBytes {
		return truncateUTF8(t, maxPointerKeyBytes) + "…"
	}
	return t
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
