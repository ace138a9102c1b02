package graphql

import (
	"encoding/json"
	"net/url"
	"testing"
)

func TestInspection(t *testing.T) {
	g := newGuard(t, nil)
	tests := []struct {
		name string
		req  *Request
		want string
	}{
		{"inline string, variable left out",
			post(`{"query":"query($n: Int) { search(text: \"x' OR 1=1 --\", limit: $n) { id } }","variables":{"n":5}}`),
			`{"variables":{"n":5},"arguments":{"search.text":"x' OR 1=1 --"},"defaults":{}}`},
		{"aliases, nesting, input object, enum-free ints",
			post(`{"query":"mutation { o: placeOrder(input: {productId: \"p\\\"1\", quantity: 2}) { items(limit: 3) { quantity } } }"}`),
			`{"variables":null,"arguments":{"o.input":{"productId":"p\"1","quantity":2},"o.items.limit":3},"defaults":{}}`},
		{"fragments, directives and defaults",
			post(`{"query":"query Q($id: ID! = \"7\", $x: Boolean!) { user(id: $id) { ...F @include(if: $x) } } fragment F on User { orders(first: 2) @skip(if: true) { id } }","variables":{"x":true}}`),
			`{"variables":{"x":true},"arguments":{"fragment F.orders.first":2,"fragment F.orders.@skip.if":true},"defaults":{"id":"7"}}`},
		{"block string",
			postQuery(`{ search(text: """a
b""") { id } }`),
			`{"variables":null,"arguments":{"search.text":"a\nb"},"defaults":{}}`},
		{"GET variables",
			get(url.Values{"query": {`query($t: String!) { search(text: $t) { id } }`}, "variables": {`{"t":"; cat /etc/passwd"}`}}),
			`{"variables":{"t":"; cat /etc/passwd"},"arguments":{},"defaults":{}}`},
		{"batch",
			post(`[{"query":"{ me { id } }"},{"query":"{ user(id: \"../../etc\") { id } }"}]`),
			`[{"variables":null,"arguments":{},"defaults":{}},{"variables":null,"arguments":{"user.id":"../../etc"},"defaults":{}}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec, ref := g.Check(tc.req, Caller{})
			if ref != nil {
				t.Fatal(ref)
			}
			got := dec.Inspection()
			if !json.Valid(got) || string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	if (&Decision{}).Inspection() != nil {
		t.Fatal("a refused request has something to inspect")
	}
}

// appendJSONString writes what encoding/json would decode to the same string.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\s", "line\nfeed\r\t\x00\x1f", "é ✓ 😀", "bad \xff\xfe utf8 \xe2\x82", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		want, _ := json.Marshal(s)
		var a, b string
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		if err := json.Unmarshal(want, &b); err != nil || a != b {
			t.Fatalf("%q decodes to %q, encoding/json's to %q", s, a, b)
		}
	})
}
