package jsonfields

// state is one path's progress at a value: path index p, next segment k.
// k == len(segs) means the value is at the path.
type state struct{ p, k int32 }

// walker holds the document and paths of one walk. Recursion follows the
// paths only, so its depth is bounded by the longest path; everything off the
// paths is skipped iteratively. A deep step (CompileField) follows every
// container, so its recursion is cut at MaxDeepNesting.
type walker struct {
	d     []byte
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

// memberName returns the unescaped name of an object member (nil for an array element).
func memberName(key []byte) ([]byte, error) {
	if key == nil {
		return nil, nil
	}
	return unquote(key)
}

// visit calls fn for every path that ends at the value at d[i] or below it, and
// returns the offset just past the value.
func (w *walker) visit(i int, states []state, fn func(p, val int) error) (int, error) {
	for _, s := range states {
		if w.complete(s) {
			if err := fn(int(s.p), i); err != nil {
				return 0, err
			}
		}
	}
	if (w.d[i] != '{' && w.d[i] != '[') || !w.anyOpen(states) {
		return skipValue(w.d, i)
	}
	if err := w.enter(); err != nil {
		return 0, err
	}
	defer func() { w.depth-- }()
	it := open(w.d, i)
	for {
		key, v, ok, err := it.next()
		if err != nil || !ok {
			return it.pos, err
		}
		name, err := memberName(key)
		if err != nil {
			return 0, err
		}
		mark := len(w.stack)
		var end int
		if child := w.children(states, it.obj, name); len(child) > 0 {
			end, err = w.visit(v, child, fn)
		} else {
			end, err = skipValue(w.d, v)
		}
		w.stack = w.stack[:mark]
		if err != nil {
			return 0, err
		}
		it.done(end)
	}
}

// rewriter copies a document while removing what is at its paths (strip) or
// filtering the arrays at its path (filter != nil).
type rewriter struct {
	walker
	out     []byte
	removed int
	filter  *owner
}

// rewrite appends the value at d[i] to w.out, rewritten, and returns the offset just past it.
func (w *rewriter) rewrite(i int, states []state) (int, error) {
	d := w.d
	if w.filter != nil && w.anyComplete(states) {
		return w.filterArray(i)
	}
	if (d[i] != '{' && d[i] != '[') || !w.anyOpen(states) {
		end, err := skipValue(d, i)
		if err != nil {
			return 0, err
		}
		w.out = append(w.out, d[i:end]...)
		return end, nil
	}
	if err := w.enter(); err != nil {
		return 0, err
	}
	defer func() { w.depth-- }()
	it := open(d, i)
	w.out = append(w.out, d[i])
	n := 0
	for {
		key, v, ok, err := it.next()
		if err != nil {
			return 0, err
		}
		if !ok {
			w.out = append(w.out, d[it.pos-1])
			return it.pos, nil
		}
		name, err := memberName(key)
		if err != nil {
			return 0, err
		}
		mark := len(w.stack)
		child := w.children(states, it.obj, name)
		var end int
		switch {
		case w.filter == nil && w.anyComplete(child):
			w.removed++ // stripped: neither the member nor its comma is written
			end, err = skipValue(d, v)
		default:
			if n > 0 {
				w.out = append(w.out, ',')
			}
			n++
			if key != nil {
				w.out = append(w.out, key...)
				w.out = append(w.out, ':')
			}
			end, err = w.rewrite(v, child)
		}
		w.stack = w.stack[:mark]
		if err != nil {
			return 0, err
		}
		it.done(end)
	}
}
