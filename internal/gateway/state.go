package gateway

import (
	"context"
	"fmt"
	"github.com/bulwark-gw/bulwark/internal/cors"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/authz"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/filter"
	"github.com/bulwark-gw/bulwark/internal/gateway/identity"
	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/graphql/stored"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/inspect"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/proxy"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/bruteforce"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
	"github.com/bulwark-gw/bulwark/internal/ratelimit/quota"
	"github.com/bulwark-gw/bulwark/internal/route"
	"github.com/bulwark-gw/bulwark/internal/waf"
)

// state is everything one Plan needs at request time. It is never mutated after
// build; a reload builds a new one.
type state struct {
	plan      *config.Plan
	table     *route.Table
	routes    []routeEntry // one per configured route
	specRoute []int        // route table spec index → index into routes
	trusted   *hygiene.Trusted
	upstreams []*proxy.Upstream
	id        *identity.Set
	owned     *hygiene.Owned      // headers only the gateway sets: client copies stripped
	shield    *limits.ShieldGuard // per client IP before authentication; nil = off
	v6prefix  int                 // IPv6 clients are grouped by this prefix length
	quotas    *limits.Counters    // quota counters by id, kept across reloads
	wafs      *waf.Pool           // Coraza instances by settings, kept across reloads
	graphqls  stored.Routes       // the GraphQL routes, for the admin API
	cancel    context.CancelFunc  // stops active health checks
}

// routeEntry is one route's ready-made chain.
type routeEntry struct {
	api        string
	name       string
	methods    []string // explicit allow-list; empty = any
	limits     hygiene.Limits
	upstream   *proxy.Upstream
	metrics    *metrics.RouteMetrics
	authn      *authn.Guard  // credentials, scopes, principal headers
	rateLimits *limits.Guard // rate limits and quota; nil for none
	brute      *bruteforce.LoginGuard
	authz      *authz.Guard   // nil when the route configures no authorization
	exposure   *filter.Guard  // the response guards (security headers at least)
	injection  *inspect.Guard // nil when validation, inspection and WAF are off
	graphql    *graphql.Stage // nil when the route is not GraphQL
	cors       *cors.Guard    // nil when the route has no cors section
}

// build turns a Plan into a state. Upstreams are created but their health checks
// start only in start, so a failed build leaves nothing running: every part
// that starts something registers its undo as it is made, and one deferred
// cleanup runs them, newest first, when any later step fails.
func build(plan *config.Plan, prev *state, d Deps) (st *state, err error) {
	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()
	trusted, err := hygiene.NewTrusted(plan.Server.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	var prevID *identity.Set
	var prevQuotas *limits.Counters
	var prevWAFs *waf.Pool
	if prev != nil {
		prevID, prevQuotas, prevWAFs = prev.id, prev.quotas, prev.wafs
	}
	var qs []*limits.Quota
	for _, api := range plan.APIs {
		for _, rt := range api.Routes {
			qs = append(qs, rt.Quota)
		}
	}
	var counts quota.Store // nil unless there is a store (a nil *store.Store is not)
	if d.Store != nil {
		counts = d.Store
	}
	quotas, err := limits.NewCounters(qs, prevQuotas, counts, d.Logger)
	if err != nil {
		return nil, err
	}
	undo = append(undo, func() { quotas.Retire(prevQuotas) })
	id, err := identity.Build(plan, prevID, identity.Deps{Store: d.Store, Logger: d.Logger, LoginBackend: d.Limiters.BruteForce})
	if err != nil {
		return nil, err
	}
	undo = append(undo, id.CloseOwned)
	st = &state{plan: plan, trusted: trusted, id: id, owned: hygiene.NewOwned(plan.Identity.Headers.List(), []string{"Authorization", id.KeyHeader()}),
		v6prefix: plan.Server.Shield.IPv6Prefix, quotas: quotas, wafs: waf.NewPool(prevWAFs),
		shield: limits.NewShield(plan.Server.Shield, d.Limiters.Local)}
	undo = append(undo, st.close)
	var specs []route.Spec
	for _, api := range plan.APIs {
		if errs, err := st.addAPI(api, &specs, d); err != nil {
			return nil, fmt.Errorf("api %s: %w", api.Name, err)
		} else if len(errs) > 0 {
			return nil, errs[0]
		}
	}
	if st.table, err = route.NewTable(specs); err != nil {
		return nil, fmt.Errorf("routes: %w", err)
	}
	return st, nil
}

// addAPI builds one API into st: its upstream and its routes' chains, each
// route with one table spec per host it serves (specs). build stops at the
// API's first problem: err for its OpenAPI document or upstream, else the
// first failing route's. Verify (st.id nil) builds every route and gets every
// problem: a document that does not load skips the API (config.Load reported
// it at the openapi field), an upstream that cannot be made is reported at
// the API's first route.
func (st *state) addAPI(api config.API, specs *[]route.Spec, d Deps) (errs []*RouteError, err error) {
	checking := st.id == nil
	var doc *openapi.Doc
	if api.OpenAPI != "" {
		if doc, err = openapi.Load(api.OpenAPI); err != nil {
			return nil, fmt.Errorf("openapi: %w", err)
		}
	}
	up, err := proxy.New(upstreamOf(api), d.Logger)
	switch {
	case err == nil:
		st.upstreams = append(st.upstreams, up)
	case !checking:
		return nil, err
	case len(api.Routes) > 0:
		errs = append(errs, &RouteError{API: api.Name, Route: "(upstream)", Line: api.Routes[0].Line, Err: err})
	default:
		errs = append(errs, &RouteError{API: api.Name, Route: "(upstream)", Err: err})
	}
	for _, rt := range api.Routes {
		e, rerrs := buildRoute(st.plan, api, rt, doc, st, d)
		if errs = append(errs, rerrs...); len(rerrs) > 0 && !checking {
			return errs, nil
		}
		e.upstream = up
		// A route without its own host serves every host of its API (any
		// host when the API names none): one table spec per host.
		hosts := []string{rt.Host}
		if rt.Host == "" && len(api.Hosts) > 0 {
			hosts = api.Hosts
		}
		for _, h := range hosts {
			*specs = append(*specs, route.Spec{Host: h, Methods: rt.Methods, Path: rt.Path})
			st.specRoute = append(st.specRoute, len(st.routes))
		}
		if e.graphql != nil {
			st.graphqls = append(st.graphqls, stored.Guarded{Route: stored.Route{API: api.Name, Name: rt.Name, Store: d.Store}, Guard: e.graphql.Guard})
		}
		st.routes = append(st.routes, e)
	}
	return errs, nil
}

// buildRoute builds one route's guards. It starts nothing: what a route uses
// that runs on its own (quota counters, authenticators) is the plan's, made
// before the routes. Every guard is built even when an earlier one failed,
// and every failure is returned, named by its config section, so that Verify
// reports all of a route's problems from the very code that serves it; build
// stops at the first.
//
// Verify builds with a state that has no identities (st.id nil): what needs
// the running store or an upstream — authenticators, quota counters, a GraphQL
// schema fetched by introspection — is made at start, and config.Load checked
// its configuration.
func buildRoute(plan *config.Plan, api config.API, rt config.Route, doc *openapi.Doc,
	st *state, d Deps) (routeEntry, []*RouteError) {
	checking := st.id == nil
	var errs []*RouteError
	fail := func(what string, err error) {
		if err != nil {
			errs = append(errs, &RouteError{API: api.Name, Route: rt.Name, Line: rt.Line, Err: fmt.Errorf("%s: %w", what, err)})
		}
	}
	e := routeEntry{api: api.Name, name: rt.Name, methods: rt.Methods, metrics: d.Metrics.Route(api.Name, rt.Name)}
	az := authz.Deps{AdminRoles: plan.Identity.AdminRoles, Records: d.records, Logger: d.Logger,
		Body: hygiene.UniqueKeyJSON, SetBody: hygiene.SetUniqueKeyJSON}
	if !checking {
		e.authn = authn.NewGuard(st.id.Chain(rt.Auth), st.owned.CleanRequest, authn.Options{Scopes: rt.Scopes, ScopesAny: rt.Authz.ScopesAny,
			KeepCredential: rt.KeepCredential, KeepOverrideHeaders: rt.Limits.KeepOverrideHeaders, Headers: plan.Identity.Headers})
		az.Unauthenticated = e.authn.Unauthenticated
	}
	var err error
	quotaOpts := rt.Quota
	if checking {
		quotaOpts = nil // its counter needs the store
	}
	e.rateLimits, err = limits.ForRoute(limits.Options{Limits: rt.RateLimits, Quota: quotaOpts, Priced: rt.GraphQL != nil}, st.quotas, d.Limiters.Shared)
	fail("rate_limits", err)
	e.brute, err = bruteforce.ForRoute(rt.BruteForce, d.Limiters.BruteForce, d.Limiters.Secret, d.Logger)
	fail("brute_force", err)
	if rt.CORS != nil {
		e.cors, err = cors.New(*rt.CORS) // config validated it; fail closed regardless
		fail("cors", err)
	}
	e.authz, err = authz.ForRoute(rt.Authz, doc.RouteReadOnly(rt.Methods, rt.Path), az)
	fail("authorization", err)
	e.exposure, err = filter.New(rt.Response, filter.Deps{Headers: plan.Server.SecurityHeaders, Doc: doc, Methods: rt.Methods, Path: rt.Path, Logger: d.Logger})
	fail("response", err)
	e.injection, err = inspect.ForRoute(injectionOf(rt, doc, st.wafs), inspect.Deps{Logger: d.Logger, Alert: d.Metrics.Alert})
	fail("injection", err)
	if !checking {
		e.graphql, err = buildGraphQL(rt, api, &e, d)
		fail("graphql", err)
	}
	e.limits = rt.Limits
	e.limits.JSONUniqueKeys = readsBody(e.authz, e.injection, e.brute) || rt.Limits.JSONDuplicateKeys == hygiene.JSONDupReject
	return e, errs
}

// start begins the upstreams' active health checks.
func (st *state) start() {
	ctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	for _, up := range st.upstreams {
		up.Start(ctx)
	}
}

// close stops health checks and releases idle upstream connections.
func (st *state) close() {
	if st.cancel != nil {
		st.cancel()
	}
	for _, up := range st.upstreams {
		up.Close()
	}
}

// readsBody reports whether a guard of the route decides on fields of the
// request body: ownership rules on the body and write-protected fields,
// validation, injection inspection or the WAF in block mode (monitor mode
// decides nothing, and a monitor rollout must not start refusing), and
// brute-force protection (usernames). Such a route refuses JSON with
// duplicate keys whatever its limits say, so the guard reads the value the
// upstream will.
func readsBody(az *authz.Guard, inj *inspect.Guard, brute *bruteforce.LoginGuard) bool {
	return (az != nil && az.ReadsBody()) || inj.Blocks() || brute != nil
}

// upstreamOf is the API's upstream options, named after the API.
func upstreamOf(api config.API) proxy.Config {
	c := api.Upstream
	c.Name = api.Name
	return c
}
