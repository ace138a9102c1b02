package jsonfields

import (
	"fmt"
	"slices"
)

// Find reports whether any of paths is present in doc (a JSON document) and
// which: found lists the String of every path present, in the order of paths,
// for the field list of a 422 problem. Every occurrence counts, duplicate keys
// included, so a "role" sent twice is found. The document itself (the root
// path) is always present.
func Find(doc []byte, paths []Path) (found []string, err error) {
	start, err := validate(doc)
	if err != nil {
		return nil, err
	}
	hit, err := find(doc, start, paths)
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

// find marks which paths occur in the validated doc.
func find(doc []byte, start int, paths []Path) ([]bool, error) {
	hit := make([]bool, len(paths))
	w := walker{d: doc, paths: paths}
	_, err := w.visit(start, w.roots(), func(p, _ int) error {
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
	for _, p := range paths {
		if p.IsRoot() {
			return nil, false, fmt.Errorf("%w: cannot strip the document itself", ErrPath)
		}
	}
	start, err := validate(doc)
	if err != nil {
		return nil, false, err
	}
	hit, err := find(doc, start, paths)
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(hit, true) {
		return doc, false, nil
	}
	w := rewriter{walker: walker{d: doc, paths: paths}, out: make([]byte, 0, len(doc))}
	if _, err := w.rewrite(start, w.roots()); err != nil {
		return nil, false, err
	}
	return w.out, w.removed > 0, nil
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
	start, err := validate(doc)
	if err != nil {
		return nil, err
	}
	var (
		vals  []string
		found bool
	)
	w := walker{d: doc, paths: []Path{path}}
	_, err = w.visit(start, w.roots(), func(_, i int) error {
		found = true
		if doc[i] != '[' {
			return appendScalar(&vals, doc, i, path)
		}
		it := open(doc, i)
		for {
			_, v, ok, err := it.next()
			if err != nil || !ok {
				return err
			}
			if err := appendScalar(&vals, doc, v, path); err != nil {
				return err
			}
			end, err := skipValue(doc, v)
			if err != nil {
				return err
			}
			it.done(end)
		}
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, path.src)
	}
	return vals, nil
}

// appendScalar appends the string form of the string or number at d[i].
func appendScalar(vals *[]string, d []byte, i int, path Path) error {
	switch c := d[i]; {
	case c == '"':
		end, err := skipString(d, i)
		if err != nil {
			return err
		}
		s, err := unquote(d[i:end])
		if err != nil {
			return err
		}
		*vals = append(*vals, string(s))
	case c == '-' || (c >= '0' && c <= '9'):
		end, err := skipValue(d, i)
		if err != nil {
			return err
		}
		*vals = append(*vals, string(d[i:end]))
	default:
		return fmt.Errorf("%w at %q", ErrNotScalar, path.src)
	}
	return nil
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
	start, err := validate(doc)
	if err != nil {
		return nil, 0, err
	}
	w := rewriter{
		walker: walker{d: doc, paths: []Path{path}},
		out:    make([]byte, 0, len(doc)),
		filter: newOwner(doc, ownerField, want),
	}
	if _, err := w.rewrite(start, w.roots()); err != nil {
		return nil, 0, err
	}
	if w.filter.arraysSeen == 0 {
		return nil, 0, fmt.Errorf("%w: %q", ErrNotFound, path.src)
	}
	if w.removed == 0 {
		return doc, 0, nil
	}
	return w.out, w.removed, nil
}
