package jsonfields

import (
	"errors"
	"testing"
)

func TestStrip(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		paths   []string
		want    string
		changed bool
		err     error
	}{
		{name: "nothing to strip keeps bytes", doc: `{ "a" : 1.50 }`, paths: []string{"role"}, want: `{ "a" : 1.50 }`},
		{name: "top level", doc: `{"name":"a","role":"admin","x":1}`, paths: []string{"role"}, want: `{"name":"a","x":1}`, changed: true},
		{name: "first member", doc: `{"role":"admin","x":1}`, paths: []string{"role"}, want: `{"x":1}`, changed: true},
		{name: "last member", doc: `{"x":1,"role":"admin"}`, paths: []string{"role"}, want: `{"x":1}`, changed: true},
		{name: "only member", doc: `{"role":"admin"}`, paths: []string{"role"}, want: `{}`, changed: true},
		{name: "duplicates all removed", doc: `{"role":"u","n":1,"role":"admin"}`, paths: []string{"role"}, want: `{"n":1}`, changed: true},
		{name: "escaped key removed", doc: `{"ro\u006ce":"admin","n":1}`, paths: []string{"role"}, want: `{"n":1}`, changed: true},
		{name: "nested", doc: `{"profile":{"name":"a","is_admin":true},"is_admin":true}`, paths: []string{"profile.is_admin"}, want: `{"profile":{"name":"a"},"is_admin":true}`, changed: true},
		{name: "array wildcard", doc: `{"items":[{"id":1,"price":2},{"id":2},{"price":3}]}`, paths: []string{"items.*.price"}, want: `{"items":[{"id":1},{"id":2},{}]}`, changed: true},
		{name: "trailing wildcard empties array", doc: `{"items":[1,2,3],"n":1}`, paths: []string{"items.*"}, want: `{"items":[],"n":1}`, changed: true},
		{name: "trailing wildcard empties object", doc: `{"o":{"a":1,"b":2}}`, paths: []string{"o.*"}, want: `{"o":{}}`, changed: true},
		{name: "leading wildcard", doc: `{"a":{"owner_id":1,"x":2},"b":{"owner_id":3},"c":4}`, paths: []string{"*.owner_id"}, want: `{"a":{"x":2},"b":{},"c":4}`, changed: true},
		{name: "several paths", doc: `{"role":1,"p":{"is_admin":1,"k":2},"z":3}`, paths: []string{"role", "p.is_admin"}, want: `{"p":{"k":2},"z":3}`, changed: true},
		{name: "overlapping paths", doc: `{"p":{"q":1},"r":2}`, paths: []string{"p.q", "p"}, want: `{"r":2}`, changed: true},
		{name: "huge numbers kept exact", doc: `{"role":1,"big":123456789012345678901234567890,"f":1.000000000000000000001,"e":-1E+400}`, paths: []string{"role"}, want: `{"big":123456789012345678901234567890,"f":1.000000000000000000001,"e":-1E+400}`, changed: true},
		{name: "untouched content keeps formatting", doc: `{"role":1, "keep": [ 1, {"a" : "\u00e9"} ]}`, paths: []string{"role"}, want: `{"keep":[ 1, {"a" : "\u00e9"} ]}`, changed: true},
		{name: "unicode key", doc: `{"名前":1,"x":2}`, paths: []string{"名前"}, want: `{"x":2}`, changed: true},
		{name: "pointer", doc: `{"a/b":1,"c":2}`, paths: []string{"/a~1b"}, want: `{"c":2}`, changed: true},
		{name: "scalar document", doc: `"role"`, paths: []string{"role"}, want: `"role"`},
		{name: "root path refused", doc: `{}`, paths: []string{""}, err: ErrPath},
		{name: "invalid", doc: `{"role":1,}`, paths: []string{"role"}, err: ErrInvalidJSON},
		{name: "invalid utf-8", doc: "{\"role\":\"\xc3\"}", paths: []string{"role"}, err: ErrInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := Strip([]byte(tt.doc), paths(t, tt.paths...))
			if !errors.Is(err, tt.err) {
				t.Fatalf("Strip error = %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				return
			}
			if string(got) != tt.want || changed != tt.changed {
				t.Errorf("Strip = %s, %v; want %s, %v", got, changed, tt.want, tt.changed)
			}
		})
	}
}

func TestStripFold(t *testing.T) {
	p := paths(t, "role")[0].Fold()
	got, changed, err := Strip([]byte(`{"Role":1,"ROLE":2,"rolE":3,"roles":4}`), []Path{p})
	if err != nil || !changed || string(got) != `{"roles":4}` {
		t.Fatalf("Strip = %s, %v, %v", got, changed, err)
	}
}
