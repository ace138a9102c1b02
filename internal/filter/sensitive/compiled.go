package sensitive

import "github.com/bulwark-gw/bulwark/internal/jsonread"

// Compiled is a Policy checked and turned into an array once, for a caller
// that scans many documents with the same policy (a route's response guard):
// the Scan* functions that take a Policy compile it on every call.
type Compiled struct {
	acts    actions
	enabled kindSet
}

// Compile checks p (the errors of Validate) and compiles it.
func (p Policy) Compile() (*Compiled, error) {
	acts, err := p.compile()
	if err != nil {
		return nil, err
	}
	return &Compiled{acts: acts, enabled: acts.enabled()}, nil
}

// Enabled reports whether any kind's detector runs.
func (c *Compiled) Enabled() bool { return c != nil && c.enabled != 0 }

// Found is a set of kinds, the answer of scans that report kinds only.
type Found uint16

// Has reports whether k is in f.
func (f Found) Has(k Kind) bool {
	i, ok := indexOf(k)
	return ok && kindSet(f).has(i)
}

// Kinds returns the kinds in f in the order of the Kind constants (nil: none).
func (f Found) Kinds() []Kind {
	var out []Kind
	for i := range numKinds {
		if kindSet(f).has(i) {
			out = append(out, kindOf(i))
		}
	}
	return out
}

// Len is the number of kinds in f.
func (f Found) Len() int {
	n := 0
	for i := range numKinds {
		if kindSet(f).has(i) {
			n++
		}
	}
	return n
}

// ScanIndex is ScanIndexKinds with c: out is ix.Data() when nothing is
// replaced.
func (c *Compiled) ScanIndex(ix *jsonread.Index) (out []byte, found Found, block bool) {
	s := newScanner(ix, c.acts, false)
	out = s.scan()
	return out, Found(s.found), s.block
}

// ScanIndexKept is ScanIndexKeptKinds with c: out is nil when nothing is
// replaced.
func (c *Compiled) ScanIndexKept(ix *jsonread.Index, kept [][2]int) (out []byte, found Found, block bool) {
	s := newScanner(ix, c.acts, false)
	s.kept, s.restricted = kept, true
	if s.enabled != 0 {
		s.run()
	}
	if s.out != nil {
		out = s.appendKept(s.out, s.copied, len(s.doc))
	}
	return out, Found(s.found), s.block
}

// Single returns the one kind in f; ok is false when f holds none or several.
func (f Found) Single() (k Kind, ok bool) {
	for i := range numKinds {
		if kindSet(f).has(i) {
			if ok {
				return "", false
			}
			k, ok = kindOf(i), true
		}
	}
	return k, ok
}
