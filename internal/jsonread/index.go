package jsonread

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Kind is the type of a JSON value.
type Kind uint8

// The kinds of value.
const (
	Object Kind = iota + 1
	Array
	String
	Number
	True
	False
	Null
)

func (k Kind) String() string {
	switch k {
	case Object:
		return "object"
	case Array:
		return "array"
	case String:
		return "string"
	case Number:
		return "number"
	case True:
		return "true"
	case False:
		return "false"
	case Null:
		return "null"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// node flags.
const (
	keyArena uint8 = 1 << iota // the decoded key is in the arena (it had escapes)
	valArena                   // the decoded string is in the arena (it had escapes)
	keyASCII                   // the key is written in plain ASCII, no escape, no byte from 0x80 (Parse may leave it unset for such a key)
)

// node is one value. Offsets are int32: Parse refuses documents of 2 GiB.
// Parse writes k0 and k1 for members only, v0 and v1 with valArena only:
// elsewhere they hold whatever a pooled Index held, and are not read.
type node struct {
	start, end int32 // the raw value, data[start:end]
	parent     int32 // the enclosing container, -1 for the root
	next       int32 // the first value after this one's subtree
	kq         int32 // the key's opening quote; -1 for array elements and the root
	k0, k1     int32 // the decoded key: data[k0:k1], or arena[k0:k1] with keyArena
	v0, v1     int32 // a string's decoded text in the arena (valArena only)
	kind       Kind
	flags      uint8
}

// Index is one parsed document: its values numbered in document order, the
// root 0, each container followed by its descendants. It refers to the
// document's bytes, which must not change while it is used. An Index is
// read-only once Parse returns it and may be read from several goroutines.
type Index struct {
	data   []byte
	nodes  []node
	arena  []byte // decoded strings and keys that had escapes
	depth  int    // the deepest nesting; a scalar document has 0
	pooled bool
}

// Data returns the document the Index describes.
func (ix *Index) Data() []byte { return ix.data }

// Len returns the number of values; they are numbered 0 to Len()-1.
func (ix *Index) Len() int { return len(ix.nodes) }

// Depth returns the deepest nesting of the document: "{}" and "[]" are 1, a scalar 0.
func (ix *Index) Depth() int { return ix.depth }

// Kind returns the kind of value i.
func (ix *Index) Kind(i int) Kind { return ix.nodes[i].kind }

// Span returns the byte range of value i in Data (a string with its quotes).
func (ix *Index) Span(i int) (start, end int) {
	n := &ix.nodes[i]
	return int(n.start), int(n.end)
}

// Raw returns the bytes of value i as they are in the document.
func (ix *Index) Raw(i int) []byte {
	n := &ix.nodes[i]
	return ix.data[n.start:n.end]
}

// Parent returns the container holding value i; -1 for the root.
func (ix *Index) Parent(i int) int { return int(ix.nodes[i].parent) }

// End returns the number after value i's subtree: its descendants are i+1 to End(i)-1.
func (ix *Index) End(i int) int { return int(ix.nodes[i].next) }

// Child returns the first member or element of container i; -1 when there is none
// (an empty container or a scalar).
func (ix *Index) Child(i int) int {
	if i+1 < int(ix.nodes[i].next) {
		return i + 1
	}
	return -1
}

// Sibling returns the member or element after i in its container; -1 after the last.
func (ix *Index) Sibling(i int) int {
	n := &ix.nodes[i]
	if n.parent < 0 || n.next >= ix.nodes[n.parent].next {
		return -1
	}
	return int(n.next)
}

// IsMember reports whether value i is an object member (it has a key).
func (ix *Index) IsMember(i int) bool { return ix.nodes[i].kq >= 0 }

// Key returns the decoded key of member i (nil for array elements and the
// root). The bytes belong to the Index.
func (ix *Index) Key(i int) []byte {
	n := &ix.nodes[i]
	switch {
	case n.kq < 0:
		return nil
	case n.flags&keyArena != 0:
		return ix.arena[n.k0:n.k1:n.k1]
	default:
		return ix.data[n.k0:n.k1:n.k1]
	}
}

// KeyEscaped reports whether member i's key is written with escapes.
func (ix *Index) KeyEscaped(i int) bool { return ix.nodes[i].flags&keyArena != 0 }

// RawKey returns member i's key as written, quotes included; nil for an
// array element or the root.
func (ix *Index) RawKey(i int) []byte {
	n := &ix.nodes[i]
	if n.kq < 0 {
		return nil
	}
	if n.flags&keyArena == 0 {
		return ix.data[n.kq : n.k1+1]
	}
	return ix.data[n.kq:rawStringEnd(ix.data, int(n.kq))]
}

// MemberStart returns where value i begins with its key: the key's opening
// quote for a member, the value's first byte otherwise. A filter that removes
// a member removes Data()[MemberStart(i):end] and a separator.
func (ix *Index) MemberStart(i int) int {
	n := &ix.nodes[i]
	if n.kq >= 0 {
		return int(n.kq)
	}
	return int(n.start)
}

// Text returns the decoded text of a string value, or the literal text of a
// number, true, false or null; nil for containers. The bytes belong to the
// Index.
func (ix *Index) Text(i int) []byte {
	n := &ix.nodes[i]
	switch {
	case n.kind == String && n.flags&valArena != 0:
		return ix.arena[n.v0:n.v1:n.v1]
	case n.kind == String:
		return ix.data[n.start+1 : n.end-1 : n.end-1]
	case n.kind == Object || n.kind == Array:
		return nil
	default:
		return ix.data[n.start:n.end:n.end]
	}
}

// Escaped reports whether string value i is written with escapes, so its
// Text differs from its raw body.
func (ix *Index) Escaped(i int) bool { return ix.nodes[i].flags&valArena != 0 }

// Position returns the position of value i in its container: the array index
// of an element, the ordinal of a member. It counts the siblings before i,
// so it costs as many steps; the root is 0.
func (ix *Index) Position(i int) int {
	p := ix.nodes[i].parent
	if p < 0 {
		return 0
	}
	pos := 0
	for c := int(p) + 1; c != i; c = int(ix.nodes[c].next) {
		pos++
	}
	return pos
}

// Bounds of the pointer Pointer returns: each segment, and the whole.
const (
	MaxPointerKeyBytes = 64
	MaxPointerBytes    = 256
)

// Pointer returns the RFC 6901 JSON pointer of value i ("" for the root),
// keys decoded, each segment cut to MaxPointerKeyBytes and the whole to
// MaxPointerBytes, a cut marked "…": it names where a value is, for problems
// and audit records, and is bounded whatever the document.
func (ix *Index) Pointer(i int) string {
	var segs []string
	for ; ix.nodes[i].parent >= 0; i = int(ix.nodes[i].parent) {
		if ix.nodes[i].kq >= 0 {
			segs = append(segs, truncate(string(ix.Key(i)), MaxPointerKeyBytes))
		} else {
			segs = append(segs, strconv.Itoa(ix.Position(i)))
		}
	}
	var b strings.Builder
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	for j := len(segs) - 1; j >= 0; j-- {
		b.WriteByte('/')
		b.WriteString(esc.Replace(segs[j]))
		if b.Len() > MaxPointerBytes {
			return truncateUTF8(b.String(), MaxPointerBytes) + "…"
		}
	}
	return b.String()
}

// truncate cuts s to n bytes, marking a cut with "…".
func truncate(s string, n int) string {
	if len(s) > n {
		return truncateUTF8(s, n) + "…"
	}
	return s
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// rawStringEnd returns the offset just past the valid string whose opening
// quote is at off.
func rawStringEnd(d []byte, off int) int {
	for i := off + 1; i < len(d); i++ {
		switch d[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(d)
}

// maxPooledNodes bounds the Index a pool keeps: one huge document goes back
// to the garbage collector, not to the pool.
const maxPooledNodes = 1 << 14

var indexes = sync.Pool{New: func() any { return new(Index) }}

// Release gives the Index back for reuse by a later Parse. Only the caller
// that parsed it may release it, once nothing reads it any more (its slices
// included); an Index shared with other guards is left to the garbage
// collector instead.
func (ix *Index) Release() {
	if ix == nil || !ix.pooled || cap(ix.nodes) > maxPooledNodes || cap(ix.arena) > 64<<10 {
		return
	}
	*ix = Index{nodes: ix.nodes[:0], arena: ix.arena[:0]}
	indexes.Put(ix)
}
