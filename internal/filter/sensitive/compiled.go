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
	return compiled(acts), nil
}

func compiled(acts actions) *Compiled { return &Compiled{acts: acts, enabled: acts.enabled()} }

// Found is a set of kinds, the answer of scans that report kinds only.
type Found uint16

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

// ScanIndex is ScanKinds with c on a document already read by jsonread:
// out is ix.Data() when nothing is replaced.
func (c *Compiled) ScanIndex(ix *jsonread.Index) (out []byte, found Found, block bool) {
	s := newScanner(ix, c, false)
	out = s.scan()
	return out, Found(s.found), s.block
}

// ScanIndexKept is ScanIndex on the document a filter made of ix by keeping
// only the byte spans kept (in order, not overlapping: the document is their
// concatenation): only values inside them are inspected, and out, when a
// value is replaced, is that document with the replacements; nil when
// nothing is replaced. It spares reading the kept document anew: its values
// are ix's values inside the spans, byte for byte.
func (c *Compiled) ScanIndexKept(ix *jsonread.Index, kept [][2]int) (out []byte, found Found, block bool) {
	s := newScanner(ix, c, false)
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
