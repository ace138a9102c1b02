package shape

import (
	"bytes"
	"fmt"
	"slices"
)

// Tree is the set of fields allowed in a document. Open means anything below
// is allowed; otherwise only the members named in Props (or, failing that,
// matched by Members) and, for arrays, elements as filtered by Items. On an
// Open node, members named in Props still follow their own Tree, so an open
// object can hide one role-restricted field. Roles, when non-empty on a node,
// restricts that field (or, on Items, every element) to principals holding
// one of them: a field only admins see.
//
// A nil *Tree, wherever it appears (a nil Props value, Items, Members or the
// Tree given to Filter), allows everything below it. A scalar is kept whenever
// its field is allowed, whatever the node says about members or elements.
// A Tree is read-only while Filter uses it and may be shared between goroutines.
type Tree struct {
	// Open allows every member and element not otherwise described.
	Open bool
	// Props maps an object member name (unescaped) to the Tree for its value.
	Props map[string]*Tree
	// Members is the Tree for object members not named in Props; nil means
	// such members are dropped unless Open.
	Members *Tree
	// Items is the Tree for each array element; nil means elements are
	// dropped unless Open.
	Items *Tree
	// Roles, when non-empty, lets the field through only for a caller holding one of them.
	Roles []string

	// names and subs are Props as two slices, set by Seal when Props is
	// small: a few names compared in turn are found faster than by hashing.
	names []string
	subs  []*Tree
}

// maxSealedProps is the most Props a sealed node keeps as slices.
const maxSealedProps = 8

// Seal prepares t and every node below it for Filter's lookups. It must be
// called after the Tree is complete and before it is shared: a Tree changed
// after Seal is still filtered correctly (a node whose Props no longer has
// the sealed count of names is looked up in the map), but only an unchanged
// count is checked, so a sealed Tree must not be edited.
func (t *Tree) Seal() {
	seen := map[*Tree]bool{}
	var walk func(*Tree)
	walk = func(n *Tree) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		n.names, n.subs = nil, nil
		small := len(n.Props) <= maxSealedProps
		for _, k := range sortedKeys(n.Props) {
			if small {
				n.names = append(n.names, k)
				n.subs = append(n.subs, n.Props[k])
			}
			walk(n.Props[k])
		}
		walk(n.Members)
		walk(n.Items)
	}
	walk(t)
}

// prop returns the Props entry named name.
func (t *Tree) prop(name []byte) (*Tree, bool) {
	if len(t.names) > 0 && len(t.names) == len(t.Props) {
		for i, n := range t.names {
			if n == string(name) {
				return t.subs[i], true
			}
		}
		return nil, false
	}
	c, ok := t.Props[string(name)]
	return c, ok
}

// maxTreeNodes bounds the Tree FromPaths builds: a wildcard is copied into
// every sibling name, so a hostile path list could otherwise grow without end.
const maxTreeNodes = 1 << 16

// FromPaths builds a Tree from allow-list paths in CompilePath's syntax
// ("id", "name", "orders.*.id", "profile.address.city"). A path ending at a
// field allows everything under it; "*" is every array element and every
// object member; "" allows the whole document. The Tree is the union of the
// paths: "a.*.b" and "a.x.c" keep both b and c under a.x. No paths allow
// nothing (an object becomes {}).
func FromPaths(paths []string) (*Tree, error) {
	b := builder{nodes: 1}
	root := &Tree{}
	for _, p := range paths {
		segs, err := compileSegments(p)
		if err != nil {
			return nil, err
		}
		if err := b.insert(root, segs); err != nil {
			return nil, fmt.Errorf("%w %q: %w", ErrPath, p, err)
		}
	}
	return root, nil
}

// builder counts the nodes of the Tree being built.
type builder struct{ nodes int }

// errTooLarge stops a path list whose wildcards multiply the Tree beyond maxTreeNodes.
var errTooLarge = fmt.Errorf("allow-list tree exceeds %d nodes", maxTreeNodes)

// node returns a new node, or an error past maxTreeNodes.
func (b *builder) node() (*Tree, error) {
	if b.nodes++; b.nodes > maxTreeNodes {
		return nil, errTooLarge
	}
	return &Tree{}, nil
}

// insert adds the path segs below t.
func (b *builder) insert(t *Tree, segs []segment) error {
	if t.Open {
		return nil // already everything
	}
	if len(segs) == 0 {
		*t = Tree{Open: true}
		return nil
	}
	s, rest := segs[0], segs[1:]
	if s.any {
		if t.Members == nil {
			w, err := b.node()
			if err != nil {
				return err
			}
			t.Members, t.Items = w, w
		}
		if err := b.insert(t.Members, rest); err != nil {
			return err
		}
		// A wildcard also covers the names listed beside it, in sorted order
		// so the node budget is spent deterministically.
		for _, name := range sortedKeys(t.Props) {
			if err := b.insert(t.Props[name], rest); err != nil {
				return err
			}
		}
		return nil
	}
	child, ok := t.Props[s.name]
	if !ok {
		var err error
		if t.Members != nil {
			child, err = b.clone(t.Members)
		} else {
			child, err = b.node()
		}
		if err != nil {
			return err
		}
		if t.Props == nil {
			t.Props = make(map[string]*Tree)
		}
		t.Props[s.name] = child
	}
	return b.insert(child, rest)
}

// clone deep-copies t (as built by insert, where Items and Members are one node).
func (b *builder) clone(t *Tree) (*Tree, error) {
	n, err := b.node()
	if err != nil {
		return nil, err
	}
	n.Open = t.Open
	if t.Members != nil {
		w, err := b.clone(t.Members)
		if err != nil {
			return nil, err
		}
		n.Members, n.Items = w, w
	}
	if len(t.Props) > 0 {
		n.Props = make(map[string]*Tree, len(t.Props))
		for _, k := range sortedKeys(t.Props) {
			c, err := b.clone(t.Props[k])
			if err != nil {
				return nil, err
			}
			n.Props[k] = c
		}
	}
	return n, nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]*Tree) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// member returns the Tree for the object member name below t and whether the
// caller may see it.
func (t *Tree) member(name []byte, roles []string) (*Tree, bool) {
	if t == nil {
		return nil, true
	}
	if c, ok := t.prop(name); ok {
		return c, c.permits(roles)
	}
	if t.Members == nil && !t.Open {
		return nil, false
	}
	// A case variant of a named member ("Salary" for "salary") follows that
	// member's rule, so an open object cannot pass under another spelling what
	// a role hides: clients such as Go's encoding/json bind names ignoring case.
	if c, ok := t.foldedProp(name, roles); c != nil {
		return c, ok
	}
	if t.Members != nil {
		return t.Members, t.Members.permits(roles)
	}
	return nil, t.Open
}

// foldedProp returns the Props entry whose name equals name under Unicode
// case folding, or nil; ok is false when any such entry is hidden from roles.
func (t *Tree) foldedProp(name []byte, roles []string) (c *Tree, ok bool) {
	ok = true
	for k, sub := range t.Props {
		if !bytes.EqualFold([]byte(k), name) {
			continue
		}
		c = sub
		if !sub.permits(roles) {
			return sub, false // the most restrictive spelling decides
		}
	}
	return c, ok
}

// element returns the Tree for an array element below t and whether the caller may see it.
func (t *Tree) element(roles []string) (*Tree, bool) {
	switch {
	case t == nil:
		return nil, true
	case t.Items != nil:
		return t.Items, t.Items.permits(roles)
	default:
		return nil, t.Open
	}
}

// permits reports whether a caller holding roles may see the field t describes.
func (t *Tree) permits(roles []string) bool {
	if t == nil || len(t.Roles) == 0 {
		return true
	}
	for _, r := range t.Roles {
		if slices.Contains(roles, r) {
			return true
		}
	}
	return false
}

// whole reports whether everything below t is allowed without looking.
func (t *Tree) whole() bool {
	return t == nil || (t.Open && len(t.Props) == 0 && t.Members == nil && t.Items == nil)
}
