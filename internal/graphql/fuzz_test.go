package graphql

import (
	"encoding/json"
	"testing"
)

// FuzzCheck sends arbitrary bodies and documents through a guard in "null"
// mode (so the rewriter runs too): it must never panic, and whatever it
// admits and rewrites must still validate.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ me { id email } }"}`,
		`[{"query":"{ me { id } }"},{"query":"query Q($id: ID!) { user(id: $id) { email } }","variables":{"id":"7"}}]`,
		`{"query":"{ me { ...U } } fragment U on User { mail: email friends(first: 2) { email } }"}`,
		`{"query":"{ me { name # é\n email } }"}`,
		`{"query":"query { users(first: 3) { orders(last: 2) { items(limit: 1) { product { name } } } } }"}`,
		`{"query":"{ __schema { types { name } } }"}`,
		`{"query":"{ me @include(if: true) { id } }"}`,
		`{"query":"\"\"\"block\"\"\" query { me { id } }"}`,
	} {
		f.Add([]byte(s))
	}
	g := newGuard(f, func(o *Options) { o.OnDeniedField = "null" })
	check := newGuard(f, nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		d, ref := g.Check(&Request{Method: "POST", ContentType: "application/json", Body: body}, Caller{Roles: []string{"customer"}})
		if ref != nil || d.Body == nil {
			return
		}
		if _, ref := check.Check(&Request{Method: "POST", ContentType: "application/json", Body: d.Body}, Caller{Roles: []string{"support"}}); ref != nil {
			t.Fatalf("rewritten request %s does not pass: %v", d.Body, ref)
		}
	})
}

// FuzzQuery is FuzzCheck with the document itself mutated.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"{ me { id email } }",
		"query Q($id: ID!) { user(id: $id) { email } }",
		"{ me { ...U } } fragment U on User { mail: email friends(first: 2) { email } }",
		"{ me { name # é\n email } }",
		"{ me { ...A } } fragment A on User { ...B } fragment B on User { id }",
		"{ users(first: 3) { orders(last: 2) { items(limit: 1) { product { name } } } } }",
	} {
		f.Add(s)
	}
	g := newGuard(f, func(o *Options) { o.OnDeniedField = "null" })
	check := newGuard(f, nil)
	f.Fuzz(func(t *testing.T, q string) {
		d, ref := g.Check(postQuery(q), Caller{Roles: []string{"customer"}})
		if ref != nil || d.Body == nil {
			return
		}
		if _, ref := check.Check(&Request{Method: "POST", ContentType: "application/json", Body: d.Body}, Caller{Roles: []string{"support"}}); ref != nil {
			t.Fatalf("rewritten request %s does not pass: %v", d.Body, ref)
		}
	})
}

// FuzzNullAnswer sends arbitrary upstream answers through "null" mode's
// answer rewrite: it must never panic, and whatever it writes is JSON.
func FuzzNullAnswer(f *testing.F) {
	for _, s := range []string{
		`{"data":{"users":[{"id":"1"},{"id":"2","friends":[{}]}]}}`,
		`{"data":{"users":[{"id":"1","email":"a@b"}],"me":null},"errors":[{"message":"x"}]}`,
		`{"data":null}`, `{"data":{"users":{}}}`, `[{"data":{}}]`, `{"data":{"users":[null,1,"x",[]]}}`,
	} {
		f.Add([]byte(s))
	}
	g := newGuard(f, func(o *Options) {
		o.OnDeniedField = "null"
		o.Fields = map[string]FieldRule{"User.name": {Roles: []string{"admin"}}}
	})
	d, ref := g.Check(postQuery("{ users(first: 2) { id email name friends(first: 1) { email } } me { name } }"), Caller{})
	if ref != nil || d.Nulls == nil {
		f.Fatal(ref)
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		out, _, err := SanitizeResponse(answer, d.Nulls)
		if err == nil && !json.Valid(out) {
			t.Fatalf("answer %q became invalid JSON %q", answer, out)
		}
	})
}
