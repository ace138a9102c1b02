package route

import (
	"errors"
	"slices"
	"testing"
)

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		name, in   string
		wantString string // "" = error expected
		params     []string
	}{
		{name: "root", in: "/", wantString: "/"},
		{name: "literal", in: "/users", wantString: "/users"},
		{name: "trailing slash dropped", in: "/users/", wantString: "/users"},
		{name: "param", in: "/users/{id}/orders", wantString: "/users/{id}/orders", params: []string{"id"}},
		{name: "two params", in: "/u/{user_id}/o/{OrderID2}", wantString: "/u/{user_id}/o/{OrderID2}", params: []string{"user_id", "OrderID2"}},
		{name: "glob", in: "/admin/**", wantString: "/admin/**"},
		{name: "root glob", in: "/**", wantString: "/**"},
		{name: "param then glob", in: "/files/{name}/**", wantString: "/files/{name}/**", params: []string{"name"}},
		{name: "utf8 literal", in: "/café", wantString: "/café"},
		{name: "sub-delims literal", in: "/a:b@c=d", wantString: "/a:b@c=d"},
		{name: "empty", in: ""},
		{name: "no leading slash", in: "users"},
		{name: "double slash", in: "/a//b"},
		{name: "unclosed brace", in: "/users/{id"},
		{name: "unopened brace", in: "/users/id}"},
		{name: "partial param", in: "/files/{name}.json"},
		{name: "prefix param", in: "/files/x{name}"},
		{name: "empty name", in: "/users/{}"},
		{name: "bad name", in: "/users/{1id}"},
		{name: "dash name", in: "/users/{user-id}"},
		{name: "nested brace", in: "/users/{{id}}"},
		{name: "duplicate param", in: "/a/{id}/b/{id}"},
		{name: "glob not last", in: "/a/**/b"},
		{name: "single star", in: "/a/*"},
		{name: "star in literal", in: "/a/b*"},
		{name: "triple star", in: "/a/***"},
		{name: "percent", in: "/a%20b"},
		{name: "backslash", in: "/a\\b"},
		{name: "space", in: "/a b"},
		{name: "control", in: "/a\x01"},
		{name: "question", in: "/a?b"},
		{name: "dot segment", in: "/a/./b"},
		{name: "dotdot segment", in: "/a/.."},
		{name: "invalid utf8", in: "/a\xff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := ParseTemplate(tc.in)
			if tc.wantString == "" {
				if err == nil || !errors.Is(err, ErrInvalidTemplate) {
					t.Fatalf("ParseTemplate(%q) = %v, %v; want ErrInvalidTemplate", tc.in, tmpl, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTemplate(%q): %v", tc.in, err)
			}
			if got := tmpl.String(); got != tc.wantString {
				t.Errorf("String() = %q, want %q", got, tc.wantString)
			}
			if got := tmpl.Params(); !slices.Equal(got, tc.params) {
				t.Errorf("Params() = %q, want %q", got, tc.params)
			}
		})
	}
}

func TestTemplateMatches(t *testing.T) {
	tests := []struct {
		tmpl, path string
		want       bool
	}{
		{"/", "/", true},
		{"/", "/a", false},
		{"/a", "/a", true},
		{"/a", "/a/", true},
		{"/a/", "/a", true},
		{"/a", "/A", false},
		{"/a", "/ab", false},
		{"/a/{x}", "/a/b", true},
		{"/a/{x}", "/a/", false},
		{"/a/{x}", "/a/b/c", false},
		{"/a/**", "/a", true},
		{"/a/**", "/a/", true},
		{"/a/**", "/a/b/c/", true},
		{"/a/**", "/ab", false},
		{"/**", "/", true},
		{"/{x}/c", "/b/c", true},
	}
	for _, tc := range tests {
		t.Run(tc.tmpl+" "+tc.path, func(t *testing.T) {
			tmpl, err := ParseTemplate(tc.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			if got := tmpl.Matches(tc.path); got != tc.want {
				t.Fatalf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOverlap(t *testing.T) {
	get := []string{"GET"}
	tests := []struct {
		name string
		a, b Spec
		want bool
	}{
		{"identical", Spec{Path: "/a"}, Spec{Path: "/a"}, true},
		{"literal beats param", Spec{Path: "/users/me"}, Spec{Path: "/users/{id}"}, false},
		{"param names differ", Spec{Path: "/users/{id}"}, Spec{Path: "/users/{name}"}, true},
		{"left-most literal decides", Spec{Path: "/a/{x}/c"}, Spec{Path: "/a/b/{y}"}, false},
		{"param beats glob", Spec{Path: "/a/{x}"}, Spec{Path: "/a/**"}, false},
		{"end beats glob", Spec{Path: "/a"}, Spec{Path: "/a/**"}, false},
		{"both glob", Spec{Path: "/a/**"}, Spec{Path: "/a/**"}, true},
		{"trailing slash same", Spec{Path: "/a/"}, Spec{Path: "/a"}, true},
		{"different literals", Spec{Path: "/a"}, Spec{Path: "/b"}, false},
		{"case differs", Spec{Path: "/a"}, Spec{Path: "/A"}, false},
		{"different lengths", Spec{Path: "/a/{x}"}, Spec{Path: "/a/{x}/{y}"}, false},
		{"shared method", Spec{Methods: []string{"GET", "POST"}, Path: "/a"}, Spec{Methods: []string{"POST"}, Path: "/a"}, true},
		{"disjoint methods", Spec{Methods: get, Path: "/a"}, Spec{Methods: []string{"POST"}, Path: "/a"}, false},
		{"any method vs GET", Spec{Path: "/a"}, Spec{Methods: get, Path: "/a"}, true},
		{"GET vs HEAD", Spec{Methods: get, Path: "/a"}, Spec{Methods: []string{"HEAD"}, Path: "/a"}, false},
		{"same host", Spec{Host: "api.example.com", Path: "/a"}, Spec{Host: "API.example.com:443", Path: "/a"}, true},
		{"host vs none", Spec{Host: "api.example.com", Path: "/a"}, Spec{Path: "/a"}, false},
		{"host vs wildcard", Spec{Host: "api.example.com", Path: "/a"}, Spec{Host: "*.example.com", Path: "/a"}, false},
		{"same wildcard", Spec{Host: "*.example.com", Path: "/a"}, Spec{Host: "*.EXAMPLE.com", Path: "/a"}, true},
		{"different hosts", Spec{Host: "a.example.com", Path: "/a"}, Spec{Host: "b.example.com", Path: "/a"}, false},
		{"invalid template", Spec{Path: "/a/{"}, Spec{Path: "/a/{"}, false},
		{"invalid host", Spec{Host: "a b", Path: "/a"}, Spec{Host: "a b", Path: "/a"}, false},
		{"invalid method", Spec{Methods: []string{"get"}, Path: "/a"}, Spec{Methods: []string{"get"}, Path: "/a"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Overlap(tc.a, tc.b); got != tc.want {
				t.Fatalf("Overlap = %v, want %v", got, tc.want)
			}
			if got := Overlap(tc.b, tc.a); got != tc.want {
				t.Fatalf("Overlap (swapped) = %v, want %v", got, tc.want)
			}
			_, err := NewTable([]Spec{tc.a, tc.b})
			var oe *OverlapError
			if errors.As(err, &oe) != tc.want {
				t.Fatalf("NewTable error %v, want overlap %v", err, tc.want)
			}
			if tc.want && (oe.First != 0 || oe.Second != 1) {
				t.Fatalf("OverlapError = %+v, want 0 and 1", oe)
			}
		})
	}
}
