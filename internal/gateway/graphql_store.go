package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// learnWrites bounds the store writes learning mode has in flight; a new
// operation seen while they are all busy is logged, not stored.
var learnWrites = make(chan struct{}, 8)

// graphqlLearner is a learning-mode route's OnLearn: each new operation
// hash is logged once and, with persisted.store, recorded in the store off
// the request path.
func graphqlLearner(api, route string, logger *slog.Logger, st *store.Store, useStore bool) func(hash, name, query string) {
	return func(hash, name, query string) {
		if logger != nil {
			logger.Info("graphql operation learned", "api", api, "route", route, "hash", hash, "operation_name", name)
		}
		if !useStore || st == nil {
			return
		}
		op := store.GraphQLOperation{API: api, Route: route, Hash: hash, Query: query, OperationName: name}
		if len(query) > store.MaxGraphQLQuery || len(name) > store.MaxGraphQLName {
			op.Query, op.OperationName = "", ""
		}
		select {
		case learnWrites <- struct{}{}:
		default:
			if logger != nil {
				logger.Warn("graphql operation not stored: the store is busy", "api", api, "route", route, "hash", hash)
			}
			return
		}
		go func() {
			defer func() { <-learnWrites }()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := st.LearnGraphQLOperation(ctx, op); err != nil && logger != nil {
				logger.Warn("graphql operation not stored", "api", api, "route", route, "hash", hash, "error", err)
			}
		}()
	}
}

// loadStoredOperations gives g the operations registered for its route in
// the store.
func loadStoredOperations(ctx context.Context, st *store.Store, api, route string, g *graphql.Guard) error {
	ops, err := st.GraphQLOperations(ctx, store.GraphQLOperationFilter{API: api, Route: route,
		Status: store.GraphQLRegistered, Limit: store.MaxGraphQLOpsLimit})
	if err != nil {
		return fmt.Errorf("loading registered operations: %w", err)
	}
	m := make(map[string]string, len(ops))
	for _, op := range ops {
		m[op.Hash] = op.Query
	}
	g.SetStored(m)
	return nil
}

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
		if err := loadStoredOperations(ctx, g.deps.Store, e.api, e.name, e.graphql); err != nil {
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
