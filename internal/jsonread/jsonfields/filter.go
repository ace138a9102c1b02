package jsonfields

import (
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

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

func newOwner(ix *jsonread.Index, field Path, want []string) *owner {
	o := &owner{w: walker{ix: ix, paths: []Path{field}}, want: want}
	o.check = func(_, val int) error {
		o.found++
		if !o.wanted(val) {
			o.bad = true
		}
		return nil
	}
	return o
}

// owns reports whether element i is an object whose owner field is present
// and wanted everywhere it occurs. Duplicate keys and wildcard matches must
// all agree: the upstream's client may read any one of them.
func (o *owner) owns(i int) (bool, error) {
	if o.w.ix.Kind(i) != jsonread.Object {
		return false, nil
	}
	o.found, o.bad = 0, false
	o.w.stack = o.w.stack[:0]
	if err := o.w.visit(i, o.w.roots(), o.check); err != nil {
		return false, err
	}
	return o.found > 0 && !o.bad, nil
}

// wanted reports whether value i is a string or number equal to a wanted id;
// a number compares by its literal text, so 1 equals "1" but not "1.0".
// Objects, arrays, booleans and null own nothing.
func (o *owner) wanted(i int) bool {
	text, ok := scalarText(o.w.ix, i)
	if !ok {
		return false
	}
	for _, w := range o.want {
		if string(text) == w {
			return true
		}
	}
	return false
}

// filterArray appends the array i to w.out keeping only the owned elements.
func (w *rewriter) filterArray(i int) error {
	ix := w.ix
	if ix.Kind(i) != jsonread.Array {
		return fmt.Errorf("%w at %q", ErrNotArray, w.paths[0].src)
	}
	w.filter.arraysSeen++
	w.out = append(w.out, '[')
	n := 0
	for c := ix.Child(i); c >= 0; c = ix.Sibling(c) {
		keep, err := w.filter.owns(c)
		if err != nil {
			return err
		}
		if !keep {
			w.removed++
			continue
		}
		if n > 0 {
			w.out = append(w.out, ',')
		}
		n++
		w.out = append(w.out, ix.Raw(c)...)
	}
	w.out = append(w.out, ']')
	return nil
}
