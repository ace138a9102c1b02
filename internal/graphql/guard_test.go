package graphql

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

func shopSchema(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/shop.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newGuard(t testing.TB, mod func(*Options)) *Guard {
	t.Helper()
	o := Options{Schema: shopSchema(t), SchemaName: "shop.graphql", IntrospectionRoles: []string{"admin"}}
	if mod != nil {
		mod(&o)
	}
	g, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func post(body string) *Request {
	return &Request{Method: http.MethodPost, ContentType: "application/json", Body: []byte(body)}
}

func postQuery(q string) *Request {
	b, _ := json.Marshal(map[string]any{"query": q})
	return post(string(b))
}

func get(params url.Values) *Request {
	return &Request{Method: http.MethodGet, RawQuery: params.Encode()}
}

func nested(n int) string {
	return strings.Repeat("{ friends ", n) + "{ id }" + strings.Repeat(" }", n)
}

func aliases(n int) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		b.WriteString("a")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(strings.Repeat("0", i/26%3))
		b.WriteString(": me { id } ")
	}
	b.WriteString("}")
	return b.String()
}

func batch(n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat(`{"query":"{ me { id } }"},`, n), ",") + "]"
}

func TestCheck(t *testing.T) {
	g := newGuard(t, nil)
	user := Caller{Roles: []string{"customer"}}
	cases := []struct {
		name   string
		req    *Request
		who    Caller
		code   string // "" admitted
		status int
	}{
		{"simple query", postQuery("{ me { id name } }"), user, "", 0},
		{"named operation", post(`{"query":"query A { me { id } } query B { me { name } }","operationName":"B"}`), user, "", 0},
		{"variables", post(`{"query":"query($id: ID!) { user(id: $id) { name } }","variables":{"id":"7"}}`), user, "", 0},
		{"GET query", get(url.Values{"query": {"{ me { id } }"}}), user, "", 0},
		{"application/graphql", &Request{Method: "POST", ContentType: "application/graphql", Body: []byte("{ me { id } }")}, user, "", 0},
		{"batch", post(batch(3)), user, "", 0},
		{"fragments", postQuery("query { me { ...U } } fragment U on User { id orders(first: 2) { id } }"), user, "", 0},

		{"malformed JSON", post(`{"query": "{ me { id } }"`), user, "graphql_request_malformed", 400},
		{"lone bracket", post(`[`), user, "graphql_request_malformed", 400},
		{"lone brace", post(`{`), user, "graphql_request_malformed", 400},
		{"lone quote", post(`"`), user, "graphql_request_malformed", 400},
		{"truncated batch", post(`[{"query":"{ me { id } }"`), user, "graphql_request_malformed", 400},
		{"truncated string", post(`{"query":"{ me { id } }`), user, "graphql_request_malformed", 400},
		{"trailing data", post(`{"query":"{ me { id } }"} {"query":"{ me { email } }"}`), user, "graphql_request_malformed", 400},
		{"non-string query", post(`{"query": {"a": 1}}`), user, "graphql_request_malformed", 400},
		{"number query", post(`{"query": 12}`), user, "graphql_request_malformed", 400},
		{"duplicate query member", post(`{"query":"{ me { id } }","query":"{ me { email } }"}`), user, "graphql_request_malformed", 400},
		{"escaped duplicate member", post(`{"query":"{ me { id } }","qu\u0065ry":"{ me { email } }"}`), user, "graphql_request_malformed", 400},
		{"duplicate in batch member", post(`[{"query":"{ me { id } }"},{"query":"{ me { id } }","query":"{ me { email } }"}]`), user, "graphql_request_malformed", 400},
		{"batch of scalars", post(`[1, 2]`), user, "graphql_request_malformed", 400},
		{"empty batch", post(`[]`), user, "graphql_request_malformed", 400},
		{"variables with trailing data", get(url.Values{"query": {"{ me { id } }"}, "variables": {`{"a":1} x`}}), user, "graphql_request_malformed", 400},
		{"case-variant member", post(`{"query":"{ me { id } }","Query":"{ me { email } }"}`), user, "graphql_request_malformed", 400},
		{"no query", post(`{"operationName":"x"}`), user, "graphql_request_malformed", 400},
		{"variables not an object", post(`{"query":"{ me { id } }","variables":[1]}`), user, "graphql_request_malformed", 400},
		{"repeated GET param", &Request{Method: "GET", RawQuery: "query=%7Bme%7Bid%7D%7D&query=%7Bme%7Bemail%7D%7D"}, user, "graphql_request_malformed", 400},
		{"PUT", &Request{Method: "PUT"}, user, "graphql_method_not_allowed", 405},
		{"GET with a body", &Request{Method: "GET", RawQuery: "query=%7Bme%7Bid%7D%7D", HasBody: true}, user, "graphql_request_malformed", 400},
		{"JSON POST with a query in the URL", &Request{Method: "POST", ContentType: "application/json", RawQuery: "query=%7Bme%7Bemail%7D%7D",
			Body: []byte(`{"query":"{ me { id } }"}`)}, user, "graphql_request_malformed", 400},
		{"JSON POST with a case-variant URL parameter", &Request{Method: "POST", ContentType: "application/json", RawQuery: "Query=%7Bme%7Bemail%7D%7D",
			Body: []byte(`{"query":"{ me { id } }"}`)}, user, "graphql_request_malformed", 400},
		{"UTF-16 body", &Request{Method: "POST", ContentType: "application/json; charset=utf-16", Body: []byte(`{"query":"{ me { id } }"}`)}, user, "graphql_unsupported_media_type", 415},
		{"UTF-8 charset", &Request{Method: "POST", ContentType: "application/json; charset=UTF-8", Body: []byte(`{"query":"{ me { id } }"}`)}, user, "", 0},
		{"form body", &Request{Method: "POST", ContentType: "application/x-www-form-urlencoded", Body: []byte("query=x")}, user, "graphql_unsupported_media_type", 415},
		{"mutation over GET", get(url.Values{"query": {`mutation { placeOrder(input: {productId: "1", quantity: 1}) { id } }`}}), user, "graphql_mutation_over_get", 405},
		{"syntax error", postQuery("{ me { id "), user, "graphql_parse_failed", 400},
		{"unknown operation name", post(`{"query":"query A { me { id } }","operationName":"Nope"}`), user, "graphql_operation_not_found", 400},
		{"two operations unnamed", postQuery("query A { me { id } } query B { me { id } }"), user, "graphql_operation_not_found", 400},
		{"unknown field", postQuery("{ me { passwordHash } }"), user, "graphql_validation_failed", 400},
		{"unknown directive", postQuery("{ me @bogus { id } }"), user, "graphql_validation_failed", 400},
		{"wrong variable type", post(`{"query":"query($n: Int) { users(first: $n) { id } }","variables":{"n":"ten"}}`), user, "graphql_variables_invalid", 400},
		{"missing required variable", post(`{"query":"query($id: ID!) { user(id: $id) { id } }"}`), user, "graphql_variables_invalid", 400},
		{"11-deep selection", postQuery(nested(10)), user, "graphql_too_deep", 400},
		{"deep through fragments", postQuery("{ ...A } fragment A on Query { me { ...B } } fragment B on User { friends { friends { friends { friends { friends { friends { friends { friends { friends { friends { id } } } } } } } } } } }"), user, "graphql_too_deep", 400},
		{"100 KB of aliases", postQuery(aliases(5000)), user, "graphql_request_too_large", 413},
		{"16 aliases", postQuery(aliases(16)), user, "graphql_too_many_aliases", 400},
		{"batch of 11", post(batch(11)), user, "graphql_batch_too_large", 400},
		{"circular fragments", postQuery("{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }"), user, "graphql_fragment_cycle", 400},
		{"fragment spreads itself", postQuery("{ me { ...A } } fragment A on User { id ...A }"), user, "graphql_fragment_cycle", 400},
		{"directive flood", postQuery("{ me " + strings.Repeat("@include(if: true) ", 51) + "{ id } }"), user, "graphql_too_many_directives", 400},
		{"token flood", postQuery("{ me { " + strings.Repeat("id ", 1000) + "} }"), user, "graphql_too_many_tokens", 400},
		{"too many root fields", postQuery("{ " + strings.Repeat("me { id } ", 21) + "}"), user, "graphql_too_many_root_fields", 400},
		{"too many fragments", postQuery(manyFragments(51)), user, "graphql_too_many_fragments", 400},
		{"introspection", postQuery("{ __schema { types { name } } }"), user, "graphql_introspection_disabled", 403},
		{"introspection by type", postQuery(`{ __type(name: "User") { fields { name } } }`), user, "graphql_introspection_disabled", 403},
		{"introspection for admin", postQuery("{ __schema { queryType { name } } }"), Caller{Roles: []string{"admin"}}, "", 0},
		{"typename is not introspection", postQuery("{ me { __typename id } }"), user, "", 0},
		{"denied field", postQuery("{ me { email } }"), user, "graphql_field_forbidden", 403},
		{"denied field in fragment", postQuery("{ me { ...U } } fragment U on User { email }"), user, "graphql_field_forbidden", 403},
		{"allowed field for role", postQuery("{ me { email } }"), Caller{Roles: []string{"support"}}, "", 0},
		{"cost over limit", postQuery("{ users(first: 1000) { friends(first: 1000) { id } } }"), user, "graphql_cost_exceeded", 400},
		{"cost over limit by variable", post(`{"query":"query($n: Int) { users(first: $n) { orders(first: $n) { id } } }","variables":{"n":500}}`), user, "graphql_cost_exceeded", 400},
		{"fragment bomb", postQuery(fragmentBomb(49)), user, "graphql_cost_exceeded", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ref := g.Check(c.req, c.who)
			switch {
			case c.code == "" && ref != nil:
				t.Fatalf("refused: %v", ref)
			case c.code != "" && ref == nil:
				t.Fatalf("admitted, want %s", c.code)
			case c.code != "" && (ref.Code != c.code || ref.Status != c.status):
				t.Fatalf("got %d %v, want %d %s", ref.Status, ref, c.status, c.code)
			}
		})
	}
}

// TestLargeInput sends the large attacks to a guard whose size limit
// lets them through to the later checks: each is refused by its own limit.
func TestLargeInput(t *testing.T) {
	g := newGuard(t, func(o *Options) { o.Limits.MaxBytes = 16 << 20 })
	cases := []struct {
		name string
		req  *Request
		code string
	}{
		{"10,000-deep selection", postQuery(nested(10000)), "graphql_too_deep"},
		{"100,000-deep brackets", postQuery("{ search(text: " + strings.Repeat("[", 100000) + ") { id } }"), "graphql_too_deep"},
		{"100 KB of aliases", postQuery(aliases(5000)), "graphql_too_many_tokens"},
		{"batch of 10,000", post(batch(10000)), "graphql_batch_too_large"},
		{"1 MB of directives", postQuery("{ me " + strings.Repeat("@skip(if: false) ", 60000) + "{ id } }"), "graphql_too_many_directives"},
	}
	for _, c := range cases {
		_, ref := g.Check(c.req, Caller{})
		if ref == nil || ref.Code != c.code {
			t.Errorf("%s: got %v, want %s", c.name, ref, c.code)
		}
	}
	// With the token limit off too, the alias flood still stops at the alias count.
	g = newGuard(t, func(o *Options) { o.Limits.MaxBytes = 16 << 20; o.Limits.MaxTokens = -1 })
	if _, ref := g.Check(postQuery(aliases(5000)), Caller{}); ref == nil || ref.Code != "graphql_too_many_aliases" {
		t.Errorf("alias flood without token limit: %v", ref)
	}
}

func manyFragments(n int) string {
	var b strings.Builder
	b.WriteString("{ me { id } }")
	for i := range n {
		b.WriteString(" fragment F")
		b.WriteString(strings.Repeat("x", i))
		b.WriteString(" on User { id }")
	}
	return b.String()
}

// fragmentBomb spreads each fragment twice into the next: 2^n fields after
// expansion from a document of n fragments.
func fragmentBomb(n int) string {
	var b strings.Builder
	b.WriteString("{ me { ...F0 } }")
	for i := range n {
		b.WriteString(" fragment F")
		b.WriteString(itoa(i))
		b.WriteString(" on User { ")
		if i == n-1 {
			b.WriteString("orders { id } }")
			continue
		}
		b.WriteString("...F" + itoa(i+1) + " ... on User { ...F" + itoa(i+1) + " } }")
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCost(t *testing.T) {
	g := newGuard(t, func(o *Options) {
		o.Cost.Weights = map[string]int{"Order.owner": 5}
	})
	cases := []struct {
		q    string
		cost int
	}{
		{"{ me { id } }", 1},
		{"{ me { id orders { id } } }", 1 + 10},                // default list size 10
		{"{ me { orders(first: 3) { id } } }", 1 + 3},          // first
		{"{ me { orders(first: 3, last: 7) { id } } }", 1 + 7}, // the larger
		{"{ users(first: 5) { id } }", 5 * 2},                  // @cost(weight: 2)
		{"{ order(id: 1) { owner { id } } }", 1 + 5},           // config weight
		{"{ me { friends(first: 2) { friends(first: 3) { id } } } }", 1 + 2*(1+3)},
		{"{ search(text: \"x\", limit: 4) { name } }", 4},
	}
	for _, c := range cases {
		d, ref := g.Check(postQuery(c.q), Caller{})
		if ref != nil {
			t.Fatalf("%s: %v", c.q, ref)
		}
		if d.Cost != c.cost {
			t.Errorf("%s: cost %d, want %d", c.q, d.Cost, c.cost)
		}
	}
}

func TestRefusalBody(t *testing.T) {
	g := newGuard(t, nil)
	_, ref := g.Check(postQuery("{ users(first: 1000) { friends(first: 1000) { id } } }"), Caller{})
	if ref == nil {
		t.Fatal("admitted")
	}
	var body struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(ref.Body("req-1"), &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != "graphql_cost_exceeded" ||
		body.Errors[0].Extensions["limit"] != float64(5000) || body.Errors[0].Extensions["cost"] != float64(1002000) ||
		body.Errors[0].Extensions["request_id"] != "req-1" {
		t.Fatalf("body %+v", body)
	}
}

func TestNoSuggestions(t *testing.T) {
	g := newGuard(t, nil)
	_, ref := g.Check(postQuery("{ me { nam } }"), Caller{})
	if ref == nil || strings.Contains(ref.Message, "Did you mean") || !strings.Contains(ref.Message, "nam") {
		t.Fatalf("refusal %v", ref)
	}
}

func TestPersisted(t *testing.T) {
	known := "{ me { id } }"
	h := hashOf(known)
	g := newGuard(t, func(o *Options) {
		o.Persisted = Persisted{Mode: PersistedAllow, Operations: map[string]string{h: known}}
	})
	ext := func(hash string) string {
		return `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
	}
	cases := []struct {
		name string
		req  *Request
		code string
	}{
		{"registered text", postQuery(known), ""},
		{"hash only", post(`{` + ext(h) + `}`), ""},
		{"hash only over GET", get(url.Values{"extensions": {`{"persistedQuery":{"version":1,"sha256Hash":"` + h + `"}}`}}), ""},
		{"text and matching hash", post(`{"query":"{ me { id } }",` + ext(h) + `}`), ""},
		{"unregistered text", postQuery("{ me { name } }"), "graphql_operation_not_registered"},
		{"unknown hash", post(`{` + ext(strings.Repeat("a", 64)) + `}`), "graphql_persisted_query_not_found"},
		{"text under another hash", post(`{"query":"{ me { name } }",` + ext(h) + `}`), "graphql_request_malformed"},
		{"bad hash", post(`{` + ext("xyz") + `}`), "graphql_request_malformed"},
	}
	for _, c := range cases {
		_, ref := g.Check(c.req, Caller{})
		got := ""
		if ref != nil {
			got = ref.Code
		}
		if got != c.code {
			t.Errorf("%s: got %q (%v), want %q", c.name, got, ref, c.code)
		}
	}
}

func TestLearn(t *testing.T) {
	var seen []string
	g := newGuard(t, func(o *Options) {
		o.Persisted.Mode = PersistedLearn
		o.OnLearn = func(h, name, _ string) { seen = append(seen, name) }
	})
	for _, q := range []string{"query A { me { id } }", "query A { me { id } }", "query B { me { name } }"} {
		if _, ref := g.Check(postQuery(q), Caller{}); ref != nil {
			t.Fatal(ref)
		}
	}
	l := g.Learned()
	if len(l) != 2 || l[0].Count != 2 || l[0].Name != "A" || l[0].Hash != hashOf("query A { me { id } }") || len(seen) != 2 ||
		l[0].Query != "query A { me { id } }" {
		t.Fatalf("learned %+v, seen %v", l, seen)
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"bad SDL", func(o *Options) { o.Schema = "type Query {" }, "line 1"},
		{"unknown type in weight", func(o *Options) { o.Cost.Weights = map[string]int{"Nope.x": 1} }, "no type Nope"},
		{"unknown field in rule", func(o *Options) { o.Fields = map[string]FieldRule{"User.ssn": {Roles: []string{"a"}}} }, "no field ssn"},
		{"bad persisted text", func(o *Options) {
			o.Persisted = Persisted{Mode: "allow", Operations: map[string]string{strings.Repeat("0", 64): "{ me { id } }"}}
		}, "sha256"},
		{"bad mode", func(o *Options) { o.Persisted.Mode = "maybe" }, "off, allow or learn"},
	}
	for _, c := range cases {
		o := Options{Schema: shopSchema(t)}
		c.mod(&o)
		_, err := New(o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestSanitizeResponse(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"data":{"me":{"id":"1"}}}`, `{"data":{"me":{"id":"1"}}}`}, // untouched, byte for byte
		{`{"data":null,"errors":[{"message":"Cannot query field \"nam\" on type \"User\". Did you mean \"name\"?","locations":[{"line":1,"column":8}]}]}`,
			`{"data":null,"errors":[{"locations":[{"line":1,"column":8}],"message":"Cannot query field \"nam\" on type \"User\"."}]}`},
		{`{"data":{"me":null},"errors":[{"message":"boom","path":["me"],"extensions":{"code":"INTERNAL","exception":{"stacktrace":["at db.go:12"]}}}]}`,
			`{"data":{"me":null},"errors":[{"extensions":{"code":"INTERNAL"},"message":"boom","path":["me"]}]}`},
		{`{"errors":[{"message":"x","extensions":{"stack":"trace"}}]}`, `{"errors":[{"extensions":{},"message":"x"}]}`},
		{`{"errors":[{"message":"x","extensions":{"code":"A"}}]}`, `{"errors":[{"message":"x","extensions":{"code":"A"}}]}`},
		{`[{"data":{"a":1}},{"data":{"b":2}}]`, `[{"data":{"a":1}},{"data":{"b":2}}]`}, // a batch, untouched
		{`[{"data":{"a":1}},{"errors":[{"message":"x","extensions":{"trace":"t"}}]}]`, `[{"data":{"a":1}},{"errors":[{"extensions":{},"message":"x"}]}]`},
	}
	for _, c := range cases {
		got, changed, err := SanitizeResponse([]byte(c.in), nil)
		if err != nil || string(got) != c.want || changed != (c.in != c.want) {
			t.Errorf("%s:\ngot  %s (%v)\nwant %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`<html>`, `[1, 2]`, `"x"`} {
		if _, _, err := SanitizeResponse([]byte(bad), nil); err == nil {
			t.Errorf("%s accepted as a GraphQL response", bad)
		}
	}
}

func TestDeniedFieldNull(t *testing.T) {
	g := newGuard(t, func(o *Options) { o.OnDeniedField = "null" })
	user := Caller{Roles: []string{"customer"}}
	cases := []struct {
		name string
		req  *Request
		want string // the query sent upstream
	}{
		{"plain", postQuery("{ me { id email } }"), "{ me { id email @skip(if: true) } }"},
		{"alias, arguments and a comment with non-ASCII text before", postQuery("{ me { name # héllo ✓ —\n mail: email friends(first: 2) { email } } }"),
			"{ me { name # héllo ✓ —\n mail: email @skip(if: true) friends(first: 2) { email @skip(if: true) } } }"},
		{"in a fragment", postQuery("{ me { ...U } } fragment U on User { id email }"), "{ me { ...U } } fragment U on User { id email @skip(if: true) }"},
		{"application/graphql", &Request{Method: "POST", ContentType: "application/graphql", Body: []byte("{ me { email } }")}, "{ me { email @skip(if: true) } }"},
	}
	for _, c := range cases {
		d, ref := g.Check(c.req, user)
		if ref != nil {
			t.Fatalf("%s: %v", c.name, ref)
		}
		if len(d.Denied) != 1 || len(d.Denied[0]) != 1 || d.Denied[0][0] != "User.email" {
			t.Fatalf("%s: denied %v", c.name, d.Denied)
		}
		got := string(d.Body)
		if c.req.ContentType == "application/json" {
			var body struct{ Query string }
			if err := json.Unmarshal(d.Body, &body); err != nil {
				t.Fatal(err)
			}
			got = body.Query
		}
		if got != c.want {
			t.Fatalf("%s: sent\n%s\nwant\n%s", c.name, got, c.want)
		}
		// What is sent validates (and now asks for nothing the caller may not read).
		if _, ref := newGuard(t, nil).Check(postQuery(got), Caller{Roles: []string{"support"}}); ref != nil {
			t.Fatalf("%s: the rewritten operation does not validate: %v", c.name, ref)
		}
	}
	// GET and batches keep their form; variables and names go along.
	d, ref := g.Check(get(url.Values{"query": {"{ me { email } }"}}), user)
	if ref != nil || d.RawQuery != (url.Values{"query": {"{ me { email @skip(if: true) } }"}}).Encode() {
		t.Fatalf("GET: %v %q", ref, d.RawQuery)
	}
	d, ref = g.Check(post(`[{"query":"{ me { id } }"},{"query":"query Q($id: ID!) { user(id: $id) { email } }","operationName":"Q","variables":{"id":"7"}}]`), user)
	if ref != nil || len(d.Denied) != 2 || d.Denied[0] != nil || d.Denied[1][0] != "User.email" ||
		string(d.Body) != `[{"query":"{ me { id } }"},{"operationName":"Q","query":"query Q($id: ID!) { user(id: $id) { email @skip(if: true) } }","variables":{"id":"7"}}]` {
		t.Fatalf("batch: %v %v %s", ref, d.Denied, d.Body)
	}
	// A denied field that already has a condition cannot be skipped: refused.
	if _, ref := g.Check(postQuery("{ me { email @include(if: true) } }"), user); ref == nil || ref.Code != "graphql_field_forbidden" {
		t.Fatalf("conditional denied field: %v", ref)
	}
	// Nothing denied: nothing rewritten.
	if d, ref := g.Check(postQuery("{ me { email } }"), Caller{Roles: []string{"support"}}); ref != nil || d.Body != nil || d.Denied != nil {
		t.Fatalf("allowed: %v %s %v", ref, d.Body, d.Denied)
	}
	// The answer gains null in the field's place and an error with its path.
	d, _ = g.Check(postQuery("{ me { id email } }"), user)
	out, changed, err := SanitizeResponse([]byte(`{"data":{"me":{"id":"1"}}}`), d.Nulls)
	if err != nil || !changed || string(out) != `{"data":{"me":{"id":"1","email":null}},"errors":[{"extensions":{"code":"graphql_field_forbidden","field":"User.email"},"message":"The caller may not query User.email.","path":["me","email"]}]}` {
		t.Fatalf("answer: %s %v", out, err)
	}
}

// A repeated key the sanitizer decides on would be read one way here (the
// last wins) and may be read the other way by a client (the first wins): an
// answer whose first "errors" carried a stack trace and whose last was null
// passed untouched. Such an answer is refused (the guard answers 502); keys
// that differ only in case are different keys and pass.
func TestSanitizeResponseRepeatedKeys(t *testing.T) {
	for _, bad := range []string{
		`{"errors":[{"message":"x","extensions":{"stack":"at db.go:12"}}],"errors":null}`,
		`{"errors":[{"message":"x","extensions":{"stack":"t"}}],"err\u006frs":[]}`,
		`{"errors":[{"message":"x","extensions":{"stack":"t"},"extensions":{"code":"A"}}]}`,
		`{"errors":[{"message":"Did you mean \"secret\"?","message":"x"}]}`,
		`[{"data":{"a":1}},{"errors":[{"message":"x","extensions":{"stack":"t"}}],"errors":null}]`,
	} {
		if out, _, err := SanitizeResponse([]byte(bad), nil); err == nil {
			t.Errorf("%s passed as\n%s", bad, out)
		}
	}
	for _, ok := range []string{
		`{"data":{"me":{"id":"1","ID":"2"}},"Errors":null,"errors":null}`,
		`{"data":{"a":{"x":1,"x":2}}}`, // data is the upstream's: the response filters judge it
	} {
		if out, changed, err := SanitizeResponse([]byte(ok), nil); err != nil || changed || string(out) != ok {
			t.Errorf("%s: %s %v %v", ok, out, changed, err)
		}
	}
}

// The sanitizer reads an answer by what it is, not by its label: JSON under
// text/plain is cleaned, a page that is not JSON passes byte for byte (also
// past the buffer's bound), a JSON-looking answer past the bound is refused,
// an event stream is not buffered at all.
func TestSanitizeByContent(t *testing.T) {
	leak := `{"errors":[{"message":"x","extensions":{"stack":"at db.go:12"}}]}`
	answer := func(ct, body string) *http.Response {
		h := http.Header{}
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(body))}
	}
	read := func(r *http.Response) string {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, ct := range []string{"text/plain", "", "application/octet-stream", "text/html"} {
		r := answer(ct, leak)
		if p := sanitize(r, nil); p != nil {
			t.Fatalf("%q: %v", ct, p)
		}
		if got := read(r); strings.Contains(got, "db.go") || got != `{"errors":[{"extensions":{},"message":"x"}]}` {
			t.Errorf("%q: passed %s", ct, got)
		}
	}
	page := "<html>" + strings.Repeat("x", maxResponse) + "</html>"
	for _, body := range []string{"<html>down</html>", page, "{not json"} {
		r := answer("text/html", body)
		if p := sanitize(r, nil); p != nil || read(r) != body {
			t.Errorf("a non-JSON page of %d bytes was changed or refused: %v", len(body), p)
		}
	}
	big := `{"data":"` + strings.Repeat("x", maxResponse) + `"}`
	if p := sanitize(answer("text/plain", big), nil); p == nil || p.Code != "response_too_large" {
		t.Errorf("a JSON-looking answer past the bound: %v", p)
	}
	if p := sanitize(answer("text/plain", "[1, 2]"), nil); p == nil || p.Code != "response_unfilterable" {
		t.Errorf("JSON that is no GraphQL answer: %v", p)
	}
	// Codings on two lines are both applied by a client: the answer is not
	// read as the first alone (and passed as "not JSON"), it is refused.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, leak)
	zw.Close()
	stacked := answer("", gz.String())
	stacked.Header["Content-Encoding"] = []string{"identity", "gzip"}
	if p := sanitize(stacked, nil); p == nil || p.Code != "response_unfilterable" {
		t.Errorf("two Content-Encoding lines: %v", p)
	}
	one := answer("", gz.String())
	one.Header.Set("Content-Encoding", "gzip")
	if p := sanitize(one, nil); p != nil || strings.Contains(read(one), "db.go") {
		t.Errorf("gzip without a label: %v", p)
	}
	// What a client decodes before it reads JSON is decoded here too: a UTF-8
	// byte order mark is stripped (fetch and Python requests strip it), JSON
	// in UTF-16 or UTF-32 (which requests reads) is refused, not passed.
	for _, ct := range []string{"text/plain", "application/json"} {
		r := answer(ct, "\xEF\xBB\xBF"+leak)
		if p := sanitize(r, nil); p != nil || strings.Contains(read(r), "db.go") {
			t.Errorf("%s with a UTF-8 byte order mark: %v", ct, p)
		}
	}
	utf16 := func(s string, le bool) string {
		var b []byte
		for _, c := range []byte(s) {
			if le {
				b = append(b, c, 0)
			} else {
				b = append(b, 0, c)
			}
		}
		return string(b)
	}
	for name, body := range map[string]string{
		"UTF-16 LE with a mark": "\xFF\xFE" + utf16(leak, true),
		"UTF-16 BE with a mark": "\xFE\xFF" + utf16(leak, false),
		"UTF-16 LE":             utf16(leak, true),
		"UTF-16 BE":             utf16(leak, false),
		"UTF-32 BE":             "\x00\x00\x00" + leak[:1] + "\x00\x00\x00" + leak[1:2],
	} {
		if p := sanitize(answer("text/plain", body), nil); p == nil || p.Code != "response_unfilterable" {
			t.Errorf("%s: %v", name, p)
		}
	}
	// Binary that is not JSON in any encoding passes.
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	if r := answer("image/png", png); sanitize(r, nil) != nil || read(r) != png {
		t.Error("a PNG was refused or changed")
	}
	// What cannot be told not to be JSON is refused: a compressed answer past
	// the bound, a compressed stream of parts, a multipart answer without a
	// boundary.
	noise := make([]byte, maxResponse+1024)
	rand.Read(noise) // random bytes do not compress below the bound
	var bigGz bytes.Buffer
	bw := gzip.NewWriter(&bigGz)
	bw.Write(noise)
	bw.Close()
	if bigGz.Len() <= maxResponse {
		t.Fatalf("the compressed page is only %d bytes", bigGz.Len())
	}
	bigPage := answer("text/html", bigGz.String())
	bigPage.Header.Set("Content-Encoding", "gzip")
	gzStream := answer("text/event-stream", gz.String())
	gzStream.Header.Set("Content-Encoding", "gzip")
	for name, c := range map[string]struct {
		r    *http.Response
		code string
	}{
		"compressed past the bound": {bigPage, "response_too_large"},
		"compressed event stream":   {gzStream, "response_unfilterable"},
		"multipart, no boundary":    {answer("multipart/mixed", leak), "response_unfilterable"},
	} {
		if p := sanitize(c.r, nil); p == nil || p.Code != c.code {
			t.Errorf("%s: %v", name, p)
		}
	}
	// A stream label beside a JSON one does not pass the JSON unread.
	mixed := answer("text/event-stream", leak)
	mixed.Header.Add("Content-Type", "application/json")
	if p := sanitize(mixed, nil); p != nil || strings.Contains(read(mixed), "db.go") {
		t.Errorf("event-stream and JSON labels: %v", p)
	}
	src := &readCount{r: strings.NewReader("event: next\ndata: " + leak + "\n\n")}
	stream := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: io.NopCloser(src)}
	if p := sanitize(stream, nil); p != nil || src.n != 0 {
		t.Fatalf("an event stream was read before the client got it (%d reads): %v", src.n, p)
	}
}

// readCount counts the reads of r.
type readCount struct {
	r io.Reader
	n int
}

func (c *readCount) Read(p []byte) (int, error) { c.n++; return c.r.Read(p) }
