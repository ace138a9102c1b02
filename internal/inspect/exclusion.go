package inspect

import (
	"fmt"
	"strings"
)

// scope is the location part of an exclusion's field.
type scope uint8

const (
	scopeQuery scope = iota
	scopePath
	scopeCookie
	scopeHeader
	scopeForm
	scopeBody
)

var scopeNames = [...]string{
	scopeQuery:  "query",
	scopePath:   "path",
	scopeCookie: "cookie",
	scopeHeader: "header",
	scopeForm:   "form",
	scopeBody:   "body",
}

// patKind is what one pattern segment matches.
type patKind uint8

const (
	patLiteral patKind = iota // exactly this name
	patOne                    // "*": any one segment
	patAny                    // "**": any number of segments, zero included
)

type patSeg struct {
	kind patKind
	text string
}

// exclusion is a compiled Exclusion.
type exclusion struct {
	scope     scope
	detectors detectorSet
	pattern   []patSeg
	fold      bool     // header names compare in any case
	ops       []string // NoSQL operators allowed on the field (detectors is then empty)
}

// compileExclusion parses e.Field and e.Detectors.
func compileExclusion(e Exclusion) (exclusion, error) {
	det, err := parseDetectors(e.Detectors)
	if err != nil {
		return exclusion{}, fmt.Errorf("detectors: %w", err)
	}
	loc, rest, dotted := strings.Cut(e.Field, ".")
	x := exclusion{detectors: det, scope: 255}
	for i, n := range scopeNames {
		if n == loc {
			x.scope = scope(i)
		}
	}
	if x.scope == 255 {
		return exclusion{}, fmt.Errorf("field %q: unknown location %q (want query, path, cookie, header, form or body)", e.Field, loc)
	}
	x.fold = x.scope == scopeHeader
	switch {
	case !dotted:
		x.pattern = []patSeg{{kind: patAny}} // a bare location covers all of it
	case rest == "":
		return exclusion{}, fmt.Errorf("field %q: empty path after the location", e.Field)
	case x.scope == scopePath || x.scope == scopeCookie || x.scope == scopeHeader:
		// One name, dots and all: "header.x-api.v2" names one header.
		seg, err := patternSegment(rest)
		if err != nil {
			return exclusion{}, fmt.Errorf("field %q: %w", e.Field, err)
		}
		x.pattern = []patSeg{seg}
	default:
		for part := range strings.SplitSeq(rest, ".") {
			seg, err := patternSegment(part)
			if err != nil {
				return exclusion{}, fmt.Errorf("field %q: %w", e.Field, err)
			}
			x.pattern = append(x.pattern, seg)
		}
	}
	return x, nil
}

func patternSegment(part string) (patSeg, error) {
	switch {
	case part == "":
		return patSeg{}, fmt.Errorf("empty path segment")
	case part == "*":
		return patSeg{kind: patOne}, nil
	case part == "**":
		return patSeg{kind: patAny}, nil
	case strings.Contains(part, "*"):
		return patSeg{}, fmt.Errorf("segment %q: * and ** must stand alone as a segment", part)
	}
	return patSeg{kind: patLiteral, text: part}, nil
}

// match reports whether the field path segs matches the pattern. "**" is
// matched greedily with backtracking to the last "**" seen, so the cost is
// bounded by len(pattern)*len(segs) whatever the input.
func (x *exclusion) match(segs []segment) bool {
	p := x.pattern
	pi, si := 0, 0
	anyP, anyS := -1, 0
	for si < len(segs) {
		if pi < len(p) {
			switch ps := p[pi]; {
			case ps.kind == patAny:
				anyP, anyS = pi, si
				pi++
				continue
			case ps.kind == patOne, !segs[si].index && x.equal(ps.text, segs[si].text):
				pi++
				si++
				continue
			}
		}
		if anyP < 0 {
			return false
		}
		anyS++
		pi, si = anyP+1, anyS
	}
	for pi < len(p) && p[pi].kind == patAny {
		pi++
	}
	return pi == len(p)
}

func (x *exclusion) equal(pattern, name string) bool {
	if x.fold {
		return strings.EqualFold(pattern, name)
	}
	return pattern == name
}

// appendNameSegments splits a query or form name into path segments: on dots
// and on brackets, as PHP, Rails and the qs library read them, so
// "filters[title][$eq]" and "filters.title.$eq" are both filters, title,
// $eq. An empty "[]" is an index segment (an array append). A name without
// brackets or dots is one segment.
func appendNameSegments(segs []segment, name string) []segment {
	start := 0
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '.':
			segs = append(segs, segment{text: name[start:i]})
			start = i + 1
		case '[':
			if i > start {
				segs = append(segs, segment{text: name[start:i]})
			}
			end := strings.IndexByte(name[i+1:], ']')
			if end < 0 { // unclosed: the rest is one literal segment
				return append(segs, segment{text: name[i:]})
			}
			inner := name[i+1 : i+1+end]
			segs = append(segs, segment{text: inner, index: inner == ""})
			i += 1 + end
			start = i + 1
			if start < len(name) && name[start] == '.' {
				i++
				start++
			}
		}
	}
	if start < len(name) || start == 0 {
		segs = append(segs, segment{text: name[start:]})
	}
	return segs
}
