package shape

import (
	"bytes"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// Filter returns doc with every value t does not allow removed at any depth
// (object members not allowed are dropped; each array element is filtered by
// Items), and then every value a deny path reaches removed too: deny wins over
// allow. roles are the caller's, matched against Tree.Roles. A nil t allows
// everything, so only deny applies. removed counts the members and elements
// dropped (a dropped value's contents are not counted).
//
// The output is doc with those members and elements cut out: every byte kept,
// whitespace, numbers and string escapes included, is copied unchanged. When
// nothing is removed Filter returns doc itself (no copy). A document that is not
// valid JSON in valid UTF-8 is refused with an error wrapping ErrInvalidJSON,
// whatever t says: a response the gateway cannot read must not be passed on.
// Duplicate member names are each filtered by the same rule; names are compared
// after JSON unescaping, so "na\u006de" is "name". Deny paths, and the names of
// role-restricted or otherwise described members of an open object or one with
// Members, also match case variants (Unicode case folding): "Password" is cut
// by a deny of "password", since some clients bind names ignoring case.
func Filter(doc []byte, t *Tree, deny []Path, roles []string) (out []byte, removed int, err error) {
	if !t.permits(roles) {
		if !utf8.Valid(doc) {
			return nil, 0, fmt.Errorf("%w: invalid UTF-8", ErrInvalidJSON)
		}
		return nil, 0, ErrForbidden
	}
	ix, err := jsonread.Parse(doc, jsonread.Options{MaxDepth: maxDepth})
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrInvalidJSON, err)
	}
	defer ix.Release()
	return FilterIndex(ix, t, deny, roles)
}

// maxDepth bounds nesting, as encoding/json does: deeper documents are refused.
const maxDepth = jsonread.DefaultMaxDepth

// FilterIndex is Filter on a document already read by jsonread; out is
// ix.Data() when nothing is removed.
func FilterIndex(ix *jsonread.Index, t *Tree, deny []Path, roles []string) (out []byte, removed int, err error) {
	if !t.permits(roles) {
		return nil, 0, ErrForbidden
	}
	w := walker{ix: ix, d: ix.Data(), roles: roles, deny: deny}
	sp := w.lendStates()
	defer w.returnStates(sp)
	for i, p := range deny {
		if len(p.segs) > 0 { // the zero Path matches nothing
			w.states = append(w.states, state{p: int32(i)})
		}
	}
	w.value(0, t, w.states)
	if w.removed == 0 {
		return w.d, 0, nil
	}
	w.emit(len(w.d))
	return w.out, w.removed, nil
}

// FilterIndexKept is FilterIndex that also returns, appended to kept, the
// spans of ix.Data() the output is made of, in order (out is their
// concatenation; nil spans when nothing is removed): a scan of the kept
// values can then read ix instead of the output anew. When something is
// removed, out is built in dst's array if dst has room for the whole
// document (the caller may lend a pooled buffer), else in a new one.
func FilterIndexKept(ix *jsonread.Index, t *Tree, deny []Path, roles []string, kept [][2]int, dst []byte) (out []byte, spans [][2]int, removed int, err error) {
	if !t.permits(roles) {
		return nil, nil, 0, ErrForbidden
	}
	w := walker{ix: ix, d: ix.Data(), roles: roles, deny: deny, spans: kept[:0], record: true, dst: dst}
	sp := w.lendStates()
	defer w.returnStates(sp)
	for i, p := range deny {
		if len(p.segs) > 0 {
			w.states = append(w.states, state{p: int32(i)})
		}
	}
	w.value(0, t, w.states)
	if w.removed == 0 {
		return w.d, nil, 0, nil
	}
	w.emit(len(w.d))
	return w.out, w.spans, w.removed, nil
}

// state is one deny path's progress at a value: path p, next segment k.
type state struct{ p, k int32 }

// statePools holds walkers' deny-state stacks between calls: a stack grows
// with each level a deny path reaches, and was allocated anew (and regrown)
// on every filtered answer.
var statePools = sync.Pool{New: func() any { s := make([]state, 0, 16); return &s }}

// lendStates gives w a pooled state stack; returnStates takes it back
// (grown or not; a huge one is left to the collector).
func (w *walker) lendStates() *[]state {
	sp := statePools.Get().(*[]state)
	w.states = (*sp)[:0]
	return sp
}

func (w *walker) returnStates(sp *[]state) {
	if cap(w.states) <= 1024 {
		*sp = w.states[:0]
		statePools.Put(sp)
	}
	w.states = nil
}

// walker carries one Filter call. The output is built lazily: out holds
// doc[:copied] minus the spans cut so far, and stays nil until the first cut.
type walker struct {
	ix      *jsonread.Index
	d       []byte
	out     []byte
	copied  int // doc offset up to which out is settled
	removed int
	roles   []string
	deny    []Path
	states  []state  // stack of deny states for the values being walked
	record  bool     // FilterIndexKept: note each emitted span
	spans   [][2]int // the emitted spans of d, adjacent ones merged
	dst     []byte   // FilterIndexKept: where out starts, when it has room for d
}

// emit appends doc[copied:to] to the output.
func (w *walker) emit(to int) {
	if w.copied >= to {
		return
	}
	if w.out == nil {
		if cap(w.dst) >= len(w.d) && cap(w.dst) > 0 {
			w.out = w.dst[:0]
		} else {
			w.out = make([]byte, 0, len(w.d))
		}
	}
	w.out = append(w.out, w.d[w.copied:to]...)
	if w.record {
		if n := len(w.spans); n > 0 && w.spans[n-1][1] == w.copied {
			w.spans[n-1][1] = to
		} else {
			w.spans = append(w.spans, [2]int{w.copied, to})
		}
	}
	w.copied = to
}

// container tracks the members or elements of one object or array so that a
// cut never leaves a stray comma.
type container struct {
	anchor  int  // offset just after the opening bracket
	keptEnd int  // offset just past the last kept value, or anchor
	anyKept bool // a member or element has been kept
}

// cut removes the member or element ending at end: everything since the last
// kept value (or the opening bracket), separators included, goes.
func (w *walker) cut(c *container, end int) {
	w.emit(c.keptEnd)
	w.copied = end
	w.removed++
}

// keep starts a kept member or element at start; if only cuts preceded it in
// this container, the separator before it goes too.
func (w *walker) keep(c *container, start int) {
	if !c.anyKept && w.copied > c.anchor {
		w.copied = start
	}
}

// kept records that the kept member or element ended at end.
func (c *container) kept(end int) {
	c.keptEnd, c.anyKept = end, true
}

// value filters value i by t and the deny states st.
func (w *walker) value(i int, t *Tree, st []state) {
	if len(st) == 0 && t.whole() {
		return
	}
	switch w.ix.Kind(i) {
	case jsonread.Object:
		w.object(i, t, st)
	case jsonread.Array:
		w.array(i, t, st)
	}
}

// object filters the object i.
func (w *walker) object(i int, t *Tree, st []state) {
	start, _ := w.ix.Span(i)
	c := container{anchor: start + 1, keptEnd: start + 1}
	for m := w.ix.Child(i); m >= 0; m = w.ix.Sibling(m) {
		name := w.ix.Key(m)
		child, ok := t.member(name, w.roles)
		mark := len(w.states)
		cst, denied := w.children(st, name, true)
		w.member(&c, m, child, ok && !denied, cst)
		w.states = w.states[:mark]
	}
}

// array filters the array i.
func (w *walker) array(i int, t *Tree, st []state) {
	start, _ := w.ix.Span(i)
	c := container{anchor: start + 1, keptEnd: start + 1}
	child, ok := t.element(w.roles)
	for e := w.ix.Child(i); e >= 0; e = w.ix.Sibling(e) {
		mark := len(w.states)
		cst, denied := w.children(st, nil, false)
		w.member(&c, e, child, ok && !denied, cst)
		w.states = w.states[:mark]
	}
}

// member keeps (filtering it by t and st) or cuts the member or element m.
func (w *walker) member(c *container, m int, t *Tree, keep bool, st []state) {
	_, end := w.ix.Span(m)
	if !keep {
		w.cut(c, end)
		return
	}
	w.keep(c, w.ix.MemberStart(m))
	w.value(m, t, st)
	c.kept(end)
}

// children pushes onto w.states the deny states of a member named name (an
// element when !inObj) of a value in states st, and returns them; denied
// reports that a deny path ends at the member. The caller pops them.
func (w *walker) children(st []state, name []byte, inObj bool) (_ []state, denied bool) {
	mark := len(w.states)
	for _, s := range st {
		seg := &w.deny[s.p].segs[s.k]
		// Case variants match too: deny "password" also removes "Password",
		// which a case-insensitive client would read as the same member.
		if !seg.any && (!inObj || !foldEqual(seg.name, name)) {
			continue
		}
		if int(s.k)+1 == len(w.deny[s.p].segs) {
			denied = true
			continue
		}
		w.states = append(w.states, state{p: s.p, k: s.k + 1})
	}
	return w.states[mark:], denied
}

// foldEqual is bytes.EqualFold(name, seg) with a quick refusal when both
// first bytes are ASCII and differ under ASCII case: an ASCII byte is a whole
// rune, and no ASCII rune folds to another ASCII rune but its other case.
func foldEqual(seg string, name []byte) bool {
	if len(seg) > 0 && len(name) > 0 {
		a, b := seg[0], name[0]
		if a < utf8.RuneSelf && b < utf8.RuneSelf && asciiLower(a) != asciiLower(b) {
			return false
		}
	}
	return bytes.EqualFold([]byte(seg), name)
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
