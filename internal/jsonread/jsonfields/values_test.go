package jsonfields

import (
	"errors"
	"slices"
	"testing"
)

func TestValues(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		path string
		want []string
		err  error
	}{
		{name: "number", doc: `{"id":42}`, path: "id", want: []string{"42"}},
		{name: "string", doc: `{"id":"ord_1"}`, path: "id", want: []string{"ord_1"}},
		{name: "escaped string", doc: `{"id":"a\u0062c\"d"}`, path: "id", want: []string{`abc"d`}},
		{name: "pointer array expanded", doc: `{"ids":[1,2]}`, path: "/ids", want: []string{"1", "2"}},
		{name: "mixed array", doc: `{"ids":["a", 7 ,"b"]}`, path: "ids", want: []string{"a", "7", "b"}},
		{name: "empty array", doc: `{"ids":[]}`, path: "ids", want: nil},
		{name: "huge number exact", doc: `{"id":123456789012345678901234567890}`, path: "id", want: []string{"123456789012345678901234567890"}},
		{name: "number literal text", doc: `{"id":-1.50e3}`, path: "id", want: []string{"-1.50e3"}},
		{name: "nested", doc: `{"order":{"customer":{"id":"c1"}}}`, path: "order.customer.id", want: []string{"c1"}},
		{name: "wildcard", doc: `{"items":[{"id":1},{"id":"2"},{"x":3}]}`, path: "items.*.id", want: []string{"1", "2"}},
		{name: "duplicates all read", doc: `{"id":1,"id":2}`, path: "id", want: []string{"1", "2"}},
		{name: "escaped key", doc: `{"\u0069d":5}`, path: "id", want: []string{"5"}},
		{name: "unicode", doc: `{"clé":"värde"}`, path: "clé", want: []string{"värde"}},
		{name: "root scalar", doc: `7`, path: "", want: []string{"7"}},
		{name: "root array", doc: `[1,"2"]`, path: "", want: []string{"1", "2"}},
		{name: "missing", doc: `{"x":1}`, path: "id", err: ErrNotFound},
		{name: "object", doc: `{"id":{"a":1}}`, path: "id", err: ErrNotScalar},
		{name: "bool", doc: `{"id":true}`, path: "id", err: ErrNotScalar},
		{name: "null", doc: `{"id":null}`, path: "id", err: ErrNotScalar},
		{name: "nested array", doc: `{"ids":[[1]]}`, path: "ids", err: ErrNotScalar},
		{name: "object in array", doc: `{"ids":[1,{}]}`, path: "ids", err: ErrNotScalar},
		{name: "duplicate hides object", doc: `{"id":1,"id":{}}`, path: "id", err: ErrNotScalar},
		{name: "invalid", doc: `{"id":01}`, path: "id", err: ErrInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Values([]byte(tt.doc), paths(t, tt.path)[0])
			if !errors.Is(err, tt.err) {
				t.Fatalf("Values error = %v, want %v", err, tt.err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Values = %q, want %q", got, tt.want)
			}
		})
	}
}
