package shape

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestFromPaths(t *testing.T) {
	open := &Tree{Open: true}
	tests := []struct {
		name  string
		paths []string
		want  *Tree
		err   bool
	}{
		{name: "none", paths: nil, want: &Tree{}},
		{name: "whole document", paths: []string{"a", ""}, want: open},
		{name: "names", paths: []string{"id", "name"}, want: &Tree{Props: map[string]*Tree{"id": open, "name": open}}},
		{name: "nested", paths: []string{"p.a.city"},
			want: &Tree{Props: map[string]*Tree{"p": {Props: map[string]*Tree{"a": {Props: map[string]*Tree{"city": open}}}}}}},
		{name: "shorter path wins", paths: []string{"p.a", "p", "p.b"}, want: &Tree{Props: map[string]*Tree{"p": open}}},
		{name: "wildcard", paths: []string{"o.*.id"}, want: func() *Tree {
			w := &Tree{Props: map[string]*Tree{"id": open}}
			return &Tree{Props: map[string]*Tree{"o": {Items: w, Members: w}}}
		}()},
		{name: "wildcard then name", paths: []string{"*.b", "x.c"}, want: func() *Tree {
			w := &Tree{Props: map[string]*Tree{"b": open}}
			return &Tree{Items: w, Members: w, Props: map[string]*Tree{"x": {Props: map[string]*Tree{"b": open, "c": open}}}}
		}()},
		{name: "name then wildcard", paths: []string{"x.c", "*.b"}, want: func() *Tree {
			w := &Tree{Props: map[string]*Tree{"b": open}}
			return &Tree{Items: w, Members: w, Props: map[string]*Tree{"x": {Props: map[string]*Tree{"b": open, "c": open}}}}
		}()},
		{name: "escaped star is a name", paths: []string{`\*`}, want: &Tree{Props: map[string]*Tree{"*": open}}},
		{name: "bad path", paths: []string{"a..b"}, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FromPaths(tt.paths)
			if tt.err {
				if !errors.Is(err, ErrPath) {
					t.Fatalf("FromPaths(%q) error = %v, want ErrPath", tt.paths, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromPaths(%q): %v", tt.paths, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FromPaths(%q) = %s, want %s", tt.paths, dump(got), dump(tt.want))
			}
		})
	}
}

func TestFromPathsBounded(t *testing.T) {
	// Wildcards are copied into every sibling name: names at every level of
	// a wildcard path would grow the Tree as 11^depth without the node budget.
	var paths []string
	const depth = 7
	for k := range depth {
		for i := range 10 {
			p := strings.Repeat("*.", k) + fmt.Sprintf("n%d.", i) + strings.Repeat("*.", depth-k-1)
			paths = append(paths, p+"x")
		}
	}
	if _, err := FromPaths(paths); !errors.Is(err, ErrPath) {
		t.Errorf("FromPaths error = %v, want ErrPath (too large)", err)
	}
}

// dump renders a Tree for failure messages.
func dump(t *Tree) string {
	if t == nil {
		return "nil"
	}
	s := "{"
	if t.Open {
		s += "open "
	}
	for _, k := range sortedKeys(t.Props) {
		s += fmt.Sprintf("%q:%s ", k, dump(t.Props[k]))
	}
	if t.Members != nil {
		s += "members:" + dump(t.Members) + " "
	}
	if t.Items != nil {
		s += "items:" + dump(t.Items)
	}
	return s + "}"
}
