package stored

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bulwark-gw/bulwark/internal/graphql"
)

// Arg is a field argument an ownership rule reads (authz source graphql).
type Arg struct {
	Rule  string // the rule's id, for the error
	Field string // Type.field
	Arg   string
}

// Build builds the route's guard from o. Ownership rules on field arguments
// (args) make the guard read arguments (ReadArgs), and are checked against
// the schema here: config checked them against an SDL, an introspected
// schema is only known now. A route that introspects asks endpoint (its URL
// on the API's first target; "" when the API has none) for the schema now,
// with the client that client makes (the upstream's TLS settings); a failure
// fails the start or the reload, which keeps the serving state. Learning mode
// logs each new operation hash once and, with persisted.store, records it in
// the store; the operations registered there are loaded now.
func (r Route) Build(o graphql.Options, endpoint string, client func() (*http.Client, error), args []Arg) (*graphql.Guard, error) {
	o.ReadArgs = o.ReadArgs || len(args) > 0 // the authz guard reads x.GraphQL
	if o.Persisted.Store && r.Store == nil {
		return nil, errors.New("graphql: persisted.store needs a store (store: in the config)")
	}
	if o.Persisted.Mode == graphql.PersistedLearn {
		o.OnLearn = r.Learner(o.Persisted.Store)
	}
	var c *http.Client
	if o.Introspect && endpoint != "" {
		var err error
		if c, err = client(); err != nil {
			return nil, fmt.Errorf("graphql: introspecting %s: %w", endpoint, err)
		}
		defer c.CloseIdleConnections()
	}
	g, err := graphql.NewFromUpstream(o, endpoint, c)
	if err != nil {
		return nil, err
	}
	for _, a := range args {
		if err := g.CheckArgument(a.Field, a.Arg); err != nil {
			return nil, fmt.Errorf("graphql: owner rule %s: %w", a.Rule, err)
		}
	}
	if g.UsesStore() {
		ctx, cancel := context.WithTimeout(context.Background(), graphql.IntrospectTimeout)
		defer cancel()
		if err := r.Load(ctx, g); err != nil {
			return nil, fmt.Errorf("graphql: %w", err)
		}
	}
	return g, nil
}

// Guarded is one GraphQL route of a serving state, with its guard.
type Guarded struct {
	Route
	Guard *graphql.Guard
}

// Routes are the GraphQL routes of a serving state.
type Routes []Guarded

// Learned is what one GraphQL route in learning mode has seen.
type Learned struct {
	API        string            `json:"api"`
	Route      string            `json:"route"`
	Operations []graphql.Learned `json:"operations"`
}

// Learned lists the operations the routes in learning mode have seen, route
// by route (never nil).
func (rs Routes) Learned() []Learned {
	out := []Learned{}
	for _, r := range rs {
		if r.Guard.Mode() == graphql.PersistedLearn {
			out = append(out, Learned{API: r.API, Route: r.Name, Operations: r.Guard.Learned()})
		}
	}
	return out
}

// Refresh reloads, for every route with persisted.store, the operations
// registered in the store; the errors name their routes.
func (rs Routes) Refresh(ctx context.Context) error {
	var errs []error
	for _, r := range rs {
		if !r.Guard.UsesStore() || r.Store == nil {
			continue
		}
		if err := r.Load(ctx, r.Guard); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", r.API, r.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Find reports whether api has a GraphQL route named name, and whether that
// route keeps its operations in the store.
func (rs Routes) Find(api, name string) (exists, stored bool) {
	for _, r := range rs {
		if r.API == api && r.Name == name {
			return true, r.Guard.UsesStore()
		}
	}
	return false, false
}
