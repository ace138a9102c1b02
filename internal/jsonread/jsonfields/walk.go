package jsonfields

import "github.com/bulwark-gw/bulwark/internal/jsonread"

// state is one path's progress at a value: path index p, next segment k.
// k == len(segs) means the value is at the path.
type state struct{ p, k int32 }

// walker holds the document and paths of one walk. Recursion follows the
// paths only, so its depth is bounded by the longest path; everything off the
// paths is skipped by its span in the index. A deep step (CompileField)
// follows every container, so its recursion is cut at MaxDeepNesting.
type walker struct {
	ix    *jsonread.Index
	paths []Path
	stack []state // backing store for the states of the values being walked
	depth int     // containers entered
}

// MaxDeepNesting is how deep a path with a deep step (a bare field name
// matched at any depth) follows a document; deeper is ErrTooDeep. The
// gateway's JSON depth limit (64 by default) stops such bodies first.
const MaxDeepNesting = 1000

// enter counts one more container level; it fails past MaxDeepNesting.
func (w *walker) enter() error {
	w.depth++
	if w.depth > MaxDeepNesting {
		return ErrTooDeep
	}
	return nil
}

// roots returns the states of the document itself.
func (w *walker) roots() []state {
	for i := range w.paths {
		w.stack = append(w.stack, state{p: int32(i)})
	}
	return w.stack
}

// complete reports whether s is at the end of its path.
func (w *walker) complete(s state) bool { return int(s.k) == len(w.paths[s.p].segs) }

// anyComplete reports whether some state is at the end of its path.
func (w *walker) anyComplete(states []state) bool {
	for _, s := range states {
		if w.complete(s) {
			return true
		}
	}
	return false
}

// anyOpen reports whether some state still has segments to follow.
func (w *walker) anyOpen(states []state) bool {
	for _, s := range states {
		if !w.complete(s) {
			return true
		}
	}
	return false
}

// children pushes onto w.stack the states of a child of a container in states
// and returns them: an object member named name when inObj, else an array
// element. The caller pops them by truncating w.stack to its length before the call.
func (w *walker) children(states []state, inObj bool, name []byte) []state {
	mark := len(w.stack)
	for _, s := range states {
		if w.complete(s) {
			continue
		}
		p := &w.paths[s.p]
		k := s.k
		if p.segs[k].deep {
			// The deep step takes this child too (one more level) and
			// stays; or it ends above the child and the next step must
			// take the child.
			w.stack = append(w.stack, s)
			k++
		}
		if ok := p.segs[k].any || (inObj && p.matches(int(k), name)); ok {
			w.stack = append(w.stack, state{p: s.p, k: k + 1})
		}
	}
	return w.stack[mark:]
}

// container reports whether value i is an object or an array.
func (w *walker) container(i int) bool {
	k := w.ix.Kind(i)
	return k == jsonread.Object || k == jsonread.Array
}

// visit calls fn for every path that ends at value i or below it.
func (w *walker) visit(i int, states []state, fn func(p, val int) error) error {
	for _, s := range states {
		if w.complete(s) {
			if err := fn(int(s.p), i); err != nil {
				return err
			}
		}
	}
	if !w.container(i) || !w.anyOpen(states) {
		return nil
	}
	if err := w.enter(); err != nil {
		return err
	}
	defer func() { w.depth-- }()
	obj := w.ix.Kind(i) == jsonread.Object
	for c := w.ix.Child(i); c >= 0; c = w.ix.Sibling(c) {
		mark := len(w.stack)
		var err error
		if child := w.children(states, obj, w.ix.Key(c)); len(child) > 0 {
			err = w.visit(c, child, fn)
		}
		w.stack = w.stack[:mark]
		if err != nil {
			return err
		}
	}
	return nil
}

// rewriter copies a document while removing what is at its paths (strip) or
// filtering the arrays at its path (filter != nil).
type rewriter struct {
	walker
	out     []byte
	removed int
	filter  *owner
}

// rewrite appends value i to w.out, rewritten.
func (w *rewriter) rewrite(i int, states []state) error {
	ix := w.ix
	if w.filter != nil && w.anyComplete(states) {
		return w.filterArray(i)
	}
	if !w.container(i) || !w.anyOpen(states) {
		w.out = append(w.out, ix.Raw(i)...)
		return nil
	}
	if err := w.enter(); err != nil {
		return err
	}
	defer func() { w.depth-- }()
	raw := ix.Raw(i)
	w.out = append(w.out, raw[0])
	obj := ix.Kind(i) == jsonread.Object
	n := 0
	for c := ix.Child(i); c >= 0; c = ix.Sibling(c) {
		mark := len(w.stack)
		child := w.children(states, obj, ix.Key(c))
		var err error
		if w.filter == nil && w.anyComplete(child) {
			w.removed++ // stripped: neither the member nor its comma is written
		} else {
			if n > 0 {
				w.out = append(w.out, ',')
			}
			n++
			if obj {
				w.out = append(w.out, ix.RawKey(c)...)
				w.out = append(w.out, ':')
			}
			err = w.rewrite(c, child)
		}
		w.stack = w.stack[:mark]
		if err != nil {
			return err
		}
	}
	w.out = append(w.out, raw[len(raw)-1])
	return nil
}
