package openapi

import "testing"

const matchDoc = `
openapi: 3.0.3
info: {title: t, version: "1"}
servers:
  - url: "https://{host}/api/{version}"
    variables:
      host: {default: api.example.com}
      version: {default: v2}
paths:
  /users:
    get: {operationId: listUsers, responses: {"200": {description: ok}}}
  /users/me:
    get: {operationId: me, responses: {"200": {description: ok}}}
  /users/{userId}:
    parameters:
      - {name: userId, in: path, required: true, schema: {type: string}}
    get: {operationId: getUser, responses: {"200": {description: ok}}}
    put: {operationId: putUser, responses: {"200": {description: ok}}}
  /users/{userId}/orders/{orderId}:
    parameters:
      - {name: userId, in: path, required: true, schema: {type: string}}
      - {name: orderId, in: path, required: true, schema: {type: string}}
    get: {operationId: getOrder, responses: {"200": {description: ok}}}
  /files/{name}.{ext}:
    parameters:
      - {name: name, in: path, required: true, schema: {type: string}}
      - {name: ext, in: path, required: true, schema: {type: string}}
    get: {operationId: getFile, responses: {"200": {description: ok}}}
  /:
    get: {operationId: root, responses: {"200": {description: ok}}}
`

func TestMatch(t *testing.T) {
	d := mustParse(t, matchDoc)
	if d.BasePath() != "/api/v2" {
		t.Fatalf("BasePath() = %q, want /api/v2", d.BasePath())
	}
	tests := []struct {
		name, method, route string
		wantID              string // "" for no match
	}{
		{"same names", "GET", "/users/{userId}", "getUser"},
		{"other param name", "GET", "/users/{id}", "getUser"},
		{"lower-case method", "put", "/users/{id}", "putUser"},
		{"literal beats param", "GET", "/users/me", "me"},
		{"two params", "GET", "/users/{a}/orders/{b}", "getOrder"},
		{"trailing slash", "GET", "/users/{id}/", "getUser"},
		{"with base path", "GET", "/api/v2/users/{id}", "getUser"},
		{"root", "GET", "/", "root"},
		{"root with base path", "GET", "/api/v2", "root"},
		{"partial-segment params", "GET", "/files/{a}.{b}", "getFile"},
		{"method not declared", "DELETE", "/users/{id}", ""},
		{"literal is not a param", "GET", "/users/bob", ""},
		{"param is not a literal", "GET", "/users/{x}/orders/latest", ""},
		{"too long", "GET", "/users/{id}/orders", ""},
		{"glob", "GET", "/users/**", ""},
		{"other base path", "GET", "/api/v1/users/{id}", ""},
		{"not a path", "GET", "users", ""},
		{"unbalanced", "GET", "/users/{id", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, ok := d.Match(tt.method, tt.route)
			if ok != (tt.wantID != "") || op.ID != tt.wantID {
				t.Errorf("Match(%s, %s) = %+v, %v; want %q", tt.method, tt.route, op, ok, tt.wantID)
			}
		})
	}
}

func TestBasePath(t *testing.T) {
	head := "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths: {}\n"
	tests := []struct{ name, servers, want string }{
		{"none", "", ""},
		{"host only", "servers: [{url: https://a.example}]\n", ""},
		{"slash", "servers: [{url: https://a.example/}]\n", ""},
		{"relative", "servers: [{url: /v1/}]\n", "/v1"},
		{"agree", "servers: [{url: https://a.example/v1}, {url: https://b.example/v1}]\n", "/v1"},
		{"disagree", "servers: [{url: https://a.example/v1}, {url: https://b.example/v2}]\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, head+tt.servers).BasePath(); got != tt.want {
				t.Errorf("BasePath() = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzShape(f *testing.F) {
	for _, s := range []string{"/users/{id}", "/", "/a/{b}.{c}/", "/{", "/}", "/{a/b}", "//", "/**"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		s, ok := shape(path)
		if !ok {
			return
		}
		if again, ok := shape(s); !ok || again != s {
			t.Errorf("shape(%q) = %q, but shape of that is %q, %v", path, s, again, ok)
		}
	})
}
