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
	"syscall"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/demo"
)

// gqlRecorder is a GraphQL upstream that records every request body it
// receives: what reaches it is the truth about what the gateway let through.
type gqlRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (u *gqlRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.bodies = append(u.bodies, r.Method+" "+r.URL.RawQuery+" "+string(b))
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if strings.Contains(string(b), "LeakPlain") { // leaks under a label that is not JSON: fetch().json() reads it all the same
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, `{"data":{"order":null},"errors":[{"message":"x","extensions":{"exception":{"stacktrace":["at OrderResolver (/srv/app/orders.js:42)"]}}}]}`)
		return
	}
	if strings.Contains(string(b), "LeakUnlabelled") { // no Content-Type at all
		w.Header()["Content-Type"] = nil
		_, _ = io.WriteString(w, ` {"errors":[{"message":"x","extensions":{"exception":{"stacktrace":["at OrderResolver (/srv/app/orders.js:42)"]}}}]}`)
		return
	}
	if strings.Contains(string(b), "LeakStream") { // GraphQL over SSE, one leaky event among clean ones
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event: next\ndata: {\"data\":{\"order\":{\"id\":\"1\"}}}\n\n")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "event: next\ndata: {\"errors\":[{\"message\":\"x\",\"extensions\":{\"exception\":{\"stacktrace\":[\"at OrderResolver (/srv/app/orders.js:42)\"]}}}]}\n\n")
		_, _ = io.WriteString(w, "event: complete\ndata:\n\n")
		return
	}
	if strings.Contains(string(b), "LeakParts") { // incremental delivery, a leak in a later payload
		w.Header().Set("Content-Type", `multipart/mixed; boundary="-"`)
		part := "\r\n---\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
		_, _ = io.WriteString(w, part+`{"data":{"order":{"id":"1"}},"hasNext":true}`)
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, part+`{"incremental":[{"data":{"total":1},"path":["order"],"errors":[{"message":"x","extensions":{"exception":{"stacktrace":["at OrderResolver (/srv/app/orders.js:42)"]}}}]}],"hasNext":false}`+"\r\n-----\r\n")
		return
	}
	if strings.Contains(string(b), "BadStream") { // an event that is no GraphQL answer, then a leak
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event: next\ndata: {\"data\":{\"order\":{\"id\":\"1\"}}}\n\n")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "event: next\ndata: [1,2]\n\nevent: next\ndata: {\"errors\":[{\"message\":\"x\",\"extensions\":{\"trace\":\"orders.js:42\"}}]}\n\n")
		return
	}
	if strings.Contains(string(b), "PlainPage") { // an error page that is not JSON passes as it is
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `<html><body>maintenance</body></html>`)
		return
	}
	if strings.Contains(string(b), "LeakTwice") { // leaks in a first "errors" a last one hides from a last-wins reader
		_, _ = io.WriteString(w, `{"data":{"order":null},"errors":[{"message":"x","extensions":{"exception":{"stacktrace":["at OrderResolver (/srv/app/orders.js:42)"]}}}],"errors":null}`)
		return
	}
	if strings.Contains(string(b), "status") { // an upstream that leaks in its errors
		_, _ = io.WriteString(w, `{"data":{"order":null},"errors":[{"message":"Cannot return status. Did you mean \"statusInternal\"?",`+
			`"path":["order"],"extensions":{"code":"INTERNAL","exception":{"stacktrace":["at OrderResolver (/srv/app/orders.js:42)"]}}}]}`)
		return
	}
	_, _ = io.WriteString(w, `{"data":{"me":{"id":"1"}}}`)
}

func (u *gqlRecorder) seen() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.bodies...)
}

func graphqlConfig(upstream string) string {
	return graphqlAPIHead(upstream) + `      - match: GET,POST /graphql
        auth: [api_key, none]
        graphql:
          schema_file: shop.graphql
          introspection_roles: [admin]
          fields:
            User.email: {roles: [support]}
`
}

// graphqlAPIHead is a test config up to the shop API's routes: list.
func graphqlAPIHead(upstream string) string {
	return `server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:gql.db
audit: {stdout: true, store: false}
identity:
  api_keys:
    pepper: ${env:BULWARK_ADMIN_TOKEN}-pepper
apis:
  - name: shop
    upstream: ` + upstream + `
    routes:
`
}

// writeTestSchema writes the guard's test schema into dir as shop.graphql.
func writeTestSchema(t *testing.T, dir string) {
	t.Helper()
	schema, err := os.ReadFile("../../internal/graphql/testdata/shop.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shop.graphql"), schema, 0o600); err != nil {
		t.Fatal(err)
	}
}

// gqlErrors is a GraphQL error response.
type gqlErrors struct {
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func mustGraphQLError(t *testing.T, resp *http.Response, body []byte, status int, code string) gqlErrors {
	t.Helper()
	var e gqlErrors
	if resp.StatusCode != status || json.Unmarshal(body, &e) != nil || len(e.Errors) != 1 ||
		e.Errors[0].Extensions["code"] != code || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("want %d %s in GraphQL shape, got %d %s: %s", status, code, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return e
}

func TestGraphQLGuard(t *testing.T) {
	up := &gqlRecorder{}
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	dir := t.TempDir()
	writeTestSchema(t, dir)
	cfg := writeConfig(t, dir, graphqlConfig(upSrv.URL))
	p := startBulwark(t, "serve", "-c", cfg)
	support := createKey(t, cfg, "--consumer", "desk", "--subject", "9", "--roles", "support")

	send := func(ct, body, key string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		return do(t, req)
	}
	jsonQuery := func(q string) string {
		b, _ := json.Marshal(map[string]string{"query": q})
		return string(b)
	}

	// Legitimate operations reach the upstream byte for byte.
	allowed := []string{
		jsonQuery("{ me { id name } }"),
		`{"query":"query($id: ID!) { user(id: $id) { name orders(first: 5) { id total } } }","variables":{"id":"7"}}`,
		`[{"query":"{ me { id } }"},{"query":"{ order(id: 1) { status } }"}]`,
	}
	for _, b := range allowed {
		resp, body := send("application/json", b, "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s refused: %d %s", b, resp.StatusCode, body)
		}
	}
	resp, body := send("application/graphql", "{ me { id } }", "")
	if resp.StatusCode != 200 {
		t.Fatalf("application/graphql refused: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, p.url("/graphql?query="+url.QueryEscape("{ me { id } }")))
	if resp.StatusCode != 200 {
		t.Fatalf("GET refused: %d %s", resp.StatusCode, body)
	}
	// The upstream's errors lose their suggestions and internals.
	resp, body = send("application/graphql", "{ order(id: 1) { status } }", "")
	if resp.StatusCode != 200 || strings.Contains(string(body), "Did you mean") || strings.Contains(string(body), "orders.js") ||
		!strings.Contains(string(body), `"code":"INTERNAL"`) || !strings.Contains(string(body), `"data":{"order":null}`) {
		t.Fatalf("upstream error not sanitized: %d %s", resp.StatusCode, body)
	}
	// An answer repeating "errors" is not passed on: a client reading the
	// first would get what the sanitizer, reading the last, never saw.
	resp, body = send("application/graphql", "query LeakTwice { order(id: 1) { id } }", "")
	if resp.StatusCode != http.StatusBadGateway || strings.Contains(string(body), "orders.js") || !strings.Contains(string(body), "response_unfilterable") {
		t.Fatalf("answer with a repeated errors key: %d %s", resp.StatusCode, body)
	}
	// The same leak under another label, or none, is cleaned all the same; a
	// page that is not JSON passes untouched.
	for _, op := range []string{"LeakPlain", "LeakUnlabelled"} {
		resp, body = send("application/graphql", "query "+op+" { order(id: 1) { id } }", "")
		if resp.StatusCode != 200 || strings.Contains(string(body), "orders.js") || !strings.Contains(string(body), `"extensions":{}`) {
			t.Fatalf("%s: leak not sanitized: %d %s", op, resp.StatusCode, body)
		}
	}
	resp, body = send("application/graphql", "query LeakStream { order(id: 1) { id } }", "")
	if resp.StatusCode != 200 || strings.Contains(string(body), "orders.js") || !strings.Contains(string(body), `data: {"data":{"order":{"id":"1"}}}`) ||
		!strings.Contains(string(body), `data: {"errors":[{"extensions":{},"message":"x"}]}`) || !strings.HasSuffix(string(body), "event: complete\ndata:\n\n") {
		t.Fatalf("event stream: %d %q", resp.StatusCode, body)
	}
	resp, body = send("application/graphql", "query LeakParts { order(id: 1) { id } }", "")
	if resp.StatusCode != 200 || strings.Contains(string(body), "orders.js") || !strings.Contains(string(body), `"errors":[{"extensions":{},"message":"x"}]`) ||
		!strings.HasSuffix(string(body), "\r\n-----\r\n") {
		t.Fatalf("incremental delivery: %d %q", resp.StatusCode, body)
	}
	// A stream with an event that cannot be checked ends there: the client
	// keeps what came before, never what came after.
	resp, body = send("application/graphql", "query BadStream { order(id: 1) { id } }", "")
	if resp.StatusCode != 200 || string(body) != "event: next\ndata: {\"data\":{\"order\":{\"id\":\"1\"}}}\n\n" {
		t.Fatalf("event stream with an unreadable event: %d %q", resp.StatusCode, body)
	}
	resp, body = send("application/graphql", "query PlainPage { order(id: 1) { id } }", "")
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != `<html><body>maintenance</body></html>` {
		t.Fatalf("a non-JSON page: %d %s", resp.StatusCode, body)
	}
	// A support agent may read emails.
	resp, body = send("application/json", jsonQuery("{ me { email } }"), support)
	if resp.StatusCode != 200 {
		t.Fatalf("support reading email refused: %d %s", resp.StatusCode, body)
	}
	if n := len(up.seen()); n != len(allowed)+11 { // + the GET, application/graphql, the eight leaks and pages, the support read
		t.Fatalf("upstream saw %d requests, want %d", n, len(allowed)+11)
	}
	for i, b := range allowed {
		if got := up.seen()[i]; got != "POST  "+b {
			t.Fatalf("upstream got %q, want the client's body %q", got, b)
		}
	}

	// Attacks are refused in GraphQL's shape and never reach the upstream.
	before := len(up.seen())
	attacks := []struct {
		name, ct, body string
		status         int
		code           string
	}{
		{"malformed JSON", "application/json", `{"query": "{ me { id }"`, 400, "json_invalid"}, // hygiene's JSON check
		{"non-string query", "application/json", `{"query": ["{ me { id } }"]}`, 400, "graphql_request_malformed"},
		{"unknown operation", "application/json", `{"query":"query A { me { id } }","operationName":"B"}`, 400, "graphql_operation_not_found"},
		{"deep selection", "application/graphql", strings.Repeat("{ me { friends ", 3000) + strings.Repeat("}", 6000), 400, "graphql_too_deep"},
		{"alias flood", "application/graphql", "{ " + strings.Repeat("a: me { id } b: me { id } ", 20) + "}", 400, "graphql_too_many_aliases"},
		{"batch of 10,000", "application/json", "[" + strings.TrimSuffix(strings.Repeat(`{"query":"{me{id}}"},`, 10000), ",") + "]", 413, "graphql_request_too_large"},
		{"batch of 11", "application/json", "[" + strings.TrimSuffix(strings.Repeat(`{"query":"{me{id}}"},`, 11), ",") + "]", 400, "graphql_batch_too_large"},
		{"circular fragments", "application/graphql", "{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }", 400, "graphql_fragment_cycle"},
		{"unknown directive", "application/graphql", "{ me @debug { id } }", 400, "graphql_validation_failed"},
		{"wrong variable type", "application/json", `{"query":"query($id: ID!) { user(id: $id) { name } }","variables":{"id":{"$ne":1}}}`, 400, "graphql_variables_invalid"},
		{"cost", "application/graphql", "{ users(first: 1000) { friends(first: 1000) { id } } }", 400, "graphql_cost_exceeded"},
		{"introspection", "application/graphql", "{ __schema { types { name } } }", 403, "graphql_introspection_disabled"},
		{"denied field", "application/graphql", "{ me { email } }", 403, "graphql_field_forbidden"},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			resp, body := send(a.ct, a.body, "")
			mustGraphQLError(t, resp, body, a.status, a.code)
		})
	}
	// Mutations are POST only.
	resp, body = get(t, p.url("/graphql?query="+url.QueryEscape(`mutation { placeOrder(input: {productId: "1", quantity: 1}) { id } }`)))
	mustGraphQLError(t, resp, body, 405, "graphql_mutation_over_get")
	if resp.Header.Get("Allow") != "POST" {
		t.Fatalf("Allow %q", resp.Header.Get("Allow"))
	}
	// Another guard's refusal on the GraphQL route is GraphQL-shaped too.
	resp, body = send("application/graphql", "{ me { id } }", "bwk_not_a_real_key")
	mustGraphQLError(t, resp, body, 401, "invalid_credentials")
	if n := len(up.seen()); n != before {
		t.Fatalf("the upstream saw %d refused requests: %q", n-before, up.seen()[before:])
	}
}

// The demo shop's GraphQL endpoint (graph-gophers/graphql-go) behind the demo
// config: what the tour shows, against a real GraphQL server.
func TestDemoShopGraphQL(t *testing.T) {
	shopSrv, p := demoBehindBulwark(t)

	send := func(base, q string) (*http.Response, []byte) {
		b, _ := json.Marshal(map[string]string{"query": q})
		req, _ := http.NewRequest("POST", base+"/graphql", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		resp, body := do(t, req)
		var c bytes.Buffer
		if json.Compact(&c, body) == nil { // the shop indents for a terminal
			body = c.Bytes()
		}
		return resp, body
	}
	deep, flood, denied := demo.TourGraphQLDeep, demo.TourGraphQLAliases, demo.TourGraphQLDenied
	// Straight to the shop, the deep query and the alias flood run, and ssn is served.
	for _, q := range []string{deep, flood, denied} {
		resp, body := send(shopSrv.URL, q)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"data"`) || strings.Contains(string(body), `"errors"`) {
			t.Fatalf("the shop is supposed to answer %q directly: %d %s", q, resp.StatusCode, body)
		}
	}
	// Through Bulwark, legitimate operations pass with the shop's real data.
	for q, want := range map[string]string{
		"{ user(id: 1) { username orders(first: 2) { id status items { qty product { name } } } } }": `"username":"alice"`,
		"query Catalogue { products(first: 3) { name priceCents } }":                                 `"products":[{"name":`,
		`{ order(id: 1001) { owner { username } } }`:                                                 `"owner":{"username":"alice"}`,
	} {
		resp, body := send(p.url(""), q)
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("%q through Bulwark: %d %s", q, resp.StatusCode, body)
		}
	}
	// A batch reaches the shop and its array of answers comes back.
	req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader(
		`[{"query":"{ user(id: 1) { username } }"},{"query":"{ products(first: 1) { name } }"}]`))
	req.Header.Set("Content-Type", "application/json")
	resp, body := do(t, req)
	if resp.StatusCode != 200 || !strings.HasPrefix(strings.TrimSpace(string(body)), "[") || !strings.Contains(string(body), "alice") {
		t.Fatalf("batch through Bulwark: %d %s", resp.StatusCode, body)
	}
	// The tour's three refusals, and introspection.
	resp, body = send(p.url(""), deep)
	mustGraphQLError(t, resp, body, 400, "graphql_too_deep")
	resp, body = send(p.url(""), flood)
	mustGraphQLError(t, resp, body, 400, "graphql_too_many_aliases")
	resp, body = send(p.url(""), denied)
	e := mustGraphQLError(t, resp, body, 403, "graphql_field_forbidden")
	if e.Errors[0].Extensions["field"] != "User.ssn" {
		t.Fatalf("denied field %v", e.Errors[0].Extensions)
	}
	resp, body = send(p.url(""), "{ __schema { types { name } } }")
	mustGraphQLError(t, resp, body, 403, "graphql_introspection_disabled")
	// Injection in an inline argument or a variable of a valid operation is
	// the injection guard's finding, answered in GraphQL's shape.
	resp, body = send(p.url(""), `mutation { setOrderStatus(id: 1001, status: "x' OR 1=1 --") { id } }`)
	mustGraphQLError(t, resp, body, 403, "injection_detected")
	req, _ = http.NewRequest("POST", p.url("/graphql"), strings.NewReader(
		`{"query":"mutation($s: String!) { setOrderStatus(id: 1001, status: $s) { id } }","variables":{"s":"paid; cat /etc/passwd"}}`))
	req.Header.Set("Content-Type", "application/json")
	resp, body = do(t, req)
	mustGraphQLError(t, resp, body, 403, "injection_detected")
	// A typo gets the schema's error without the suggestion that maps it.
	resp, body = send(p.url(""), "{ user(id: 1) { usernam } }")
	e = mustGraphQLError(t, resp, body, 400, "graphql_validation_failed")
	if strings.Contains(e.Errors[0].Message, "Did you mean") {
		t.Fatalf("suggestion kept: %s", body)
	}
}

// A route that introspects its upstream takes the schema from the demo shop
// at start; an upstream that cannot answer stops the start with a clear error.
func TestGraphQLIntrospectedSchema(t *testing.T) {
	shopSrv := startShop(t)
	cfg := func(upstream string) string {
		return `server: {listen: 127.0.0.1:0}
admin: {listen: "off"}
store: sqlite:gql.db
audit: {stdout: true, store: false}
apis:
  - name: shop
    upstream: ` + upstream + `
    auth: [none]
    routes:
      - match: POST /graphql
        graphql:
          introspect: true
          fields:
            User.ssn: {roles: [admin]}
`
	}
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg(shopSrv.URL)))
	post := func(q string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader(q))
		req.Header.Set("Content-Type", "application/graphql")
		return do(t, req)
	}
	if resp, body := post("{ user(id: 1) { username } }"); resp.StatusCode != 200 || !strings.Contains(string(body), "alice") {
		t.Fatalf("valid query: %d %s", resp.StatusCode, body)
	}
	resp, body := post("{ user(id: 1) { passwordHash } }")
	mustGraphQLError(t, resp, body, 400, "graphql_validation_failed")
	resp, body = post("{ user(id: 1) { ssn } }")
	mustGraphQLError(t, resp, body, 403, "graphql_field_forbidden")

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	out, err := execCommand(binPath, "serve", "-c", writeConfig(t, t.TempDir(), cfg(down.URL))).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "graphql: introspecting "+down.URL+"/graphql") {
		t.Fatalf("start with the upstream down: %v\n%s", err, out)
	}
}

// Learning mode records what runs; its manifest, exported from the admin API,
// becomes the allow-list of the next config: the learned operation runs, any
// other is refused before the upstream.
func TestGraphQLLearnThenAllow(t *testing.T) {
	up := &gqlRecorder{}
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	dir := t.TempDir()
	writeTestSchema(t, dir)
	cfg := func(persisted string) string {
		return `server: {listen: 127.0.0.1:0}
admin:
  listen: 127.0.0.1:0
  token: ${env:BULWARK_ADMIN_TOKEN}
store: sqlite:gql.db
audit: {stdout: false, store: false}
apis:
  - name: shop
    upstream: ` + upSrv.URL + `
    auth: [none]
    routes:
      - match: POST /graphql
        graphql:
          schema_file: shop.graphql
          persisted: ` + persisted + "\n"
	}
	known := "query Me { me { id name } }"
	p := startBulwark(t, "serve", "-c", writeConfig(t, dir, cfg("{mode: learn}")))
	post := func(p *proc, q string) *http.Response {
		req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader(q))
		req.Header.Set("Content-Type", "application/graphql")
		resp, _ := do(t, req)
		return resp
	}
	for range 3 {
		if resp := post(p, known); resp.StatusCode != 200 {
			t.Fatalf("learning mode refused: %d", resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", p.admin("/admin/api/graphql/learned?format=manifest"), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, manifest := do(t, req)
	if resp.StatusCode != 200 || !strings.Contains(string(manifest), "query Me") {
		t.Fatalf("manifest: %d %s", resp.StatusCode, manifest)
	}
	// Waited for: the line reaches p.stderr through a pipe, which may trail
	// the answers on a loaded CI machine.
	waitFor(t, "the learned log line", func() bool { return strings.Contains(p.stderr.String(), `"msg":"graphql operation learned"`) })
	if err := os.WriteFile(filepath.Join(dir, "operations.json"), manifest, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	p = startBulwark(t, "serve", "-c", writeConfig(t, dir, cfg("{mode: allow, manifest: operations.json}")))
	before := len(up.seen())
	if resp := post(p, known); resp.StatusCode != 200 {
		t.Fatalf("registered operation refused: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", p.url("/graphql"), strings.NewReader("{ me { email } }"))
	req.Header.Set("Content-Type", "application/graphql")
	resp, body := do(t, req)
	mustGraphQLError(t, resp, body, 403, "graphql_operation_not_registered")
	if got := len(up.seen()) - before; got != 1 {
		t.Fatalf("upstream saw %d requests, want the registered one only", got)
	}
}

// on_denied_field: null sends the demo shop the operation with the denied
// field skipped; the client gets null in the field's place and, per the
// GraphQL spec, an error with the path to each null. The demo's ssn is
// String!, so the null propagates to its nullable parent, the user. omit
// leaves the field absent instead, with one error and no path.
func TestGraphQLDeniedFieldNull(t *testing.T) {
	shopSrv := startShop(t)
	api := func(name, mode string) string {
		return `  - name: ` + name + `
    hosts: [` + name + `.test]
    upstream: ` + shopSrv.URL + `
    auth: [none]
    routes:
      - match: POST /graphql
        graphql:
          introspect: true
          on_denied_field: ` + mode + `
          fields:
            User.ssn: {roles: [admin]}
`
	}
	cfg := `server: {listen: 127.0.0.1:0}
admin: {listen: "off"}
store: sqlite:gql.db
audit: {stdout: true, store: false}
apis:
` + api("nulls", `"null"`) + api("omits", "omit")
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	ask := func(host string) (map[string]any, []map[string]any, string) {
		req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader(
			`{"query":"query($id: ID!) { user(id: $id) { username ssn friends(first: 1) { ssn } } }","variables":{"id":"2"}}`))
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		resp, body := do(t, req)
		var got struct {
			Data   map[string]any   `json:"data"`
			Errors []map[string]any `json:"errors"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%s: %d %s", host, resp.StatusCode, body)
		}
		if strings.Contains(string(body), "219-09-9999") || strings.Contains(string(body), "078-05-1120") {
			t.Fatalf("%s: an ssn reached the client: %s", host, body)
		}
		for _, e := range got.Errors {
			if x, _ := e["extensions"].(map[string]any); x["code"] != "graphql_field_forbidden" || x["field"] != "User.ssn" {
				t.Fatalf("%s: errors %s", host, body)
			}
		}
		return got.Data, got.Errors, string(body)
	}
	data, errs, body := ask("nulls.test")
	var paths []string
	for _, e := range errs {
		b, _ := json.Marshal(e["path"])
		paths = append(paths, string(b))
	}
	if data["user"] != nil || strings.Join(paths, " ") != `["user","ssn"] ["user","friends",0,"ssn"]` {
		t.Fatalf("null mode: %s", body)
	}
	data, errs, body = ask("omits.test")
	user, _ := data["user"].(map[string]any)
	if _, present := user["ssn"]; present || user["username"] != "bob" || len(errs) != 1 || errs[0]["path"] != nil {
		t.Fatalf("omit mode: %s", body)
	}
}

// The response guards work inside a GraphQL answer's data: a denied path is
// cut and a sensitive value redacted, after the GraphQL guard cleaned it.
func TestGraphQLResponseGuards(t *testing.T) {
	shopSrv := startShop(t)
	cfg := `server: {listen: 127.0.0.1:0}
admin: {listen: "off"}
store: sqlite:gql.db
audit: {stdout: true, store: false}
apis:
  - name: shop
    upstream: ` + shopSrv.URL + `
    auth: [none]
    routes:
      - match: POST /graphql
        response:
          deny: [data.user.email]
          sensitive: {ssn: redact}
        graphql:
          introspect: true
`
	p := startBulwark(t, "serve", "-c", writeConfig(t, t.TempDir(), cfg))
	req, _ := http.NewRequest("POST", p.url("/graphql"), strings.NewReader("{ user(id: 2) { username email ssn } }"))
	req.Header.Set("Content-Type", "application/graphql")
	resp, body := do(t, req)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"username": "bob"`) || !strings.Contains(string(body), `"***-**-9999"`) ||
		strings.Contains(string(body), "bob@example.com") || strings.Contains(string(body), "219-09-9999") {
		t.Fatalf("answer: %d %s", resp.StatusCode, body)
	}
}
