package jsonfields

import (
	"fmt"
	"slices"

	"github.com/bulwark-gw/bulwark/internal/jsonread"
)

// parse reads doc with the package's rules: one JSON value in valid UTF-8,
// nested no deeper than encoding/json allows.
func parse(doc []byte) (*jsonread.Index, error) {
	ix, err := jsonread.Parse(doc, jsonread.Options{MaxDepth: jsonread.DefaultMaxDepth})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJSON, err)
	}
	return ix, nil
}

// Find reports whether any of paths is present in doc (a JSON document) and
// which: found lists the String of every path present, in the order of paths,
// for the field list of a 422 problem. Every occurrence counts, duplicate keys
// included, so a "role" sent twice is found. The document itself (the root
// path) is always present.
func Find(doc []byte, paths []Path) (found []string, err error) {
	ix, err := parse(doc)
	if err != nil {
		return nil, err
	}
	defer ix.Release()
	return FindIn(ix, paths)
}

// FindIn is Find on a document already read (the request's one index).
func FindIn(ix *jsonread.Index, paths []Path) (found []string, err error) {
	hit, err := find(ix, paths)
	if err != nil {
		return nil, err
	}
	for i, ok := range hit {
		if ok {
			found = append(found, paths[i].src)
		}
	}
	return found, nil
}

// find marks which paths occur in the document.
func find(ix *jsonread.Index, paths []Path) ([]bool, error) {
	hit := make([]bool, len(paths))
	w := walker{ix: ix, paths: paths}
	err := w.visit(0, w.roots(), func(p, _ int) error {
		hit[p] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return hit, nil
}

// Strip removes every occurrence of paths from doc: object members, duplicates
// included, and, for a path ending in "*" under an array, the array's elements.
// It returns the new document and whether anything was removed. When nothing
// was, out is doc itself; otherwise the containers on the way are re-encoded
// compactly and every other byte, numbers included, is copied as it was. The
// root path cannot be stripped (ErrPath).
func Strip(doc []byte, paths []Path) (out []byte, changed bool, err error) {
	if err := strippable(paths); err != nil {
		return nil, false, err
	}
	ix, err := parse(doc)
	if err != nil {
		return nil, false, err
	}
	defer ix.Release()
	return StripIn(ix, paths)
}

// StripIn is Strip on a document already read; out is ix.Data() when nothing
// was removed.
func StripIn(ix *jsonread.Index, paths []Path) (out []byte, changed bool, err error) {
	if err := strippable(paths); err != nil {
		return nil, false, err
	}
	hit, err := find(ix, paths)
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(hit, true) {
		return ix.Data(), false, nil
	}
	w := rewriter{walker: walker{ix: ix, paths: paths}, out: make([]byte, 0, len(ix.Data()))}
	if err := w.rewrite(0, w.roots()); err != nil {
		return nil, false, err
	}
	return w.out, w.removed > 0, nil
}

// strippable refuses the root path.
func strippable(paths []Path) error {
	for _, p := range paths {
		if p.IsRoot() {
			return fmt.Errorf("%w: cannot strip the document itself", ErrPath)
		}
	}
	return nil
}

// Values returns the string forms of the values at path, for object-level
// authorization of the ids a request names: strings unescaped, numbers as their
// literal text ("1e3" stays "1e3"). An array at the path is expanded one level,
// so "/ids" on {"ids":[1,2]} gives ["1","2"], for batch endpoints. Every
// occurrence counts (duplicate keys, wildcards), in document order. An object,
// boolean or null at the path, or inside such an array, is ErrNotScalar (an id
// must be a scalar); nothing at the path is ErrNotFound. An empty array gives
// no values and no error.
func Values(doc []byte, path Path) ([]string, error) {
	ix, err := parse(doc)
	if err != nil {
		return nil, err
	}
	defer ix.Release()
	return ValuesIn(ix, path)
}

// ValuesIn is Values on a document already read.
func ValuesIn(ix *jsonread.Index, path Path) ([]string, error) {
	var (
		vals  []string
		found bool
	)
	w := walker{ix: ix, paths: []Path{path}}
	err := w.visit(0, w.roots(), func(_, i int) error {
		found = true
		if ix.Kind(i) != jsonread.Array {
			return appendScalar(&vals, ix, i, path)
		}
		for c := ix.Child(i); c >= 0; c = ix.Sibling(c) {
			if err := appendScalar(&vals, ix, c, path); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, path.src)
	}
	return vals, nil
}

// appendScalar appends the string form of the string or number i.
func appendScalar(vals *[]string, ix *jsonread.Index, i int, path Path) error {
	text, ok := scalarText(ix, i)
	if !ok {
		return fmt.Errorf("%w at %q", ErrNotScalar, path.src)
	}
	*vals = append(*vals, string(text))
	return nil
}

// scalarText is the text an id is compared by: a string decoded, a number
// as written; ok is false for anything else.
func scalarText(ix *jsonread.Index, i int) (text []byte, ok bool) {
	switch ix.Kind(i) {
	case jsonread.String, jsonread.Number:
		return ix.Text(i), true
	}
	return nil, false
}

// FilterArray keeps only the elements of the array at path ("" is the
// document itself) that are objects whose field ownerField equals one of want,
// compared as strings (a number by its literal text, so 1 equals "1"). It fails
// closed: an element that is not an object, lacks the field, or holds it more
// than once (duplicate keys, wildcard matches) with any value not wanted, is
// removed. Every array at path is filtered (duplicate keys again). It returns the
// new document (doc itself when nothing was removed) and how many elements were
// removed. Nothing at path is ErrNotFound; a non-array there is ErrNotArray.
func FilterArray(doc []byte, path Path, ownerField Path, want []string) (out []byte, removed int, err error) {
	if ownerField.IsRoot() {
		return nil, 0, fmt.Errorf("%w: the owner field must name a field", ErrPath)
	}
	ix, err := parse(doc)
	if err != nil {
		return nil, 0, err
	}
	defer ix.Release()
	return FilterArrayIn(ix, path, ownerField, want)
}

// FilterArrayIn is FilterArray on a document already read; out is ix.Data()
// when nothing was removed.
func FilterArrayIn(ix *jsonread.Index, path Path, ownerField Path, want []string) (out []byte, removed int, err error) {
	if ownerField.IsRoot() {
		return nil, 0, fmt.Errorf("%w: the owner field must name a field", ErrPath)
	}
	w := rewriter{
		walker: walker{ix: ix, paths: []Path{path}},
		out:    make([]byte, 0, len(ix.Data())),
		filter: newOwner(ix, ownerField, want),
	}
	if err := w.rewrite(0, w.roots()); err != nil {
		return nil, 0, err
	}
	if w.filter.arraysSeen == 0 {
		return nil, 0, fmt.Errorf("%w: %q", ErrNotFound, path.src)
	}
	if w.removed == 0 {
		return ix.Data(), 0, nil
	}
	return w.out, w.removed, nil
}
