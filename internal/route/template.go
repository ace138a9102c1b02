package route

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidTemplate is wrapped by every error of [ParseTemplate].
var ErrInvalidTemplate = errors.New("invalid path template")

// segKind orders segment kinds by precedence: a lower kind wins.
type segKind uint8

const (
	segLiteral segKind = iota
	segParam
	segGlob
)

// segment is one parsed template segment.
type segment struct {
	kind segKind
	text string // literal text, or the param name
}

// Template is a parsed path template such as "/users/{id}/orders" or "/admin/**".
// It is immutable and safe for concurrent use.
type Template struct {
	segs   []segment
	params []string
}

// ParseTemplate parses a path template. Segments are literals (compared
// case-sensitively with the canonical path), "{name}" parameters that match one
// non-empty segment, or "**" (last segment only) matching zero or more segments.
// A trailing slash is ignored: "/a/" is the template "/a".
func ParseTemplate(path string) (*Template, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidTemplate)
	}
	if path[0] != '/' {
		return nil, fmt.Errorf("%w: does not start with /", ErrInvalidTemplate)
	}
	body := strings.TrimSuffix(path[1:], "/")
	t := &Template{}
	if body == "" {
		return t, nil
	}
	parts := strings.Split(body, "/")
	for i, part := range parts {
		seg, err := parseSegment(part, i == len(parts)-1)
		if err != nil {
			return nil, fmt.Errorf("%w: segment %d: %w", ErrInvalidTemplate, i+1, err)
		}
		if seg.kind == segParam {
			for _, p := range t.params {
				if p == seg.text {
					return nil, fmt.Errorf("%w: duplicate param %q", ErrInvalidTemplate, seg.text)
				}
			}
			t.params = append(t.params, seg.text)
		}
		t.segs = append(t.segs, seg)
	}
	return t, nil
}

func parseSegment(part string, last bool) (segment, error) {
	switch {
	case part == "":
		return segment{}, errors.New("empty segment")
	case part == "**":
		if !last {
			return segment{}, errors.New("** must be the last segment")
		}
		return segment{kind: segGlob}, nil
	case part[0] == '{' || part[len(part)-1] == '}':
		return parseParam(part)
	case part == "." || part == "..":
		return segment{}, errors.New("dot segment never matches a canonical path")
	}
	if err := checkLiteral(part); err != nil {
		return segment{}, err
	}
	return segment{kind: segLiteral, text: part}, nil
}

func parseParam(part string) (segment, error) {
	if len(part) < 2 || part[0] != '{' || part[len(part)-1] != '}' {
		return segment{}, errors.New("unbalanced braces: a param must be a whole segment")
	}
	name := part[1 : len(part)-1]
	if name == "" {
		return segment{}, errors.New("empty param name")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return segment{}, errors.New("param name must match [A-Za-z_][A-Za-z0-9_]*")
		}
	}
	return segment{kind: segParam, text: name}, nil
}

// checkLiteral refuses characters a canonical path segment cannot hold or that
// would read as template syntax.
func checkLiteral(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("invalid utf-8")
	}
	for _, r := range s {
		switch {
		case r == '{' || r == '}':
			return errors.New("braces inside a literal segment")
		case r == '*':
			return errors.New("* is only allowed as a whole ** segment")
		case r == '%' || r == '\\' || r == '?' || r == '#':
			return fmt.Errorf("invalid character %q", r)
		case unicode.IsControl(r) || unicode.IsSpace(r):
			return errors.New("control or space character")
		}
	}
	return nil
}

// String returns the normalized template text.
func (t *Template) String() string {
	if len(t.segs) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, s := range t.segs {
		b.WriteByte('/')
		switch s.kind {
		case segParam:
			b.WriteString("{" + s.text + "}")
		case segGlob:
			b.WriteString("**")
		default:
			b.WriteString(s.text)
		}
	}
	return b.String()
}

// Params returns the parameter names in template order. The slice is a copy.
func (t *Template) Params() []string {
	return append([]string(nil), t.params...)
}

// Matches reports whether the canonical path matches t, ignoring precedence.
// It is the slow reference the trie in [Table] agrees with.
func (t *Template) Matches(path string) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	pos := 1
	for _, s := range t.segs {
		if s.kind == segGlob {
			return true
		}
		if pos >= len(path) {
			return false
		}
		seg, next := nextSegment(path, pos)
		if s.kind == segLiteral && seg != s.text || s.kind == segParam && seg == "" {
			return false
		}
		pos = next
	}
	return pos >= len(path)
}

// nextSegment returns the segment of path starting at pos and the start of the one
// after it (>= len(path) when none follows).
func nextSegment(path string, pos int) (seg string, next int) {
	end := strings.IndexByte(path[pos:], '/')
	if end < 0 {
		return path[pos:], len(path) + 1
	}
	return path[pos : pos+end], pos + end + 1
}

// sameShape reports whether a and b have the same literals, params and ** at the
// same positions: exactly the templates that can match a path equally well.
func sameShape(a, b *Template) bool {
	if len(a.segs) != len(b.segs) {
		return false
	}
	for i := range a.segs {
		x, y := a.segs[i], b.segs[i]
		if x.kind != y.kind || x.kind == segLiteral && x.text != y.text {
			return false
		}
	}
	return true
}
