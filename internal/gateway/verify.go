package gateway

import (
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/authz"
	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/route"
	"github.com/bulwark-gw/bulwark/internal/waf"
)

// RouteError is a problem that only building a route finds, with the route's
// line in the config file.
type RouteError struct {
	API, Route string
	Line       int
	Err        error
}

func (e *RouteError) Error() string {
	return fmt.Sprintf("api %s, route %s: %v", e.API, e.Route, e.Err)
}

// Verify builds every API's upstream and every route's guards with the code
// serve builds them with (addAPI, buildRoute), without starting anything, and returns
// every problem with its route's line, so that `bulwark check` refuses exactly
// what `bulwark serve` would. What needs the running store or an upstream
// (authenticators, API-key and ownership lookups, quota counters, a GraphQL
// schema by introspection) is built at start; config.Load checked its
// configuration.
func Verify(plan *config.Plan) []*RouteError {
	lim, err := Limiters{}.withDefaults()
	if err != nil {
		return []*RouteError{{Route: "(limiters)", Err: err}}
	}
	// Ownership records live in the store, opened at start: a plan without a
	// store cannot have them (as serve finds), one with a store can.
	noRecords := func() (authz.Records, error) {
		if plan.Store == "" {
			return nil, ownership.ErrNoStore
		}
		return nil, nil
	}
	d := Deps{Metrics: metrics.New(), Limiters: lim, records: noRecords}
	st := &state{plan: plan, wafs: waf.NewPool(nil)} // no identities: see buildRoute
	defer st.close()
	var out []*RouteError
	var specs []route.Spec
	for _, api := range plan.APIs {
		errs, _ := st.addAPI(api, &specs, d) // an error: config.Load reported the openapi field
		out = append(out, errs...)
	}
	return out
}
