package jsonfields

import (
	"errors"
	"slices"
	"testing"
)

func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		paths []string
		fold  bool
		want  []string
		err   error
	}{
		{name: "top level", doc: `{"name":"a","role":"admin"}`, paths: []string{"role"}, want: []string{"role"}},
		{name: "absent", doc: `{"name":"a"}`, paths: []string{"role"}, want: nil},
		{name: "nested", doc: `{"profile":{"is_admin":true}}`, paths: []string{"profile.is_admin"}, want: []string{"profile.is_admin"}},
		{name: "nested wrong parent", doc: `{"other":{"is_admin":true},"is_admin":1}`, paths: []string{"profile.is_admin"}, want: nil},
		{name: "array wildcard", doc: `{"items":[{"id":1},{"id":2,"price":3}]}`, paths: []string{"items.*.price"}, want: []string{"items.*.price"}},
		{name: "object wildcard", doc: `{"a":{"owner_id":1}}`, paths: []string{"*.owner_id"}, want: []string{"*.owner_id"}},
		{name: "top-level array", doc: `[{"role":"x"}]`, paths: []string{"*.role"}, want: []string{"*.role"}},
		{name: "name does not enter arrays", doc: `{"items":[{"price":1}]}`, paths: []string{"items.price"}, want: nil},
		{name: "numeric segment is not an index", doc: `{"items":[{"price":1}]}`, paths: []string{"/items/0/price"}, want: nil},
		{name: "numeric member", doc: `{"items":{"0":{"price":1}}}`, paths: []string{"/items/0/price"}, want: []string{"/items/0/price"}},
		{name: "duplicate key", doc: `{"role":"user","name":"x","role":"admin"}`, paths: []string{"role"}, want: []string{"role"}},
		{name: "escaped key", doc: `{"ro\u006ce":"admin"}`, paths: []string{"role"}, want: []string{"role"}},
		{name: "escaped key nested", doc: `{"\u0070rofile":{"is\u005fadmin":true}}`, paths: []string{"profile.is_admin"}, want: []string{"profile.is_admin"}},
		{name: "unicode key", doc: `{"prénom":{"名前":1}}`, paths: []string{"prénom.名前"}, want: []string{"prénom.名前"}},
		{name: "unicode escaped key", doc: `{"pr\u00e9nom":1}`, paths: []string{"prénom"}, want: []string{"prénom"}},
		{name: "case differs", doc: `{"Role":"admin"}`, paths: []string{"role"}, want: nil},
		{name: "case differs folded", doc: `{"ROLE":"admin"}`, paths: []string{"role"}, fold: true, want: []string{"role"}},
		{name: "several in path order", doc: `{"b":1,"a":2}`, paths: []string{"a", "c", "b"}, want: []string{"a", "b"}},
		{name: "pointer", doc: `{"a/b":{"c~d":0}}`, paths: []string{"/a~1b/c~0d"}, want: []string{"/a~1b/c~0d"}},
		{name: "key in string value is not a key", doc: `{"x":"{\"role\":1}"}`, paths: []string{"role"}, want: nil},
		{name: "root", doc: `1`, paths: []string{""}, want: []string{""}},
		{name: "whitespace", doc: " \n{ \"a\" : { \"b\" : [ 1 , 2 ] } } \t", paths: []string{"a.b"}, want: []string{"a.b"}},
		{name: "deep elsewhere", doc: `{"x":` + deep(5000) + `,"role":1}`, paths: []string{"role"}, want: []string{"role"}},
		{name: "invalid", doc: `{"role":}`, paths: []string{"role"}, err: ErrInvalidJSON},
		{name: "trailing garbage", doc: `{"role":1} x`, paths: []string{"role"}, err: ErrInvalidJSON},
		{name: "two values", doc: `{} {}`, paths: []string{"role"}, err: ErrInvalidJSON},
		{name: "empty", doc: ``, paths: []string{"role"}, err: ErrInvalidJSON},
		{name: "invalid utf-8", doc: "{\"r\xffle\":1}", paths: []string{"role"}, err: ErrInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := paths(t, tt.paths...)
			if tt.fold {
				for i := range ps {
					ps[i] = ps[i].Fold()
				}
			}
			got, err := Find([]byte(tt.doc), ps)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Find error = %v, want %v", err, tt.err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Find = %q, want %q", got, tt.want)
			}
		})
	}
}

// deep returns an array nested n deep.
func deep(n int) string {
	b := make([]byte, 0, 2*n)
	for range n {
		b = append(b, '[')
	}
	for range n {
		b = append(b, ']')
	}
	return string(b)
}
