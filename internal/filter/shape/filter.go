package shape

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/bulwark-gw/bulwark/internal/jsonstr"
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
	if !utf8.Valid(doc) {
		return nil, 0, fmt.Errorf("%w: invalid UTF-8", ErrInvalidJSON)
	}
	if !t.permits(roles) {
		return nil, 0, ErrForbidden
	}
	w := walker{d: doc, roles: roles, deny: deny}
	for i, p := range deny {
		if len(p.segs) > 0 { // the zero Path matches nothing
			w.states = append(w.states, state{p: int32(i)})
		}
	}
	i := skipWS(doc, 0)
	end, err := w.value(i, t, w.states, 0)
	if err != nil {
		return nil, 0, err
	}
	if end = skipWS(doc, end); end != len(doc) {
		return nil, 0, syntaxError(end, "data after the document")
	}
	if w.removed == 0 {
		return doc, 0, nil
	}
	w.emit(len(doc))
	return w.out, w.removed, nil
}

// state is one deny path's progress at a value: path p, next segment k.
type state struct{ p, k int32 }

// walker carries one Filter call. The output is built lazily: out holds
// doc[:copied] minus the spans cut so far, and stays nil until the first cut.
type walker struct {
	d       []byte
	out     []byte
	copied  int // doc offset up to which out is settled
	removed int
	roles   []string
	deny    []Path
	states  []state // stack of deny states for the values being walked
	kinds   []byte  // scratch for skipValue
	name    []byte  // scratch for unescaped member names
}

// emit appends doc[copied:to] to the output.
func (w *walker) emit(to int) {
	if w.copied >= to {
		return
	}
	if w.out == nil {
		w.out = make([]byte, 0, len(w.d))
	}
	w.out = append(w.out, w.d[w.copied:to]...)
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

// value filters the value at d[i] by t and the deny states st, and returns
// the offset just past it.
func (w *walker) value(i int, t *Tree, st []state, depth int) (int, error) {
	d := w.d
	if i >= len(d) {
		return 0, syntaxError(i, "unexpected end")
	}
	if len(st) == 0 && t.whole() {
		end, kinds, err := skipValue(d, i, depth, w.kinds)
		w.kinds = kinds
		return end, err
	}
	switch d[i] {
	case '{':
		if depth >= maxDepth {
			return 0, syntaxError(i, "nesting too deep")
		}
		return w.object(i, t, st, depth)
	case '[':
		if depth >= maxDepth {
			return 0, syntaxError(i, "nesting too deep")
		}
		return w.array(i, t, st, depth)
	default:
		return scanScalar(d, i)
	}
}

// object filters the object at d[i] == '{'.
func (w *walker) object(i int, t *Tree, st []state, depth int) (int, error) {
	d := w.d
	c := container{anchor: i + 1, keptEnd: i + 1}
	j := skipWS(d, i+1)
	if j < len(d) && d[j] == '}' {
		return j + 1, nil
	}
	for {
		start := j
		if j >= len(d) || d[j] != '"' {
			return 0, syntaxError(j, "expected member name")
		}
		end, escaped, err := scanString(d, j)
		if err != nil {
			return 0, err
		}
		name := d[j+1 : end-1]
		if escaped {
			w.name = jsonstr.AppendUnescaped(w.name[:0], name)
			name = w.name
		}
		if j = skipWS(d, end); j >= len(d) || d[j] != ':' {
			return 0, syntaxError(j, "expected ':'")
		}
		j = skipWS(d, j+1)
		child, ok := t.member(name, w.roles)
		mark := len(w.states)
		cst, denied := w.children(st, name, true)
		j, err = w.member(&c, start, j, child, ok && !denied, cst, depth)
		w.states = w.states[:mark]
		if err != nil {
			return 0, err
		}
		if j = skipWS(d, j); j < len(d) && d[j] == ',' {
			j = skipWS(d, j+1)
			continue
		}
		if j < len(d) && d[j] == '}' {
			return j + 1, nil
		}
		return 0, syntaxError(j, "expected ',' or '}'")
	}
}

// array filters the array at d[i] == '['.
func (w *walker) array(i int, t *Tree, st []state, depth int) (int, error) {
	d := w.d
	c := container{anchor: i + 1, keptEnd: i + 1}
	j := skipWS(d, i+1)
	if j < len(d) && d[j] == ']' {
		return j + 1, nil
	}
	child, ok := t.element(w.roles)
	for {
		mark := len(w.states)
		cst, denied := w.children(st, nil, false)
		var err error
		j, err = w.member(&c, j, j, child, ok && !denied, cst, depth)
		w.states = w.states[:mark]
		if err != nil {
			return 0, err
		}
		if j = skipWS(d, j); j < len(d) && d[j] == ',' {
			j = skipWS(d, j+1)
			continue
		}
		if j < len(d) && d[j] == ']' {
			return j + 1, nil
		}
		return 0, syntaxError(j, "expected ',' or ']'")
	}
}

// member keeps (filtering it by t and st) or cuts the member or element that
// starts at start and whose value is at v, and returns the offset past the value.
func (w *walker) member(c *container, start, v int, t *Tree, keep bool, st []state, depth int) (int, error) {
	if !keep {
		end, kinds, err := skipValue(w.d, v, depth+1, w.kinds)
		w.kinds = kinds
		if err != nil {
			return 0, err
		}
		w.cut(c, end)
		return end, nil
	}
	w.keep(c, start)
	end, err := w.value(v, t, st, depth+1)
	if err != nil {
		return 0, err
	}
	c.kept(end)
	return end, nil
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
		if !seg.any && (!inObj || !bytes.EqualFold([]byte(seg.name), name)) {
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
