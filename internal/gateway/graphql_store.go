package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/graphql/stored"
)

// RefreshGraphQLOperations reloads, for every GraphQL route with
// persisted.store, the operations registered in the store: the admin API
// calls it after a change. Other nodes sharing the store see the change at
// their next reload.
func (g *Gateway) RefreshGraphQLOperations(ctx context.Context) error {
	st := g.cur.Load()
	var errs []error
	for i := range st.routes {
		e := &st.routes[i]
		if e.graphql == nil || !e.graphql.UsesStore() || g.deps.Store == nil {
			continue
		}
		if err := (stored.Route{API: e.api, Name: e.name, Store: g.deps.Store}).Load(ctx, e.graphql); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", e.api, e.name, err))
		}
	}
	return errors.Join(errs...)
}

// GraphQLRoute reports whether api has a GraphQL route named route, and
// whether that route keeps its operations in the store.
func (g *Gateway) GraphQLRoute(api, route string) (exists, stored bool) {
	st := g.cur.Load()
	for i := range st.routes {
		e := &st.routes[i]
		if e.api == api && e.name == route && e.graphql != nil {
			return true, e.graphql.UsesStore()
		}
	}
	return false, false
}
