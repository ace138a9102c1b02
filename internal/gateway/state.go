package gateway

import (
	"context"
	"fmt"
	"github.com/bulwark-gw/bulwark/internal/cors"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/authn"
	"github.com/bulwark-gw/bulwark/internal/config"
	"github.com/bulwark-gw/bulwark/internal/filter"
	"github.com/bulwark-gw/bulwark/internal/graphql"
	"github.com/bulwark-gw/bulwark/internal/hygiene"
	"github.com/bulwark-gw/bulwark/internal/inspect"
	"github.com/bulwark-gw/bulwark/internal/jsonread/jsonfields"
	"github.com/bulwark-gw/bulwark/internal/metrics"
	"github.com/bulwark-gw/bulwark/internal/openapi"
	"github.com/bulwark-gw/bulwark/internal/proxy"
	"github.com/bulwark-gw/bulwark/internal/ratelimit"
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
	id        *identity
	owned     *hygiene.Owned  // headers only the gateway sets: client copies stripped
	shield    ratelimit.Limit // per client IP before authentication; Rate 0 = off
	v6prefix  int             // IPv6 clients are grouped by this prefix length
	quotas    map[string]*quotaEntry
	wafs      map[string]*waf.WAF // Coraza instances by settings, kept across reloads
	cancel    context.CancelFunc  // stops active health checks
}

// ownedHeaders is the set of headers the plan's gateway owns: the principal
// headers it sets, and the credential headers whose other spellings it strips.
func ownedHeaders(plan *config.Plan, keyHeader string) *hygiene.Owned {
	return hygiene.NewOwned(plan.Identity.Headers.List(), []string{"Authorization", keyHeader})
}

// routeEntry is one route's ready-made chain.
type routeEntry struct {
	api        string
	name       string
	methods    []string // explicit allow-list; empty = any
	limits     hygiene.Limits
	upstream   *proxy.Upstream
	metrics    *metrics.RouteMetrics
	authn      *authn.Chain
	scopes     []string // all required, checked on every request
	keepCred   bool     // pass the raw credential upstream
	rateLimits []limitEntry
	policies   string // RateLimit-Policy of all limits
	quota      *quotaEntry
	brute      *bruteEntry
	authz      *authzEntry // nil when the route configures no authorization
	scopesAny  bool
	exposure   *filter.Guard  // the response guards (security headers at least)
	injection  *inspect.Guard // nil when validation, inspection and WAF are off
	graphql    *graphql.Guard // nil when the route is not GraphQL
	cors       *cors.Guard    // nil when the route has no cors section
}

// build turns a Plan into a state. Upstreams are created but their health checks
// start only in start, so a failed build leaves nothing running.
func build(plan *config.Plan, prev *state, d Deps) (st *state, err error) {
	trusted, err := hygiene.NewTrusted(plan.Server.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	var prevID *identity
	var prevQuotas map[string]*quotaEntry
	var prevWAFs map[string]*waf.WAF
	if prev != nil {
		prevID, prevQuotas, prevWAFs = prev.id, prev.quotas, prev.wafs
	}
	quotas, err := buildQuotas(plan, prevQuotas, d.Store, d.Logger)
	if err != nil {
		return nil, err
	}
	id, err := buildIdentity(plan, prevID, d.Store, d.Logger)
	if err != nil {
		retireQuotas(quotas, prevQuotas)
		return nil, err
	}
	st = &state{plan: plan, trusted: trusted, id: id, owned: ownedHeaders(plan, id.keyHeader),
		v6prefix: plan.Server.Shield.IPv6Prefix, quotas: quotas, wafs: map[string]*waf.WAF{}}
	if sh := plan.Server.Shield; sh.Rate.N > 0 {
		st.shield = toLimit(sh.Rate, sh.Burst, "gcra")
	}
	var specs []route.Spec
	for _, api := range plan.APIs {
		var doc *openapi.Doc
		if api.OpenAPI != "" {
			if doc, err = openapi.Load(api.OpenAPI); err != nil {
				st.close()
				id.closeOwned()
				retireQuotas(quotas, prevQuotas)
				return nil, fmt.Errorf("api %s: openapi: %w", api.Name, err)
			}
		}
		up, err := proxy.New(upstreamConfig(api), d.Logger)
		if err != nil {
			st.close()
			id.closeOwned()
			return nil, fmt.Errorf("api %s: %w", api.Name, err)
		}
		st.upstreams = append(st.upstreams, up)
		guards := &apiGuards{doc: doc}
		for _, rt := range api.Routes {
			limits, err := buildLimits(rt.RateLimits, d.Limiters)
			var brute *bruteEntry
			if err == nil {
				brute, err = buildBrute(rt.BruteForce, d.Limiters)
			}
			if err != nil {
				st.close()
				id.closeOwned()
				retireQuotas(quotas, prevQuotas)
				return nil, err
			}
			var corsGuard *cors.Guard
			if rt.CORS != nil {
				if corsGuard, err = cors.New(*rt.CORS); err != nil { // config validated it; fail closed regardless
					st.close()
					id.closeOwned()
					retireQuotas(quotas, prevQuotas)
					return nil, fmt.Errorf("api %s route %s: cors: %w", api.Name, rt.Name, err)
				}
			}
			var q *quotaEntry
			if rt.Quota != nil {
				q = quotas[rt.Quota.ID]
			}
			authzCfg := withReadOnly(rt.Authz, doc, rt.Methods, rt.Path)
			var az *authzEntry
			chain := id.chain(rt.Auth, plan.Identity.Introspection)
			if hasAuthz(authzCfg) && err == nil {
				az, err = buildAuthz(authzCfg, plan.Identity.AdminRoles, d.records)
				if az != nil {
					az.unauthenticated = chain.Unauthenticated
				}
			}
			var ex *filter.Guard
			if err == nil {
				ex, err = buildExposure(plan, rt, doc, d.Logger)
			}
			var inj *inspect.Guard
			if err == nil {
				inj, err = buildInjection(rt, guards, st.wafs, prevWAFs, d)
			}
			var gq *graphql.Guard
			if err == nil {
				gq, err = buildGraphQL(rt, api, d.Logger, d.Store)
			}
			if err != nil {
				st.close()
				id.closeOwned()
				retireQuotas(quotas, prevQuotas)
				return nil, fmt.Errorf("route %s: %w", rt.Name, err)
			}
			// A route without its own host serves every host of its API (any
			// host when the API names none): one table spec per host.
			hosts := []string{rt.Host}
			if rt.Host == "" && len(api.Hosts) > 0 {
				hosts = api.Hosts
			}
			for _, h := range hosts {
				specs = append(specs, route.Spec{Host: h, Methods: rt.Methods, Path: rt.Path})
				st.specRoute = append(st.specRoute, len(st.routes))
			}
			st.routes = append(st.routes, routeEntry{
				api:        api.Name,
				name:       rt.Name,
				methods:    rt.Methods,
				limits:     hygieneLimits(rt.Limits, readsBody(az, inj, brute)),
				upstream:   up,
				metrics:    d.Metrics.Route(api.Name, rt.Name),
				authn:      chain,
				scopes:     rt.Scopes,
				keepCred:   rt.KeepCredential,
				rateLimits: limits,
				policies:   policies(limits),
				quota:      q,
				brute:      brute,
				authz:      az,
				scopesAny:  rt.Authz.ScopesAny,
				exposure:   ex,
				injection:  inj,
				graphql:    gq,
				cors:       corsGuard,
			})
		}
	}
	st.table, err = route.NewTable(specs)
	if err != nil {
		st.close()
		id.closeOwned()
		return nil, fmt.Errorf("routes: %w", err)
	}
	return st, nil
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

func upstreamConfig(api config.API) proxy.Config {
	u := api.Upstream
	return proxy.Config{
		Name:                  api.Name,
		Targets:               u.Targets,
		DialTimeout:           u.DialTimeout,
		ResponseHeaderTimeout: u.ResponseHeaderTimeout,
		RequestTimeout:        u.RequestTimeout,
		MaxFails:              u.MaxFails,
		FailWindow:            u.FailWindow,
		EjectFor:              u.EjectFor,
		HealthPath:            u.HealthPath,
		HealthInterval:        u.HealthInterval,
		HealthTimeout:         u.HealthTimeout,
		HealthyThreshold:      u.HealthyThreshold,
		UnhealthyThreshold:    u.UnhealthyThreshold,
		TLSInsecureSkipVerify: u.TLSInsecureSkipVerify,
		CAFile:                u.CAFile,
		PreserveHost:          u.PreserveHost,
	}
}

// readsBody reports whether a guard of the route decides on fields of the
// request body: ownership rules on the body and write-protected fields,
// validation, injection inspection or the WAF in block mode (monitor mode
// decides nothing, and a monitor rollout must not start refusing), and
// brute-force protection (usernames). Such a route refuses JSON with
// duplicate keys whatever its limits say, so the guard reads the value the
// upstream will.
func readsBody(az *authzEntry, inj *inspect.Guard, brute *bruteEntry) bool {
	return (az != nil && needsBody(az)) || inj.Blocks() || brute != nil
}

func hygieneLimits(l config.Limits, guarded bool) hygiene.Limits {
	return hygiene.Limits{
		JSONUniqueKeys:  guarded || l.JSONDuplicateKeys == config.JSONDupReject,
		MaxHeaderBytes:  l.MaxHeaderBytes,
		MaxHeaderCount:  l.MaxHeaderCount,
		MaxBodyBytes:    l.MaxBodyBytes,
		ReadBodyTimeout: l.ReadBodyTimeout,
		ContentTypes:    l.ContentTypes,
		JSONMaxDepth:    l.JSONMaxDepth,
		JSONMaxBytes:    l.JSONMaxBytes,

		KeepOverrideHeaders: l.KeepOverrideHeaders,
	}
}

func policies(limits []limitEntry) string {
	parts := make([]string, len(limits))
	for i, l := range limits {
		parts[i] = l.policy
	}
	return strings.Join(parts, ", ")
}

// hasAuthz reports whether a route configures any authorization beyond scopes.
func hasAuthz(a config.Authz) bool {
	return len(a.Roles) > 0 || a.Admin || len(a.Owner) > 0 || a.RecordsOwner != nil || a.FilterList != nil ||
		len(a.ReadonlyFields) > 0 || a.Enumeration != nil || a.Policy != ""
}

// withReadOnly adds the document's readOnly request properties to a route's
// write-protected fields: a client may not set what the contract says it only reads.
func withReadOnly(a config.Authz, doc *openapi.Doc, methods []string, path string) config.Authz {
	if doc == nil {
		return a
	}
	var extra []string
	for _, m := range methods {
		if m == "GET" || m == "HEAD" || m == "DELETE" {
			continue
		}
		if op, ok := doc.Match(m, path); ok {
			for _, f := range doc.ReadOnlyFields(op.Method, op.Path) {
				extra = append(extra, anchorField(f))
			}
		}
	}
	if len(extra) == 0 {
		return a
	}
	a.ReadonlyFields = append(append([]string(nil), a.ReadonlyFields...), extra...)
	return a
}

// anchorField keeps a field the document names where the document puts it: a
// top-level readOnly property "id" must not refuse an "id" nested in another
// object, as the bare name of a configured readonly_fields entry would
// (jsonfields.CompileField), so a single name becomes its JSON pointer.
func anchorField(f string) string {
	p, err := jsonfields.Compile(f)
	if err != nil || strings.HasPrefix(f, "/") {
		return f // a bad path fails again, with its message, in buildAuthz
	}
	segs := p.Segments()
	if len(segs) != 1 || segs[0].Any {
		return f
	}
	return "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(segs[0].Name)
}
