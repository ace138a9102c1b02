package config

import (
	"strings"
	"testing"

	"github.com/bulwark-gw/bulwark/internal/graphql"
)

const graphqlBase = `admin: {listen: "off"}
apis:
  - name: shop
    upstream: http://127.0.0.1:9001
    auth: [none]
    routes:
      - match: /graphql
        graphql:
`

func TestGraphQLPlan(t *testing.T) {
	plan, diags := parseString(t, graphqlBase+`          schema: |
            type Query { me: User users(first: Int): [User!]! }
            type User { id: ID! email: String }
          limits: {max_depth: 8, max_aliases: -1, max_bytes: 32KiB, max_batch: 2}
          cost: {max_cost: 300, default_list_size: 20, list_size_args: [first], weights: {Query.users: 3}}
          introspection_roles: [admin]
          fields:
            User.email: {roles: [support], scopes: ["users:read"]}
          persisted: {mode: learn}
          on_denied_field: "null"
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rt := plan.APIs[0].Routes[0]
	o := rt.GraphQL
	if o == nil || o.Limits.MaxDepth != 8 || o.Limits.MaxAliases != -1 || o.Limits.MaxBytes != 32<<10 || o.Limits.MaxBatch != 2 ||
		o.Cost.MaxCost != 300 || o.Cost.DefaultListSize != 20 || o.Cost.Weights["Query.users"] != 3 ||
		o.Fields["User.email"].Scopes[0] != "users:read" || o.Persisted.Mode != graphql.PersistedLearn ||
		o.IntrospectionRoles[0] != "admin" || o.OnDeniedField != "null" {
		t.Fatalf("options %+v", o)
	}
	if !strings.Contains(strings.Join(rt.Limits.ContentTypes, ","), "application/graphql") {
		t.Fatalf("content types %v", rt.Limits.ContentTypes)
	}
	if _, err := graphql.New(*o); err != nil {
		t.Fatal(err)
	}
}

func TestGraphQLProblems(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no schema", "          limits: {max_depth: 3}\n",
			"c.yaml:9:11: apis[0].routes[0].graphql: error: a GraphQL route needs its upstream's schema: set schema_file (SDL), schema or introspect: true"},
		{"introspect and schema", "          introspect: true\n          schema: 'type Query { me: Int }'\n",
			"apis[0].routes[0].graphql.introspect: error: introspect fetches the schema from the upstream"},
		{"bad SDL", "          schema: |\n            type Query {\n              me: Nope\n            }\n",
			`c.yaml:9:19: apis[0].routes[0].graphql.schema: error: schema line 2 (file line 11): Undefined type Nope.`},
		{"unreadable file", "          schema_file: shop.graphql\n",
			"c.yaml:9:24: apis[0].routes[0].graphql.schema_file: error: cannot read"},
		{"unknown field rule", "          schema: 'type Query { me: Int }'\n          fields: {Query.you: {roles: [a]}}\n",
			`apis[0].routes[0].graphql: error: field rule: "Query.you": type Query has no field you`},
		{"empty field rule", "          schema: 'type Query { me: Int }'\n          fields: {Query.me: {}}\n",
			"c.yaml:10:30: apis[0].routes[0].graphql.fields.Query.me: error: a field rule needs roles or scopes"},
		{"zero depth", "          schema: 'type Query { me: Int }'\n          limits: {max_depth: 0}\n",
			"apis[0].routes[0].graphql.limits.max_depth: error: must be at least 1 (or -1 for no limit), got 0"},
		{"bad mode", "          schema: 'type Query { me: Int }'\n          persisted: {mode: sometimes}\n",
			"apis[0].routes[0].graphql.persisted.mode: error:"},
		{"allow without operations", "          schema: 'type Query { me: Int }'\n          persisted: {mode: allow}\n",
			"apis[0].routes[0].graphql.persisted: error: allow mode needs registered operations"},
		{"bad on_denied_field", "          schema: 'type Query { me: Int }'\n          on_denied_field: hide\n",
			"apis[0].routes[0].graphql.on_denied_field: error:"},
		{"unknown key", "          schema: 'type Query { me: Int }'\n          depth: 3\n",
			"apis[0].routes[0].graphql.depth: error:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := parseString(t, graphqlBase+tc.src)
			if !strings.Contains(diags.String(), tc.want) {
				t.Fatalf("got\n%v\nwant %q", diags, tc.want)
			}
		})
	}
}

func TestGraphQLCostUnits(t *testing.T) {
	const restRoute = `      - match: /orders
`
	tests := []struct {
		name, src, want string
	}{
		{"cost limit and quota on a GraphQL route", graphqlBase + `          schema: 'type Query { me: Int }'
        rate_limits: [{by: [ip], rate: 100/m, burst: 50, cost: graphql}, {by: [ip], rate: 10/s}]
        quota: {by: ip, limit: 1000, cost: graphql}
`, ""},
		{"unknown unit", graphqlBase + `          schema: 'type Query { me: Int }'
        rate_limits: [{by: [ip], rate: 100/m, cost: bytes}]
`, "c.yaml:10:53: apis[0].routes[0].rate_limits[0].cost: error: expected one of request, graphql"},
		{"cost limit on a REST route", graphqlBase + `          schema: 'type Query { me: Int }'
` + restRoute + `        rate_limits: [{by: [ip], rate: 100/m, cost: graphql}]
`, "apis[0].routes[1].rate_limits[0].cost: error: cost: graphql needs a graphql block on the route"},
		{"cost quota on a REST route", graphqlBase + `          schema: 'type Query { me: Int }'
` + restRoute + `        quota: {by: ip, limit: 10, cost: graphql}
`, "apis[0].routes[1].quota.cost: error: cost: graphql needs a graphql block on the route"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, diags := parseString(t, tc.src)
			if tc.want == "" {
				if diags.HasErrors() {
					t.Fatal(diags)
				}
				rt := plan.APIs[0].Routes[0]
				if rt.RateLimits[0].Cost != CostGraphQL || rt.RateLimits[1].Cost != CostRequest || rt.Quota.Cost != CostGraphQL {
					t.Fatalf("limits %+v quota %+v", rt.RateLimits, rt.Quota)
				}
				return
			}
			if !strings.Contains(diags.String(), tc.want) {
				t.Fatalf("got\n%v\nwant %q", diags, tc.want)
			}
		})
	}
}

// An API's graphql block is inherited by its GraphQL routes (a route sets
// only what differs); it makes no route GraphQL on its own; consumer
// overrides merge by name.
func TestGraphQLAPIDefaults(t *testing.T) {
	plan, diags := parseString(t, `admin: {listen: "off"}
apis:
  - name: shop
    upstream: http://127.0.0.1:9001
    auth: [none]
    graphql:
      schema: |
        type Query { me: User users(first: Int): [User!]! }
        type User { id: ID! email: String }
      limits: {max_depth: 6, max_aliases: 4}
      cost: {max_cost: 1000, weights: {Query.users: 2}}
      fields: {User.email: {roles: [support]}}
      consumers:
        partner-x: {max_cost: 20000}
        batch-job: {limits: {max_batch: 50}}
    routes:
      - match: /graphql
        graphql: {}
      - match: /graphql/partner
        graphql:
          limits: {max_depth: 9}
          cost: {weights: {Query.me: 5}}
          consumers:
            partner-x: {max_cost: 50000, limits: {max_depth: 12}}
      - match: /rest
`)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rts := plan.APIs[0].Routes
	a, b := rts[0].GraphQL, rts[1].GraphQL
	switch {
	case a == nil || b == nil || rts[2].GraphQL != nil:
		t.Fatalf("graphql routes %v %v %v", a, b, rts[2].GraphQL)
	case a.Schema == "" || a.Limits.MaxDepth != 6 || a.Limits.MaxAliases != 4 || a.Cost.MaxCost != 1000 ||
		a.Fields["User.email"].Roles[0] != "support" || a.Consumers["partner-x"].MaxCost != 20000:
		t.Fatalf("inherited %+v", a)
	case b.Limits.MaxDepth != 9 || b.Limits.MaxAliases != 4 || b.Cost.Weights["Query.users"] != 2 || b.Cost.Weights["Query.me"] != 5 ||
		b.Consumers["partner-x"].MaxCost != 50000 || b.Consumers["partner-x"].Limits.MaxDepth != 12 ||
		b.Consumers["batch-job"].Limits.MaxBatch != 50:
		t.Fatalf("merged %+v", b)
	}
	for _, o := range []*graphql.Options{a, b} {
		if _, err := graphql.New(*o); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGraphQLConsumerProblems(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"zero max_cost", "          schema: 'type Query { me: Int }'\n          consumers: {partner-x: {max_cost: 0}}\n",
			"c.yaml:10:45: apis[0].routes[0].graphql.consumers.partner-x.max_cost: error: must be at least 1 (or -1 for no limit), got 0"},
		{"empty override", "          schema: 'type Query { me: Int }'\n          consumers: {partner-x: {}}\n",
			"c.yaml:10:34: apis[0].routes[0].graphql.consumers.partner-x: error: a consumer override sets max_cost or limits"},
		{"bad limit", "          schema: 'type Query { me: Int }'\n          consumers: {partner-x: {limits: {max_batch: -1}}}\n",
			"apis[0].routes[0].graphql.consumers.partner-x.limits.max_batch: error: must be at least 1, got -1"},
		{"unknown key", "          schema: 'type Query { me: Int }'\n          consumers: {partner-x: {cost: 3}}\n",
			"apis[0].routes[0].graphql.consumers.partner-x.cost: error:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := parseString(t, graphqlBase+tc.src)
			if !strings.Contains(diags.String(), tc.want) {
				t.Fatalf("got\n%v\nwant %q", diags, tc.want)
			}
		})
	}
}
