package gateway

import (
	"crypto/rand"
	"fmt"

	"github.com/bulwark-gw/bulwark/internal/authz"
	"github.com/bulwark-gw/bulwark/internal/authz/ownership"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/cors"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/proxy"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
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

// Verify builds every guard of every route the way serve builds them —
// upstreams, rate limits, brute force, CORS, authorization, response filters
// (against the OpenAPI document), validation, inspection and the WAF — without
// starting anything, and returns every problem with its route's line, so that
// `bulwark check` refuses exactly what `bulwark serve` would. What needs the
// running store (API-key and ownership lookups, quota counters) is built at
// start; its configuration was checked by config.Load.
func Verify(plan *config.Plan) []*RouteError {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	mem := ratelimit.NewMemory(ratelimit.MemoryConfig{})
	lim := Limiters{Local: mem, BruteForce: bruteforce.NewMemoryBackend(), Secret: secret,
		Shared: func(string) ratelimit.Limiter { return mem }}
	// Ownership records live in the store, opened at start: a plan without a
	// store cannot have them (as serve finds), one with a store can.
	noRecords := func() (authz.Records, error) {
		if plan.Store == "" {
			return nil, ownership.ErrNoStore
		}
		return nil, nil
	}
	wafs := waf.NewPool(nil)
	var out []*RouteError
	for _, api := range plan.APIs {
		var doc *openapi.Doc
		if api.OpenAPI != "" {
			var err error
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
			add := func(what string, err error) {
				if err != nil {
					out = append(out, &RouteError{API: api.Name, Route: rt.Name, Line: rt.Line, Err: fmt.Errorf("%s: %w", what, err)})
				}
			}
			_, err := limits.New(limits.Options{Limits: rt.RateLimits}, limits.Deps{Limiter: lim.Shared}) // quota counters need the store
			add("rate_limits", err)
			_, err = buildBrute(rt.BruteForce, lim, nil)
			add("brute_force", err)
			if rt.CORS != nil {
				_, err = cors.New(*rt.CORS)
				add("cors", err)
			}
			_, err = buildAuthz(rt, doc, authz.Deps{AdminRoles: plan.Identity.AdminRoles, Records: noRecords})
			add("authorization", err)
			_, err = buildExposure(plan, rt, doc, nil)
			add("response", err)
			_, err = buildInjection(rt, doc, wafs, Deps{})
			add("injection", err)
		}
	}
	return out
}
