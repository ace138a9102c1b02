package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/graphql/stored"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/proxy"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// buildGraphQL builds a route's GraphQL guard; nil when the route is not
// GraphQL. A route that introspects asks its API's first target for the
// schema now (graphql.NewFromUpstream), trusting its certificate as the proxy
// does (the upstream's tls settings): a failure fails the start or the reload
// (which keeps the serving state). Learning mode logs each new operation hash
// once and, with persisted.store, records it in the store; the operations
// registered there are loaded now (internal/graphql/stored).
func buildGraphQL(rt config.Route, api config.API, logger *slog.Logger, st *store.Store) (*graphql.Guard, error) {
	if rt.GraphQL == nil {
		return nil, nil
	}
	o := *rt.GraphQL
	for _, rule := range rt.Authz.Owner {
		o.ReadArgs = o.ReadArgs || rule.Source == "graphql" // the authz guard reads x.GraphQL
	}
	if o.Persisted.Store && st == nil {
		return nil, errors.New("graphql: persisted.store needs a store (store: in the config)")
	}
	if o.Persisted.Mode == graphql.PersistedLearn {
		o.OnLearn = stored.Route{API: api.Name, Name: rt.Name, Store: st, Logger: logger}.Learner(o.Persisted.Store)
	}
	endpoint := ""
	if len(api.Upstream.Targets) > 0 {
		endpoint = strings.TrimSuffix(api.Upstream.Targets[0], "/") + rt.Path
	}
	var client *http.Client
	if o.Introspect && endpoint != "" {
		c, err := proxy.NewClient(upstreamOf(api), graphql.IntrospectTimeout)
		if err != nil {
			return nil, fmt.Errorf("graphql: introspecting %s: %w", endpoint, err)
		}
		defer c.CloseIdleConnections()
		client = c
	}
	g, err := graphql.NewFromUpstream(o, endpoint, client)
	if err != nil {
		return nil, err
	}
	for _, rule := range rt.Authz.Owner { // config checked them against an SDL; an introspected schema is checked here
		if rule.Source == "graphql" {
			if err := g.CheckArgument(rule.Name, rule.Arg); err != nil {
				return nil, fmt.Errorf("graphql: owner rule %s: %w", rule.ID, err)
			}
		}
	}
	if g.UsesStore() {
		ctx, cancel := context.WithTimeout(context.Background(), graphql.IntrospectTimeout)
		defer cancel()
		if err := (stored.Route{API: api.Name, Name: rt.Name, Store: st}).Load(ctx, g); err != nil {
			return nil, fmt.Errorf("graphql: %w", err)
		}
	}
	return g, nil
}

// admitGraphQL runs the route's GraphQL guard on the body hygiene admitted,
// then charges the operation's cost to the route's limits and quota with
// cost: graphql. They run here, not with the request-counting limits,
// because the cost exists only once the operation is parsed and priced; the
// request-counting limits still run before the body is read. A request the
// guard refuses spends no cost. A rewritten body ("null" mode) is held like
// a buffered one, so the guards after it read it without another copy.
func (g *Gateway) admitGraphQL(x *exchange.Exchange, entry *routeEntry) *httperr.Problem {
	var body []byte
	if x.Req.Method == http.MethodPost {
		var ok bool
		if body, ok = x.Body(); !ok {
			var p *httperr.Problem
			if body, p = hygiene.BufferBody(x.Req, &entry.limits); p != nil {
				return p
			}
			x.SetBody(body)
		}
	}
	body, p := entry.graphql.Admit(x, body, entry.injection.Inspects())
	if p != nil {
		return p
	}
	if body != nil {
		hygiene.SetBody(x.Req, body)
		x.SetBody(body)
	}
	return entry.rateLimits.ChargeCost(x.Req.Context(), x)
}

// GraphQLLearned is what one GraphQL route in learning mode has seen.
type GraphQLLearned struct {
	API        string            `json:"api"`
	Route      string            `json:"route"`
	Operations []graphql.Learned `json:"operations"`
}

// GraphQLLearned lists the operations the serving state's GraphQL routes in
// learning mode have seen, route by route (a reload starts them afresh).
func (g *Gateway) GraphQLLearned() []GraphQLLearned {
	st := g.cur.Load()
	out := []GraphQLLearned{}
	for i := range st.routes {
		e := &st.routes[i]
		if e.graphql != nil && e.graphql.Mode() == graphql.PersistedLearn {
			out = append(out, GraphQLLearned{API: e.api, Route: e.name, Operations: e.graphql.Learned()})
		}
	}
	return out
}
