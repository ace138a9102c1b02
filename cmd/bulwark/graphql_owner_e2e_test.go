package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/demo"
)

// shopRecorder serves the demo shop (its GraphQL endpoint is
// graph-gophers/graphql-go) and records every GraphQL request it receives:
// what reaches it is the truth about what the gateway let through.
type shopRecorder struct {
	shop http.Handler
	mu   sync.Mutex
	seen []string
}

func (u *shopRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.seen = append(u.seen, r.Method+" "+r.URL.RawQuery+" "+string(b))
	u.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(b))
	u.shop.ServeHTTP(w, r)
}

func (u *shopRecorder) requests() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.seen...)
}

// Ownership rules on GraphQL field arguments, through the real GraphQL shop:
// a caller reads and changes her own orders and her own user, whatever the
// operation's shape; an order of someone else's, asked for under an alias, in
// a fragment, through a variable, in a batch or by a mutation, is refused in
// GraphQL's error shape and never reaches the shop.
func TestGraphQLOwnership(t *testing.T) {
	shop, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shop.Close() })
	up := &shopRecorder{shop: shop.Handler()}
	upSrv := httptest.NewServer(up)
	t.Cleanup(upSrv.Close)
	dir := t.TempDir()
	schema, err := os.ReadFile("../../examples/shop.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shop.graphql"), schema, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, dir, graphqlAPIHead(upSrv.URL)+`      - match: GET,POST /graphql
        auth: [api_key]
        owner:
          - {id: own-order, graphql_field: Query.order, argument: id, object: order}
          - {id: own-order-status, graphql_field: Mutation.setOrderStatus, argument: id, object: order}
          - {id: own-user, graphql_field: Query.user, argument: id, equals: sub}
        graphql:
          schema_file: shop.graphql
          limits: {max_batch: 5}
`)
	// The shop's orders 1001–1003 are alice's (user 1), 1004 bob's (user 2).
	for id, owner := range map[string]string{"1001": "1", "1002": "1", "1003": "1", "1004": "2"} {
		if out, err := execCommand(binPath, "owners", "set", "-c", cfg, "--object", "order", "--id", id, "--owner", owner).CombinedOutput(); err != nil {
			t.Fatalf("owners set %s: %v %s", id, err, out)
		}
	}
	alice := createKey(t, cfg, "--consumer", "alice", "--subject", "1")
	p := startBulwark(t, "serve", "-c", cfg)

	send := func(payload string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", alice)
		resp, body := do(t, req)
		var c bytes.Buffer
		if json.Compact(&c, body) == nil { // the shop indents for a terminal
			body = c.Bytes()
		}
		return resp, body
	}
	query := func(q string, vars map[string]any) string {
		b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
		return string(b)
	}

	// Her own objects, in every shape, reach the shop and come back.
	allowed := []struct{ body, want string }{
		{query(`{ order(id: 1001) { status } }`, nil), `"status":"delivered"`},
		{query(`{ a: order(id: 1001) { id } b: order(id: "1002") { id } }`, nil), `"b":{"id":"1002"}`},
		{query(`query($o: ID!) { ...F order(id: $o) { id } } fragment F on Query { x: order(id: 1003) { id } }`, map[string]any{"o": "1002"}), `"x":{"id":"1003"}`},
		{`[{"query":"{ order(id: 1001) { id } }"},{"query":"{ user(id: 1) { username } }"}]`, `"username":"alice"`},
		{query(`mutation { setOrderStatus(id: 1003, status: "pending") { status } }`, nil), `"status":"pending"`},
		{query(`{ products(first: 1) { name } }`, nil), `"products"`}, // no rule's field: nothing to check
	}
	for _, a := range allowed {
		resp, body := send(a.body)
		if resp.StatusCode != 200 || !strings.Contains(string(body), a.want) {
			t.Fatalf("%s: %d %s", a.body, resp.StatusCode, body)
		}
	}
	if n := len(up.requests()); n != len(allowed) {
		t.Fatalf("the shop saw %d requests, want %d", n, len(allowed))
	}

	// Someone else's: refused before the shop, whatever the shape.
	refused := []struct {
		name, body string
		status     int
		code       string
	}{
		{"inline literal", query(`{ order(id: 1004) { status } }`, nil), 403, "not_owner"},
		{"behind an alias next to her own", query(`{ mine: order(id: 1001) { id } theirs: order(id: 1004) { id } }`, nil), 403, "not_owner"},
		{"in a fragment", query(`{ ...F } fragment F on Query { order(id: 1004) { id } }`, nil), 403, "not_owner"},
		{"in an inline fragment", query(`{ ... on Query { order(id: "1004") { id } } }`, nil), 403, "not_owner"},
		{"through a variable", query(`query($o: ID!) { order(id: $o) { id } }`, map[string]any{"o": "1004"}), 403, "not_owner"},
		{"through a variable's default", query(`query($o: ID = 1004) { order(id: $o) { id } }`, nil), 403, "not_owner"},
		{"second operation of a batch", `[{"query":"{ order(id: 1001) { id } }"},{"query":"{ order(id: 1004) { id } }"}]`, 403, "not_owner"},
		{"the operation that runs", `{"query":"query A { order(id: 1001) { id } } query B { order(id: 1004) { id } }","operationName":"B"}`, 403, "not_owner"},
		{"a mutation", query(`mutation { setOrderStatus(id: 1004, status: "cancelled") { id } }`, nil), 403, "not_owner"},
		{"someone else's user", query(`{ user(id: 2) { username } }`, nil), 403, "not_owner"},
		{"an order nobody owns", query(`{ order(id: 9999) { id } }`, nil), 403, "not_owner"},
		// id: ID! — a nullable variable is the schema's error; ownership's own
		// fail-closed reading of missing ids is internal/graphql's TestArgValues.
		{"a nullable variable left out", query(`query($o: ID) { order(id: $o) { id } }`, nil), 400, "graphql_validation_failed"},
		{"a null id", query(`query($o: ID!) { order(id: $o) { id } }`, map[string]any{"o": nil}), 400, "graphql_variables_invalid"},
		{"a list for an id", query(`{ order(id: [1001, 1004]) { id } }`, nil), 400, "graphql_validation_failed"},
		{"a variable of the wrong type", query(`query($o: ID!) { order(id: $o) { id } }`, map[string]any{"o": map[string]any{"$ne": 1}}), 400, "graphql_variables_invalid"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			resp, body := send(c.body)
			mustGraphQLError(t, resp, body, c.status, c.code)
		})
	}
	req, _ := http.NewRequest("GET", p.url("/graphql?query="+url.QueryEscape("{ order(id: 1004) { id } }")), nil)
	req.Header.Set("X-API-Key", alice)
	resp, body := do(t, req)
	mustGraphQLError(t, resp, body, 403, "not_owner")
	if got := up.requests(); len(got) != len(allowed) {
		t.Fatalf("the shop saw %d refused requests: %q", len(got)-len(allowed), got[len(allowed):])
	}
}
