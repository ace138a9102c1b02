package graphql

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

func TestArgValues(t *testing.T) {
	g := newGuard(t, nil)
	pets, err := New(Options{Schema: petSchema + `
extend type Query { owned(ids: [ID!]): [Dog!]!  tagged(tag: String, n: Int, f: Float, on: Boolean): Dog }
extend type Dog { chase(target: ID): Pet }`, SchemaName: "pets.graphql"})
	if err != nil {
		t.Fatal(err)
	}
	body := func(q string, vars map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
		return b
	}
	tests := []struct {
		name        string
		g           *Guard
		body        []byte
		field, arg  string
		want        []string
		wantErr     error
		notAdmitted bool
	}{
		{name: "inline literal", g: g, body: body(`{ order(id: "7") { id } }`, nil), field: "Query.order", arg: "id", want: []string{"7"}},
		{name: "integer literal", g: g, body: body(`{ order(id: 7) { id } }`, nil), field: "Query.order", arg: "id", want: []string{"7"}},
		{name: "escaped string literal", g: g, body: body(`{ order(id: "\u0037") { id } }`, nil), field: "Query.order", arg: "id", want: []string{"7"}},
		{name: "variable", g: g, body: body(`query($o: ID!) { order(id: $o) { id } }`, map[string]any{"o": "9"}), field: "Query.order", arg: "id", want: []string{"9"}},
		{name: "numeric variable", g: g, body: body(`query($o: ID!) { order(id: $o) { id } }`, map[string]any{"o": 9}), field: "Query.order", arg: "id", want: []string{"9"}},
		{name: "variable default", g: g, body: body(`query($o: ID = "5") { order(id: $o) { id } }`, nil), field: "Query.order", arg: "id", want: []string{"5"}},
		{name: "every alias", g: g, body: body(`{ a: order(id: "1") { id } b: order(id: "2") { id } order(id: "1") { total } }`, nil),
			field: "Query.order", arg: "id", want: []string{"1", "2"}},
		{name: "fragments and inline fragments", g: g, body: body(`query($v: ID!) { ...Q ... on Query { x: order(id: "3") { id } } }
			fragment Q on Query { order(id: $v) { id } ...R } fragment R on Query { y: order(id: "4") { id } }`, map[string]any{"v": "2"}),
			field: "Query.order", arg: "id", want: []string{"2", "4", "3"}},
		{name: "nested under another field", g: g, body: body(`{ me { id } user(id: "u1") { orders(first: 1) { id } } }`, nil),
			field: "Query.user", arg: "id", want: []string{"u1"}},
		{name: "batch: every operation, its own variables", g: g,
			body:  []byte(`[{"query":"query($o: ID!) { order(id: $o) { id } }","variables":{"o":"1"}},{"query":"{ order(id: \"8\") { id } }"},{"query":"{ me { id } }"}]`),
			field: "Query.order", arg: "id", want: []string{"1", "8"}},
		{name: "only the operation that runs", g: g,
			body:  []byte(`{"query":"query A { order(id: \"1\") { id } } query B { order(id: \"2\") { id } }","operationName":"B"}`),
			field: "Query.order", arg: "id", want: []string{"2"}},
		{name: "field not selected", g: g, body: body(`{ me { id } }`, nil), field: "Query.order", arg: "id"},
		{name: "list argument", g: pets, body: body(`query($b: ID!) { owned(ids: ["a", $b, 3]) { id } }`, map[string]any{"b": "b"}),
			field: "Query.owned", arg: "ids", want: []string{"a", "b", "3"}},
		{name: "list variable", g: pets, body: body(`query($ids: [ID!]) { owned(ids: $ids) { id } }`, map[string]any{"ids": []any{"x", "y"}}),
			field: "Query.owned", arg: "ids", want: []string{"x", "y"}},
		{name: "empty list fails closed", g: pets, body: body(`{ owned(ids: []) { id } }`, nil), field: "Query.owned", arg: "ids", wantErr: ErrArgNotID},
		{name: "empty list variable fails closed", g: pets, body: body(`query($ids: [ID!]) { owned(ids: $ids) { id } }`, map[string]any{"ids": []any{}}),
			field: "Query.owned", arg: "ids", wantErr: ErrArgNotID},
		{name: "missing argument fails closed", g: pets, body: body(`{ owned { id } }`, nil), field: "Query.owned", arg: "ids", wantErr: ErrArgMissing},
		{name: "null literal fails closed", g: pets, body: body(`{ owned(ids: null) { id } }`, nil), field: "Query.owned", arg: "ids", wantErr: ErrArgMissing},
		{name: "null variable fails closed", g: pets, body: body(`query($ids: [ID!]) { owned(ids: $ids) { id } }`, map[string]any{"ids": nil}),
			field: "Query.owned", arg: "ids", wantErr: ErrArgMissing},
		{name: "absent variable fails closed", g: pets, body: body(`query($t: ID) { me { chase(target: $t) { id } } }`, nil),
			field: "Dog.chase", arg: "target", wantErr: ErrArgMissing},
		{name: "float is no id", g: pets, body: body(`{ tagged(f: 1.5) { id } }`, nil), field: "Query.tagged", arg: "f", wantErr: ErrArgNotID},
		{name: "boolean is no id", g: pets, body: body(`{ tagged(on: true) { id } }`, nil), field: "Query.tagged", arg: "on", wantErr: ErrArgNotID},
		{name: "variable of the wrong type is refused by the guard", g: g,
			body: body(`query($o: ID!) { order(id: $o) { id } }`, map[string]any{"o": map[string]any{"x": 1}}), notAdmitted: true},
		{name: "variable declared with another type is refused by the guard", g: g,
			body: body(`query($o: Int!) { order(id: $o) { id } }`, map[string]any{"o": 1}), notAdmitted: true},
		{name: "field through an interface a rule's type implements", g: pets,
			body:  body(`{ pet(id: "p") { ... on Dog { chase(target: "c1") { id } } } search { ... on Dog { chase(target: "c2") { id } } } }`, nil),
			field: "Dog.chase", arg: "target", want: []string{"c1", "c2"}},
		{name: "rule on an interface field", g: pets, body: body(`{ pets { name } me { name } }`, nil), field: "Pet.name", arg: "x", wantErr: ErrArgMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec, ref := tt.g.Check(post(string(tt.body)), Caller{})
			if tt.notAdmitted {
				if ref == nil {
					t.Fatal("admitted")
				}
				return
			}
			if ref != nil {
				t.Fatalf("refused: %v", ref)
			}
			got, err := dec.args(tt.g).ArgValues(tt.field, tt.arg)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("values %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckArgument(t *testing.T) {
	g := newGuard(t, nil)
	for _, c := range []struct {
		field, arg string
		ok         bool
	}{{"Query.order", "id", true}, {"User.orders", "first", true}, {"Query.order", "ids", false}, {"Query.orders", "id", false}, {"order", "id", false}} {
		if err := g.CheckArgument(c.field, c.arg); (err == nil) != c.ok {
			t.Errorf("%s(%s): %v", c.field, c.arg, err)
		}
	}
}

// A persisted operation sent by hash alone is read like one sent as text.
func TestArgValuesPersisted(t *testing.T) {
	q := "query($o: ID!) { order(id: $o) { id } x: order(id: 5) { id } }"
	g := newGuard(t, func(o *Options) {
		o.Persisted = Persisted{Mode: PersistedAllow, Operations: map[string]string{hashOf(q): q}}
	})
	dec, ref := g.Check(post(`{"variables":{"o":"4"},"extensions":{"persistedQuery":{"version":1,"sha256Hash":"`+hashOf(q)+`"}}}`), Caller{})
	if ref != nil {
		t.Fatal(ref)
	}
	got, err := dec.args(g).ArgValues("Query.order", "id")
	if err != nil || !slices.Equal(got, []string{"4", "5"}) {
		t.Fatalf("%q %v", got, err)
	}
}
