package jsonfields

import (
	"errors"
	"reflect"
	"testing"
)

func TestCompile(t *testing.T) {
	tests := []struct {
		name string
		path string
		want []segment
		err  bool
	}{
		{name: "root", path: "", want: nil},
		{name: "one name", path: "role", want: []segment{{name: "role"}}},
		{name: "nested", path: "profile.is_admin", want: []segment{{name: "profile"}, {name: "is_admin"}}},
		{name: "wildcard", path: "items.*.price", want: []segment{{name: "items"}, {name: "*", any: true}, {name: "price"}}},
		{name: "leading wildcard", path: "*.owner_id", want: []segment{{name: "*", any: true}, {name: "owner_id"}}},
		{name: "escaped dot", path: `a\.b.c`, want: []segment{{name: "a.b"}, {name: "c"}}},
		{name: "escaped star is literal", path: `\*`, want: []segment{{name: "*"}}},
		{name: "escaped backslash", path: `a\\b`, want: []segment{{name: `a\b`}}},
		{name: "unicode", path: "prénom.名前", want: []segment{{name: "prénom"}, {name: "名前"}}},
		{name: "numeric is a name", path: "items.0", want: []segment{{name: "items"}, {name: "0"}}},
		{name: "pointer", path: "/orders", want: []segment{{name: "orders"}}},
		{name: "pointer nested", path: "/a/b", want: []segment{{name: "a"}, {name: "b"}}},
		{name: "pointer escapes", path: "/a~1b/c~0d", want: []segment{{name: "a/b"}, {name: "c~d"}}},
		{name: "pointer star is literal", path: "/*", want: []segment{{name: "*"}}},
		{name: "pointer empty token", path: "/", want: []segment{{name: ""}}},
		{name: "pointer bad tilde", path: "/a~2", err: true},
		{name: "pointer trailing tilde", path: "/a~", err: true},
		{name: "empty segment", path: "a..b", err: true},
		{name: "trailing dot", path: "a.", err: true},
		{name: "leading dot", path: ".a", err: true},
		{name: "bad escape", path: `a\b`, err: true},
		{name: "dangling escape", path: `a\`, err: true},
		{name: "invalid utf-8", path: "a\xff", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.path)
			if tt.err {
				if !errors.Is(err, ErrPath) {
					t.Fatalf("Compile(%q) error = %v, want ErrPath", tt.path, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.path, err)
			}
			if !reflect.DeepEqual(p.segs, tt.want) {
				t.Errorf("Compile(%q) = %+v, want %+v", tt.path, p.segs, tt.want)
			}
			if p.String() != tt.path {
				t.Errorf("String() = %q, want %q", p.String(), tt.path)
			}
			if p.IsRoot() != (len(tt.want) == 0) {
				t.Errorf("IsRoot() = %v", p.IsRoot())
			}
		})
	}
}

// paths compiles each path or fails the test.
func paths(t testing.TB, ps ...string) []Path {
	t.Helper()
	out := make([]Path, len(ps))
	for i, s := range ps {
		p, err := Compile(s)
		if err != nil {
			t.Fatalf("Compile(%q): %v", s, err)
		}
		out[i] = p
	}
	return out
}
