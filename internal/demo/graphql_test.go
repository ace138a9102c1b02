package demo

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The shop's GraphQL endpoint answers whatever it is sent: the flaws the
// gateway's GraphQL guard is for.
func TestGraphQLEndpoint(t *testing.T) {
	_, srv := newServer(t)
	post := func(ct, body string) string {
		t.Helper()
		resp, err := http.Post(srv.URL+"/graphql", ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", body, resp.StatusCode, raw)
		}
		return b.String()
	}
	cases := []struct{ ct, body, want string }{
		{"application/json", `{"query":"{ user(id: 1) { username ssn orders(first: 1) { id owner { username } } } }"}`,
			`{"data":{"user":{"username":"alice","ssn":"`},
		{"application/json", `{"query":"query($id: ID!) { order(id: $id) { status items { qty product { name } } } }","variables":{"id":"1001"}}`,
			`"items":[{"qty":`},
		{"application/json", `[{"query":"{ users(first: 1) { id } }"},{"query":"{ products(first: 1) { name } }"}]`,
			`[{"data":{"users":[{"id":"1"}]}},{"data":{"products":[{"name":`},
		{"application/graphql", `{ user(id: 2) { friends { friends { username } } } }`, `"friends":[{"friends":[{"username":`},
		{"application/json", `{"query":"{ __schema { queryType { name } } }"}`, `{"data":{"__schema":{"queryType":{"name":"Query"}}}}`},
		{"application/json", `{"query":"{ user(id: 1) { usernam } }"}`, `Did you mean`},
		{"application/json", `{"query":"mutation { setOrderStatus(id: 1001, status: \"shipped\") { status } }"}`,
			`{"data":{"setOrderStatus":{"status":"shipped"}}}`},
	}
	for _, c := range cases {
		if got := post(c.ct, c.body); !strings.Contains(got, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.body, got, c.want)
		}
	}
	resp, err := http.Get(srv.URL + "/graphql?query=" + url.QueryEscape("{ user(id: 2) { username } }"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
}
