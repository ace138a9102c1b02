package gateway

import (
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/authz"
	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/proxy"
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
// serve builds them with (buildRoute), without starting anything, and returns
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
	var out []*RouteError
	for _, api := range plan.APIs {
		var doc *openapi.Doc
		if api.OpenAPI != "" {
			if doc, err = openapi.Load(api.OpenAPI); err != nil {
				continue // config.Load reported it at the openapi field
			}
		}
		if up, err := proxy.New(upstreamOf(api), nil); err != nil {
			line := 0
			if len(api.Routes) > 0 {
				line = api.Routes[0].Line
			}
			out = append(out, &RouteError{API: api.Name, Route: "(upstream)", Line: line, Err: err})
		} else {
			up.Close()
		}
		for _, rt := range api.Routes {
			_, errs := buildRoute(plan, api, rt, doc, st, d)
			out = append(out, errs...)
		}
	}
	return out
}
