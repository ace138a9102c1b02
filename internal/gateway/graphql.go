package gateway

import (
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/graphql/stored"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/proxy"
)

// buildGraphQL builds a route's GraphQL stage, after its rate limits and
// injection guard; nil when the route is not GraphQL. stored.Route.Build
// makes the guard: a route that introspects asks its API's first target for
// the schema, trusting its certificate as the proxy does (the upstream's tls
// settings); ownership rules on field arguments are checked against the
// schema; the store's operations are loaded.
func buildGraphQL(rt config.Route, api config.API, e *routeEntry, d Deps) (*graphql.Stage, error) {
	if rt.GraphQL == nil {
		return nil, nil
	}
	endpoint := ""
	if len(api.Upstream.Targets) > 0 {
		endpoint = strings.TrimSuffix(api.Upstream.Targets[0], "/") + rt.Path
	}
	var args []stored.Arg
	for _, rule := range rt.Authz.Owner {
		if rule.Source == "graphql" {
			args = append(args, stored.Arg{Rule: rule.ID, Field: rule.Name, Arg: rule.Arg})
		}
	}
	client := func() (*http.Client, error) { return proxy.NewClient(upstreamOf(api), graphql.IntrospectTimeout) }
	g, err := stored.Route{API: api.Name, Name: rt.Name, Store: d.Store, Logger: d.Logger}.Build(*rt.GraphQL, endpoint, client, args)
	if err != nil {
		return nil, err
	}
	lim := rt.Limits // BufferBody reads only the size limit, the route's own
	return &graphql.Stage{Guard: g, Inspects: e.injection.Inspects(), Charge: e.rateLimits.ChargeCost, Hold: hygiene.SetBody,
		Buffer: func(r *http.Request) ([]byte, *httperr.Problem) { return hygiene.BufferBody(r, &lim) }}, nil
}

// GraphQL is the serving state's GraphQL routes, for the admin API: what
// learning mode saw (a reload starts it afresh), whether a route keeps its
// operations in the store, a reload of them after a change (other nodes
// sharing the store see it at their next reload).
func (g *Gateway) GraphQL() stored.Routes { return g.cur.Load().graphqls }
