// Package stored keeps a GraphQL route's persisted operations in the store
// (persisted.store): learning mode records the operations it sees there, off
// the request path, and the guard of a route in allow mode runs the ones
// registered there (the admin API and `bulwark graphql` register them).
package stored

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/store"
)

// Route is one GraphQL route's place in the store.
type Route struct {
	API, Name string
	Store     *store.Store // nil: nothing is stored
	Logger    *slog.Logger // nil: nothing is logged
}

// writes bounds the store writes learning mode has in flight, process-wide; a
// new operation seen while they are all busy is logged, not stored.
var writes = make(chan struct{}, 8)

// Learner is a learning-mode route's graphql.Options.OnLearn: each new
// operation hash is logged once and, with useStore, recorded in the store off
// the request path.
func (r Route) Learner(useStore bool) func(hash, name, query string) {
	return func(hash, name, query string) {
		if r.Logger != nil {
			r.Logger.Info("graphql operation learned", "api", r.API, "route", r.Name, "hash", hash, "operation_name", name)
		}
		if !useStore || r.Store == nil {
			return
		}
		op := store.GraphQLOperation{API: r.API, Route: r.Name, Hash: hash, Query: query, OperationName: name}
		if len(query) > store.MaxGraphQLQuery || len(name) > store.MaxGraphQLName {
			op.Query, op.OperationName = "", ""
		}
		select {
		case writes <- struct{}{}:
		default:
			if r.Logger != nil {
				r.Logger.Warn("graphql operation not stored: the store is busy", "api", r.API, "route", r.Name, "hash", hash)
			}
			return
		}
		go func() {
			defer func() { <-writes }()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := r.Store.LearnGraphQLOperation(ctx, op); err != nil && r.Logger != nil {
				r.Logger.Warn("graphql operation not stored", "api", r.API, "route", r.Name, "hash", hash, "error", err)
			}
		}()
	}
}

// Load gives g the operations registered for the route in the store.
func (r Route) Load(ctx context.Context, g *graphql.Guard) error {
	ops, err := r.Store.GraphQLOperations(ctx, store.GraphQLOperationFilter{API: r.API, Route: r.Name,
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
