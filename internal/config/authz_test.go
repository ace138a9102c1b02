package config

import (
	"strings"
	"testing"
)

const authzBase = `admin: {listen: "off"}
identity:
  api_keys:
    pepper: ${env:ADMIN_TOKEN}-and-more-pepper-bytes
apis:
  - name: shop
    upstream: http://127.0.0.1:9001
    auth: [api_key]
    routes:
`

func TestAuthzPlan(t *testing.T) {
	plan, diags := parseString(t, authzBase+`      - match: GET,PUT /orders/{id}
        owner: [{id: by-path, param: id, object: order, hide: true}, {query: tenant, equals: "claim:tenant"}]
        owner_exempt_roles: [admin]
        enumeration: {sequential: 5}
        policy: 'principal.sub == params.id || "admin" in principal.roles'
      - match: POST /orders
        records_owner: {object: order, from: "response:/id"}
        readonly_fields: [owner_id, "items.*.price"]
        on_readonly: strip
      - match: DELETE /admin/**
        admin: true
        roles: [ops, admin]
        roles_match: all
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r := plan.APIs[0].Routes
	o := r[0].Authz.Owner
	if len(o) != 2 || o[0].ID != "by-path" || o[0].Source != "param" || o[0].Object != "order" || !o[0].Hide ||
		o[1].ID != "owner[1]" || o[1].Source != "query" || o[1].Equals != "claim:tenant" {
		t.Fatalf("owner rules %+v", o)
	}
	if e := r[0].Authz.Enumeration; e == nil || e.Sequential != 5 || e.MaxDistinct != 30 || e.MaxDeniedPercent != 50 {
		t.Fatalf("enumeration %+v", e)
	}
	if ro := r[1].Authz.RecordsOwner; ro == nil || ro.From != "response:/id" || ro.Owner != "sub" || r[1].Authz.OnReadonly != "strip" {
		t.Fatalf("records owner %+v", r[1].Authz)
	}
	if a := r[2].Authz; !a.Admin || !a.RolesAll || len(plan.Identity.AdminRoles) != 1 {
		t.Fatalf("admin route %+v", a)
	}
}

func TestAuthzProblems(t *testing.T) {
	tests := []struct{ name, routes, want string }{
		{"unknown param", "      - match: GET /orders/{id}\n        owner: [{param: order_id, equals: sub}]\n", "has no parameter {order_id}"},
		{"two sources", "      - match: GET /orders/{id}\n        owner: [{param: id, query: id, equals: sub}]\n", "give exactly one of param, query, body, header or graphql_field"},
		{"equals and object", "      - match: GET /orders/{id}\n        owner: [{param: id, equals: sub, object: order}]\n", "give exactly one of equals"},
		{"bad equals", "      - match: GET /orders/{id}\n        owner: [{param: id, equals: email}]\n", "expected sub, consumer or claim:NAME"},
		{"bad policy", "      - match: GET /orders/{id}\n        policy: 'principal.sub =='\n", "invalid policy at expression line 1"},
		{"non-bool policy", "      - match: GET /orders/{id}\n        policy: 'params.id'\n", "invalid policy"},
		{"bad records from", "      - match: POST /orders\n        records_owner: {object: order, from: body}\n", "expected location or response:<path>"},
		{"owner on open route", "      - match: GET /orders/{id}\n        auth: [none]\n        owner: [{param: id, equals: sub}]\n", "need an authenticated caller"},
		{"owner with none in auth", "      - match: GET /orders/{id}\n        auth: [api_key, none]\n        owner: [{param: id, object: order}]\n",
			"c.yaml:12:17: apis[0].routes[0].owner[0]: error: roles, admin and ownership rules need an authenticated caller, but this route's auth lists none"},
		{"equals owner with none in auth", "      - match: GET /orders/{id}\n        auth: [none, api_key]\n        owner: [{param: id, equals: sub}]\n", "auth lists none"},
		{"roles with none in auth", "      - match: GET /orders/{id}\n        auth: [api_key, none]\n        roles: [clerk]\n", "c.yaml:12:16: apis[0].routes[0].roles: error:"},
		{"admin with none in auth", "      - match: GET /orders/{id}\n        auth: [api_key, none]\n        admin: true\n", "routes[0].admin: error: roles, admin"},
		{"records with none in auth", "      - match: POST /orders\n        auth: [api_key, none]\n        records_owner: {object: order}\n", "routes[0].records_owner: error: roles, admin"},
		{"filter with none in auth", "      - match: GET /orders\n        auth: [api_key, none]\n        filter_list: {owner_field: owner}\n", "routes[0].filter_list: error: roles, admin"},
		{"scopes with none in auth", "      - match: GET /orders\n        auth: [api_key, none]\n        scopes: [read]\n", "c.yaml:12:17: apis[0].routes[0].scopes: error: scopes need an authenticated caller"},
		{"bad on_readonly", "      - match: PATCH /users/{id}\n        readonly_fields: [role]\n        on_readonly: ignore\n", "expected one of reject, strip"},
		{"graphql_field without argument", gqlRoute + "        owner: [{graphql_field: Query.order, object: order}]\n", "graphql_field needs argument"},
		{"argument without graphql_field", "      - match: GET /orders/{id}\n        owner: [{param: id, argument: id, object: order}]\n", "owner[0].argument: error: argument goes with graphql_field"},
		{"graphql_field on a REST route", "      - match: POST /orders\n        owner: [{graphql_field: Query.order, argument: id, object: order}]\n",
			"owner[0].graphql_field: error: graphql_field reads a GraphQL operation: the route needs a graphql block"},
		{"graphql_field not in the schema", gqlRoute + "        owner: [{graphql_field: Query.orders, argument: id, object: order}]\n", "owner[0].graphql_field: error: \"Query.orders\": type Query has no field orders"},
		{"argument not in the schema", gqlRoute + "        owner: [{graphql_field: Query.order, argument: orderId, object: order}]\n", "owner[0].graphql_field: error: Query.order has no argument orderId"},
		{"records_owner on a GraphQL route", gqlRoute + "        records_owner: {object: order, from: \"response:/data/placeOrder/id\"}\n", "records_owner: error: records_owner is for REST routes"},
		{"filter without field", "      - match: GET /orders\n        filter_list: {array: /orders}\n", "owner_field is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := parseString(t, authzBase+tc.routes)
			if !strings.Contains(diags.String(), tc.want) {
				t.Fatalf("want %q in\n%s", tc.want, diags)
			}
		})
	}
}

// gqlRoute is a GraphQL route for owner rules on a field argument.
const gqlRoute = "      - match: POST /graphql\n        graphql:\n          schema: 'type Query { order(id: ID!): Order  me: Order }  type Order { id: ID! }'\n"

func TestAuthzGraphQLOwner(t *testing.T) {
	plan, diags := parseString(t, authzBase+gqlRoute+"        owner: [{id: own-order, graphql_field: Query.order, argument: id, object: order}]\n")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	o := plan.APIs[0].Routes[0].Authz.Owner
	if len(o) != 1 || o[0].Source != "graphql" || o[0].Name != "Query.order" || o[0].Arg != "id" || o[0].Object != "order" {
		t.Fatalf("owner rules %+v", o)
	}
}

// TestAuthzOptionalAuthAllowed: a route that lists none keeps what does not
// compare with the caller (a policy may test principal.authenticated).
func TestAuthzOptionalAuthAllowed(t *testing.T) {
	_, diags := parseString(t, authzBase+"      - match: PUT /notes/{id}\n        auth: [api_key, none]\n"+
		"        readonly_fields: [role]\n        policy: 'principal.authenticated || method == \"PUT\"'\n")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
}
