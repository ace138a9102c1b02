package jsonfields

import (
	"errors"
	"testing"
)

func TestFilterArray(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		path    string
		owner   string
		want    []string
		out     string
		removed int
		err     error
	}{
		{name: "root array", doc: `[{"owner_id":1,"n":"a"},{"owner_id":2},{"owner_id":"1"}]`, path: "", owner: "owner_id", want: []string{"1"}, out: `[{"owner_id":1,"n":"a"},{"owner_id":"1"}]`, removed: 1},
		{name: "nothing removed keeps bytes", doc: ` [ {"owner_id": "u1"} ] `, path: "", owner: "owner_id", want: []string{"u1"}, out: ` [ {"owner_id": "u1"} ] `},
		{name: "pointer path", doc: `{"orders":[{"o":"a"},{"o":"b"}],"total":2}`, path: "/orders", owner: "o", want: []string{"b"}, out: `{"orders":[{"o":"b"}],"total":2}`, removed: 1},
		{name: "nested owner field", doc: `{"d":[{"meta":{"owner":7}},{"meta":{"owner":8}}]}`, path: "/d", owner: "meta.owner", want: []string{"8"}, out: `{"d":[{"meta":{"owner":8}}]}`, removed: 1},
		{name: "several wanted", doc: `[{"o":1},{"o":2},{"o":3}]`, path: "", owner: "o", want: []string{"3", "1"}, out: `[{"o":1},{"o":3}]`, removed: 1},
		{name: "missing field removed", doc: `[{"o":1},{"x":1}]`, path: "", owner: "o", want: []string{"1"}, out: `[{"o":1}]`, removed: 1},
		{name: "non-objects removed", doc: `[1,"1",null,[{"o":1}],{"o":1}]`, path: "", owner: "o", want: []string{"1"}, out: `[{"o":1}]`, removed: 4},
		{name: "non-scalar owner removed", doc: `[{"o":{"id":1}},{"o":[1]},{"o":true},{"o":null}]`, path: "", owner: "o", want: []string{"1", "true"}, out: `[]`, removed: 4},
		{name: "duplicate owner must agree", doc: `[{"o":1,"o":2},{"o":1,"o":1}]`, path: "", owner: "o", want: []string{"1"}, out: `[{"o":1,"o":1}]`, removed: 1},
		{name: "escaped owner key and value", doc: `[{"\u006f":"\u0031"},{"o":"2"}]`, path: "", owner: "o", want: []string{"1"}, out: `[{"\u006f":"\u0031"}]`, removed: 1},
		{name: "number literal text", doc: `[{"o":1.0},{"o":1}]`, path: "", owner: "o", want: []string{"1"}, out: `[{"o":1}]`, removed: 1},
		{name: "huge id exact", doc: `[{"o":123456789012345678901},{"o":123456789012345678902}]`, path: "", owner: "o", want: []string{"123456789012345678901"}, out: `[{"o":123456789012345678901}]`, removed: 1},
		{name: "duplicate arrays both filtered", doc: `{"a":[{"o":1},{"o":2}],"a":[{"o":2}]}`, path: "a", owner: "o", want: []string{"1"}, out: `{"a":[{"o":1}],"a":[]}`, removed: 2},
		{name: "empty array", doc: `{"a":[]}`, path: "/a", owner: "o", want: []string{"1"}, out: `{"a":[]}`},
		{name: "no wanted ids removes all", doc: `[{"o":1}]`, path: "", owner: "o", out: `[]`, removed: 1},
		{name: "missing array", doc: `{"b":[]}`, path: "/a", owner: "o", err: ErrNotFound},
		{name: "non-array", doc: `{"a":{"o":1}}`, path: "/a", owner: "o", err: ErrNotArray},
		{name: "root owner refused", doc: `[]`, path: "", owner: "", err: ErrPath},
		{name: "invalid", doc: `[{"o":1}`, path: "", owner: "o", err: ErrInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := paths(t, tt.path, tt.owner)
			out, removed, err := FilterArray([]byte(tt.doc), ps[0], ps[1], tt.want)
			if !errors.Is(err, tt.err) {
				t.Fatalf("FilterArray error = %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				return
			}
			if string(out) != tt.out || removed != tt.removed {
				t.Errorf("FilterArray = %s, %d; want %s, %d", out, removed, tt.out, tt.removed)
			}
		})
	}
}
