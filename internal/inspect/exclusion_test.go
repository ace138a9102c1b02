package inspect

import (
	"strings"
	"testing"
)

// segs builds a path: "#" is an array index, anything else a key.
func segs(parts ...string) []segment {
	out := make([]segment, 0, len(parts))
	for _, p := range parts {
		if p == "#" {
			out = append(out, segment{index: true})
		} else {
			out = append(out, segment{text: p})
		}
	}
	return out
}

func TestExclusionMatch(t *testing.T) {
	cases := []struct {
		name  string
		field string
		path  []segment
		want  bool
	}{
		{"exact", "body.a.b", segs("a", "b"), true},
		{"shorter path", "body.a.b", segs("a"), false},
		{"longer path", "body.a.b", segs("a", "b", "c"), false},
		{"case-sensitive", "body.a.B", segs("a", "b"), false},
		{"star one", "body.a.*", segs("a", "x"), true},
		{"star not zero", "body.a.*", segs("a"), false},
		{"star not two", "body.a.*", segs("a", "x", "y"), false},
		{"star matches index", "body.items.*.note", segs("items", "#", "note"), true},
		{"literal never matches index", "body.items.0.note", segs("items", "#", "note"), false},
		{"double star zero", "body.a.**", segs("a"), true},
		{"double star many", "body.a.**", segs("a", "b", "#", "c"), true},
		{"double star middle", "body.a.**.z", segs("a", "z"), true},
		{"double star middle many", "body.a.**.z", segs("a", "b", "#", "z"), true},
		{"double star middle wrong end", "body.a.**.z", segs("a", "b", "y"), false},
		{"double star backtracks", "body.**.a.b", segs("a", "x", "a", "b"), true},
		{"two double stars", "body.**.x.**.y", segs("p", "x", "q", "r", "y"), true},
		{"two double stars fail", "body.**.x.**.y", segs("p", "q", "y"), false},
		{"bare location", "body", segs(), true},
		{"bare location deep", "query", segs("a", "b"), true},
		{"empty path vs literal", "body.a", segs(), false},
		{"header any case", "header.X-SQL", segs("x-sql"), true},
		{"header name keeps its dots", "header.x.y", segs("x.y"), true},
		{"cookie exact case", "cookie.Prefs", segs("prefs"), false},
		{"cookie wildcard", "cookie.*", segs("anything"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x, err := compileExclusion(Exclusion{Field: tc.field})
			if err != nil {
				t.Fatal(err)
			}
			if got := x.match(tc.path); got != tc.want {
				t.Fatalf("match(%q, %v) = %v, want %v", tc.field, tc.path, got, tc.want)
			}
		})
	}
}

func TestExclusionMatchIsBounded(t *testing.T) {
	x, err := compileExclusion(Exclusion{Field: "body.**.a.**.a.**.a.**.a.**.b"})
	if err != nil {
		t.Fatal(err)
	}
	path := make([]segment, 5000)
	for i := range path {
		path[i] = segment{text: "a"}
	}
	if x.match(path) { // quadratic at worst: finishes at once
		t.Fatal("matched a path without b")
	}
}

func TestNameSegments(t *testing.T) {
	cases := []struct {
		name string
		want string // segments joined by "|", index segments as "#"
	}{
		{"q", "q"},
		{"", ""},
		{"a.b", "a|b"},
		{"filters[title][$eq]", "filters|title|$eq"},
		{"a[]", "a|#"},
		{"a[][b]", "a|#|b"},
		{"a[0][b]", "a|0|b"},
		{"a[b].c", "a|b|c"},
		{"a[b]c", "a|b|c"},
		{"a[b", "a|[b"},
		{"[a]", "a"},
		{"a.b[c.d]", "a|b|c.d"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var parts []string
			for _, s := range appendNameSegments(nil, tc.name) {
				if s.index {
					parts = append(parts, "#")
				} else {
					parts = append(parts, s.text)
				}
			}
			if got := strings.Join(parts, "|"); got != tc.want {
				t.Fatalf("segments(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}
