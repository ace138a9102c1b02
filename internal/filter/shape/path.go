package shape

import (
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/jsonread/jsonfields"
)

// segment is one step of a path: an object member name, or (any) every
// member of an object and every element of an array.
type segment struct {
	name string
	any  bool
}

// Path is a compiled deny-list path. The zero Path matches nothing.
type Path struct {
	src  string
	segs []segment
}

// CompilePath compiles a deny-list path in the syntax of
// internal/jsonread/jsonfields: dotted names ("password", "profile.ssn",
// "orders.*.card") where "*" is any object member or array element and `\.`,
// `\*`, `\\` escape a literal dot, star or backslash; or, when s starts with
// "/", an RFC 6901 JSON pointer whose tokens are literal names ("~0" is "~",
// "~1" is "/"). The document itself ("") cannot be denied.
func CompilePath(s string) (Path, error) {
	segs, err := compileSegments(s)
	if err != nil {
		return Path{}, err
	}
	if len(segs) == 0 {
		return Path{}, fmt.Errorf("%w %q: the document itself cannot be removed", ErrPath, s)
	}
	return Path{src: s, segs: segs}, nil
}

// String returns the path as it was compiled.
func (p Path) String() string { return p.src }

// compileSegments splits a dotted path or JSON pointer; "" is the document
// itself. The syntax is jsonfields', parsed there once for both packages.
func compileSegments(s string) ([]segment, error) {
	p, err := jsonfields.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrPath, s, err)
	}
	steps := p.Segments()
	segs := make([]segment, len(steps))
	for i, st := range steps {
		segs[i] = segment{name: st.Name, any: st.Any}
	}
	return segs, nil
}
