package shape

import (
	"errors"
	"reflect"
	"testing"
)

func TestCompilePath(t *testing.T) {
	tests := []struct {
		name string
		path string
		want []segment
		err  bool
	}{
		{name: "one name", path: "password", want: []segment{{name: "password"}}},
		{name: "nested", path: "profile.ssn", want: []segment{{name: "profile"}, {name: "ssn"}}},
		{name: "wildcard", path: "orders.*.card", want: []segment{{name: "orders"}, {name: "*", any: true}, {name: "card"}}},
		{name: "escaped dot", path: `a\.b.c`, want: []segment{{name: "a.b"}, {name: "c"}}},
		{name: "escaped star is literal", path: `\*`, want: []segment{{name: "*"}}},
		{name: "escaped backslash", path: `a\\b`, want: []segment{{name: `a\b`}}},
		{name: "numeric is a name", path: "items.0", want: []segment{{name: "items"}, {name: "0"}}},
		{name: "pointer", path: "/a~1b/c~0d", want: []segment{{name: "a/b"}, {name: "c~d"}}},
		{name: "pointer star is literal", path: "/*", want: []segment{{name: "*"}}},
		{name: "root refused", path: "", err: true},
		{name: "pointer bad tilde", path: "/a~2", err: true},
		{name: "empty segment", path: "a..b", err: true},
		{name: "trailing dot", path: "a.", err: true},
		{name: "bad escape", path: `a\b`, err: true},
		{name: "dangling escape", path: `a\`, err: true},
		{name: "invalid utf-8", path: "a\xff", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := CompilePath(tt.path)
			if tt.err {
				if !errors.Is(err, ErrPath) {
					t.Fatalf("CompilePath(%q) error = %v, want ErrPath", tt.path, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CompilePath(%q): %v", tt.path, err)
			}
			if !reflect.DeepEqual(p.segs, tt.want) {
				t.Errorf("CompilePath(%q) = %+v, want %+v", tt.path, p.segs, tt.want)
			}
			if p.String() != tt.path {
				t.Errorf("String() = %q", p.String())
			}
		})
	}
}

func TestZeroPathMatchesNothing(t *testing.T) {
	out, n, err := Filter([]byte(`{"a":1}`), nil, []Path{{}}, nil)
	if err != nil || n != 0 || string(out) != `{"a":1}` {
		t.Errorf("Filter with zero Path = %s, %d, %v", out, n, err)
	}
}
