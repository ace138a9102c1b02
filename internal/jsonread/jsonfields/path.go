package jsonfields

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Errors returned by this package; callers compare with errors.Is.
var (
	// ErrInvalidJSON reports a document that is not one valid JSON value in valid UTF-8.
	ErrInvalidJSON = errors.New("jsonfields: invalid JSON")
	// ErrPath reports a path that does not compile or cannot be used for the operation.
	ErrPath = errors.New("jsonfields: bad path")
	// ErrNotFound reports that nothing is at the path.
	ErrNotFound = errors.New("jsonfields: path not found")
	// ErrNotScalar reports an object, boolean or null where an id was expected.
	ErrNotScalar = errors.New("jsonfields: value is not a string or number")
	// ErrNotArray reports a value that is not an array where an array was expected.
	ErrNotArray = errors.New("jsonfields: value is not an array")
	// ErrTooDeep reports a document nested deeper than MaxDeepNesting under a deep step.
	ErrTooDeep = errors.New("jsonfields: document too deep to search")
)

// segment is one step of a Path: an object member name, or any member or
// element; or, deep, any number of steps (zero or more), never last.
type segment struct {
	name string
	any  bool
	deep bool
}

// Path is a compiled field path. The zero Path is the document itself.
type Path struct {
	src  string
	segs []segment
	fold bool
}

// Compile compiles a dotted path ("role", "profile.is_admin", "items.*.price",
// "*.owner_id") or, when path starts with "/", an RFC 6901 JSON pointer
// ("/orders", "/ids"), whose tokens are literal names ("~0" is "~", "~1" is "/").
// "" is the document itself.
func Compile(path string) (Path, error) {
	if !utf8.ValidString(path) {
		return Path{}, fmt.Errorf("%w %q: invalid UTF-8", ErrPath, path)
	}
	var (
		segs []segment
		err  error
	)
	switch {
	case path == "":
	case path[0] == '/':
		segs, err = compilePointer(path)
	default:
		segs, err = compileDotted(path)
	}
	if err != nil {
		return Path{}, fmt.Errorf("%w %q: %w", ErrPath, path, err)
	}
	return Path{src: path, segs: segs}, nil
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

// CompileField compiles a field the caller may not set (write-protected,
// mass assignment): a bare name ("role": no unescaped ".", not a pointer, not
// "*") matches a member of that name at any depth, in objects inside objects
// and arrays ({"user":{"role":1}}, {"data":[{"role":1}]}); a dotted path or a
// pointer is Compile's, anchored at the document ("profile.verified",
// "/role" for the top-level member only).
func CompileField(field string) (Path, error) {
	p, err := Compile(field)
	if err != nil {
		return Path{}, err
	}
	if len(p.segs) == 1 && !p.segs[0].any && field[0] != '/' {
		p.segs = []segment{{deep: true}, p.segs[0]}
	}
	return p, nil
}

// String returns the path as it was compiled.
func (p Path) String() string { return p.src }

// IsRoot reports whether p is the document itself.
func (p Path) IsRoot() bool { return len(p.segs) == 0 }

// Fold returns a copy of p whose names also match keys that differ only in case
// (Unicode simple folding, as strings.EqualFold). Use it to strip or find
// forbidden fields when the upstream matches keys case-insensitively, as Go's
// encoding/json does for struct fields: otherwise "Role" slips past a rule on "role".
func (p Path) Fold() Path {
	p.fold = true
	return p
}

// matches reports whether segment k of p accepts the object key key (already unescaped).
func (p *Path) matches(k int, key []byte) bool {
	s := &p.segs[k]
	switch {
	case s.any:
		return true
	case p.fold:
		return strings.EqualFold(string(key), s.name)
	default:
		return string(key) == s.name
	}
}

// Segment is one step of a compiled path: a member name, Any member or
// element, or Deep: any number of steps (CompileField). Other packages that
// walk documents their own way (response filtering) share this path syntax
// through it.
type Segment struct {
	Name string
	Any  bool
	Deep bool
}

// Segments returns the path's steps; none for the document itself.
func (p Path) Segments() []Segment {
	out := make([]Segment, len(p.segs))
	for i, s := range p.segs {
		out[i] = Segment{Name: s.name, Any: s.any, Deep: s.deep}
	}
	return out
}
