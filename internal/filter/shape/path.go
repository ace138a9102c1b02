package shape

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
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
// internal/authz/jsonfields: dotted names ("password", "profile.ssn",
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

// compileSegments splits a dotted path or JSON pointer; "" is the document itself.
func compileSegments(s string) ([]segment, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w %q: invalid UTF-8", ErrPath, s)
	}
	var (
		segs []segment
		err  error
	)
	switch {
	case s == "":
	case s[0] == '/':
		segs, err = compilePointer(s)
	default:
		segs, err = compileDotted(s)
	}
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrPath, s, err)
	}
	return segs, nil
}

// compilePointer splits an RFC 6901 pointer into literal names.
func compilePointer(path string) ([]segment, error) {
	tokens := strings.Split(path[1:], "/")
	segs := make([]segment, 0, len(tokens))
	for _, tok := range tokens {
		var b strings.Builder
		for i := 0; i < len(tok); i++ {
			c := tok[i]
			if c != '~' {
				b.WriteByte(c)
				continue
			}
			if i+1 >= len(tok) || (tok[i+1] != '0' && tok[i+1] != '1') {
				return nil, errors.New(`"~" must be followed by 0 or 1`)
			}
			if tok[i+1] == '0' {
				b.WriteByte('~')
			} else {
				b.WriteByte('/')
			}
			i++
		}
		segs = append(segs, segment{name: b.String()})
	}
	return segs, nil
}

// compileDotted splits a dotted path; `\` escapes ".", "*" and `\`, and an
// unescaped "*" segment is a wildcard.
func compileDotted(path string) ([]segment, error) {
	var (
		segs    []segment
		b       strings.Builder
		escaped bool // the current segment contains an escape, so "\*" stays literal
	)
	end := func() error {
		name := b.String()
		if name == "" {
			return errors.New("empty segment")
		}
		segs = append(segs, segment{name: name, any: name == "*" && !escaped})
		b.Reset()
		escaped = false
		return nil
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '\\':
			if i+1 >= len(path) || !strings.ContainsRune(`.*\`, rune(path[i+1])) {
				return nil, errors.New(`"\" must be followed by ".", "*" or "\"`)
			}
			b.WriteByte(path[i+1])
			escaped = true
			i++
		case '.':
			if err := end(); err != nil {
				return nil, err
			}
		default:
			b.WriteByte(c)
		}
	}
	if err := end(); err != nil {
		return nil, err
	}
	return segs, nil
}
