package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Injection inspection on a GraphQL route reads each inline argument value
// and each variable on its own, never the query text as a whole: an attack in
// a value is refused wherever it is written, while GraphQL's own syntax
// ($variables, comments) is never a finding.
func TestGraphQLInspectsArgumentValues(t *testing.T) {
	up := &gqlRecorder{}
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	dir := t.TempDir()
	writeTestSchema(t, dir)
	cfg := writeConfig(t, dir, graphqlAPIHead(upSrv.URL)+`      - match: GET,POST /graphql
        auth: [none]
        graphql:
          schema_file: shop.graphql
`)
	p := startBulwark(t, "serve", "-c", cfg)
	post := func(body string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return do(t, req)
	}
	query := func(q string) string {
		b, _ := json.Marshal(map[string]string{"query": q})
		return string(b)
	}

	// Legitimate: the attack-looking text is a comment, not a value; the
	// values are plain.
	legit := []string{
		query("# ' OR 1=1 -- is how the old form broke\n{ search(text: \"o'reilly\", limit: 5) { id name } }"),
		`{"query":"query Find($t: String!, $n: Int = 10) { search(text: $t, limit: $n) { id } }","variables":{"t":"garden chair"}}`,
	}
	for _, b := range legit {
		if resp, body := post(b); resp.StatusCode != 200 {
			t.Fatalf("%s refused: %d %s", b, resp.StatusCode, body)
		}
	}
	resp, body := get(t, p.url("/graphql?query="+url.QueryEscape("# ; cat /etc/passwd\n{ me { id } }")))
	if resp.StatusCode != 200 {
		t.Fatalf("GET with a comment refused: %d %s", resp.StatusCode, body)
	}
	seen := len(up.seen())

	// Attacks in values, each named by where it stands.
	attacks := []struct {
		name, body, field string
	}{
		{"inline argument", query(`{ search(text: "x' OR 1=1 --") { id } }`), "arguments.search.text"},
		{"aliased argument in a fragment", query(`{ ...F } fragment F on Query { s: search(text: "a' OR 'x'='x") { id } }`), "arguments.fragment F.s.text"},
		{"an operation not selected", `{"operationName":"A","query":"query A { me { id } } query B { u: user(id: \"1 UNION SELECT password FROM users\") { id } }"}`, "arguments.u.id"},
		{"input object", query(`mutation { placeOrder(input: {productId: "../../../etc/passwd", quantity: 1}) { id } }`), "arguments.placeOrder.input.productId"},
		{"variable", `{"query":"query($t: String!) { search(text: $t) { id } }","variables":{"t":"paid; cat /etc/passwd"}}`, "variables.t"},
		{"variable default", query(`query($t: String! = "1' UNION SELECT password FROM users --") { search(text: $t) { id } }`), "defaults.t"},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			resp, body := post(a.body)
			e := mustGraphQLError(t, resp, body, 403, "injection_detected")
			f, _ := e.Errors[0].Extensions["finding"].(map[string]any)
			if f == nil || f["field"] != a.field || f["location"] != "body" || f["id"] != e.Errors[0].Extensions["request_id"] {
				t.Fatalf("finding %v, want one on %s", e.Errors[0].Extensions, a.field)
			}
		})
	}
	resp, body = get(t, p.url("/graphql?query="+url.QueryEscape(`{ search(text: "x' OR 1=1 --") { id } }`)))
	mustGraphQLError(t, resp, body, 403, "injection_detected")
	if len(up.seen()) != seen {
		t.Fatalf("the upstream saw %d attacks", len(up.seen())-seen)
	}
}
