package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/audit"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/exchange"
	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/httperr"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/proxy"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// introspectTimeout bounds fetching a schema from the upstream at start or
// reload.
const introspectTimeout = 10 * time.Second

// buildGraphQL builds a route's GraphQL guard; nil when the route is not
// GraphQL. A route that introspects asks its API's first target for the
// schema now, trusting its certificate as the proxy does (the upstream's
// tls settings): a failure fails the start or the reload (which keeps the
// serving state). Learning mode logs each new operation hash once and, with
// persisted.store, records it in the store; the operations registered there
// are loaded now (graphqlStore).
func buildGraphQL(rt config.Route, api config.API, logger *slog.Logger, st *store.Store) (*graphql.Guard, error) {
	if rt.GraphQL == nil {
		return nil, nil
	}
	o := *rt.GraphQL
	if o.Introspect {
		if len(api.Upstream.Targets) == 0 {
			return nil, errors.New("graphql: introspection needs an upstream target")
		}
		url := strings.TrimSuffix(api.Upstream.Targets[0], "/") + rt.Path
		client, err := proxy.NewClient(upstreamConfig(api), introspectTimeout)
		if err != nil {
			return nil, fmt.Errorf("graphql: introspecting %s: %w", url, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), introspectTimeout)
		sdl, err := graphql.Introspect(ctx, client, url)
		cancel()
		client.CloseIdleConnections()
		if err != nil {
			return nil, fmt.Errorf("graphql: introspecting %s: %w", url, err)
		}
		o.Schema, o.SchemaName = sdl, "introspection of "+url
	}
	if o.Persisted.Store && st == nil {
		return nil, errors.New("graphql: persisted.store needs a store (store: in the config)")
	}
	if o.Persisted.Mode == graphql.PersistedLearn {
		o.OnLearn = graphqlLearner(api.Name, rt.Name, logger, st, o.Persisted.Store)
	}
	g, err := graphql.New(o)
	if err != nil {
		return nil, fmt.Errorf("graphql: %w", err)
	}
	if g.UsesStore() {
		ctx, cancel := context.WithTimeout(context.Background(), introspectTimeout)
		defer cancel()
		if err := loadStoredOperations(ctx, st, api.Name, rt.Name, g); err != nil {
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
func (g *Gateway) admitGraphQL(x *exchange.Exchange, entry *routeEntry, keys *keyParts, ev *audit.Event) *httperr.Problem {
	var body []byte
	if x.Req.Method == http.MethodPost {
		var p *httperr.Problem
		if body, p = hygiene.BufferBody(x.Req, &entry.limits); p != nil {
			return p
		}
	}
	body, p := entry.graphql.Admit(x, body, entry.injection.Inspects())
	noted(ev, x)
	if p != nil {
		return p
	}
	if body != nil {
		hygiene.SetBody(x.Req, body)
	}
	return g.spendCost(x.Req.Context(), x.W, entry, keys, x.Cost)
}

// spendCost is the cost pass: every request spends at least 1, so that
// operations priced 0 (scalar root fields) are still counted.
func (g *Gateway) spendCost(ctx context.Context, w http.ResponseWriter, entry *routeEntry, keys *keyParts, cost int) *httperr.Problem {
	ps := pass{cost: true, n: max(int64(cost), 1)}
	if p := g.chargeLimits(ctx, w, entry, keys, ps); p != nil {
		return p
	}
	return chargeQuota(ctx, entry, keys, ps)
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
