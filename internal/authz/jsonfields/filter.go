package jsonfields

import "fmt"

// owner decides whether an array element belongs to the caller: its owner
// field, at every occurrence, is one of the wanted ids.
type owner struct {
	w     walker // paths: the owner field only
	want  []string
	found int  // occurrences of the owner field in the current element
	bad   bool // some occurrence is not wanted
	// arraysSeen counts the arrays found at the filtered path.
	arraysSeen int
	check      func(p, val int) error
}

func newOwner(d []byte, field Path, want []string) *owner {
	o := &owner{w: walker{d: d, paths: []Path{field}}, want: want}
	o.check = func(_, val int) error {
		o.found++
		if !o.wanted(val) {
			o.bad = true
		}
		return nil
	}
	return o
}

// owns reports whether the element at d[i] is an object whose owner field is
// present and wanted everywhere it occurs. Duplicate keys and wildcard matches
// must all agree: the upstream's client may read any one of them.
func (o *owner) owns(i int) (bool, error) {
	if o.w.d[i] != '{' {
		return false, nil
	}
	o.found, o.bad = 0, false
	o.w.stack = o.w.stack[:0]
	if _, err := o.w.visit(i, o.w.roots(), o.check); err != nil {
		return false, err
	}
	return o.found > 0 && !o.bad, nil
}

// wanted reports whether the value at d[i] is a string or number equal to a
// wanted id; a number compares by its literal text, so 1 equals "1" but not "1.0".
func (o *owner) wanted(i int) bool {
	d := o.w.d
	var text []byte
	switch c := d[i]; {
	case c == '"':
		end, err := skipString(d, i)
		if err != nil {
			return false
		}
		if text, err = unquote(d[i:end]); err != nil {
			return false
		}
	case c == '-' || (c >= '0' && c <= '9'):
		end, err := skipValue(d, i)
		if err != nil {
			return false
		}
		text = d[i:end]
	default: // objects, arrays, booleans and null own nothing
		return false
	}
	for _, w := range o.want {
		if string(text) == w {
			return true
		}
	}
	return false
}

// filterArray appends the array at d[i] to w.out keeping only the owned elements.
func (w *rewriter) filterArray(i int) (int, error) {
	d := w.d
	if d[i] != '[' {
		return 0, fmt.Errorf("%w at %q", ErrNotArray, w.paths[0].src)
	}
	w.filter.arraysSeen++
	it := open(d, i)
	w.out = append(w.out, '[')
	n := 0
	for {
		_, v, ok, err := it.next()
		if err != nil {
			return 0, err
		}
		if !ok {
			w.out = append(w.out, ']')
			return it.pos, nil
		}
		keep, err := w.filter.owns(v)
		if err != nil {
			return 0, err
		}
		end, err := skipValue(d, v)
		if err != nil {
			return 0, err
		}
		if keep {
			if n > 0 {
				w.out = append(w.out, ',')
			}
			n++
			w.out = append(w.out, d[v:end]...)
		} else {
			w.removed++
		}
		it.done(end)
	}
}
