package config

import (
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/ratelimit/limits"
	"github.com/bulwark-gw/bulwark/internal/route"
)

// buildRoutes builds an API's routes with their effective limits.
// routeDefaults is what a route inherits from its API.
type routeDefaults struct {
	hosts  []string
	limits Limits
	auth   []string // nil when the API sets no auth list
	id     *Identity

	cluster    Cluster
	api        string
	rateLimits []limits.RateLimit // the API's, inherited by routes without their own
	quota      *limits.Quota
	response   *responseConfig
	hasDoc     bool
	inspect    *inspectConfig
	validation *validationConfig
	waf        *wafConfig
	cors       *corsConfig
	graphql    *graphqlDefaults
	apiPath    string
}

func (d *decoder) buildRoutes(in []routeConfig, apiPath string, def routeDefaults) []Route {
	if len(in) == 0 {
		d.errorf(apiPath+".routes", "at least one route is required (match: /** passes every path)")
	}
	out := make([]Route, 0, len(in))
	seen := make(map[string]int, len(in))
	for i, rc := range in {
		path := indexPath(apiPath+".routes", i)
		r := d.buildRoute(rc, path, def)
		if r.Name != "" {
			if first, dup := seen[r.Name]; dup {
				namePath := path + ".name"
				if rc.Name == nil {
					namePath = path + ".match"
				}
				d.errorf(namePath, "duplicate route name %q in this API (first at line %d): give one a distinct name", r.Name, first)
			} else {
				seen[r.Name] = r.Line
			}
		}
		out = append(out, r)
	}
	return out
}

func (d *decoder) buildRoute(rc routeConfig, path string, def routeDefaults) Route {
	r := Route{Line: d.line(path), Host: strings.ToLower(orDefault(rc.Host, ""))}
	match := strings.TrimSpace(orDefault(rc.Match, ""))
	if match == "" {
		d.errorf(path+".match", "match is required, like \"GET /users/{id}\" or \"/health\"")
	} else {
		r.Methods, r.Path = d.parseMatch(match, path+".match")
	}
	if rc.Methods != nil {
		if strings.ContainsAny(match, " \t") {
			d.errorf(path+".methods", "methods are already given in match; use one or the other")
		} else {
			r.Methods = d.methods(rc.Methods, path+".methods")
		}
	}
	r.Name = orDefault(rc.Name, match)
	if rc.Name != nil && strings.TrimSpace(r.Name) == "" {
		d.errorf(path+".name", "name must not be empty")
	}
	d.checkRouteHost(r.Host, def.hosts, path+".host")
	r.Limits = d.mergeLimits(def.limits, rc.Limits, path+".limits")
	d.routeAuth(&r, rc, path, def)
	d.routeLimits(&r, rc, path, def)
	d.routeAuthz(&r, rc, path)
	r.Response = d.buildResponse(def.response, rc.Response, path+".response", def.hasDoc)
	d.checkInspect(rc.Inspect, path+".inspect")
	d.checkValidation(rc.Validation, path+".validation", def.hasDoc)
	d.checkWAF(rc.WAF, path+".waf")
	r.Inspect = buildInspect(def.inspect, rc.Inspect)
	r.Validation = buildValidation(def.validation, rc.Validation, def.hasDoc)
	r.WAF = buildWAF(def.waf, rc.WAF)
	r.GraphQL = d.buildGraphQL(def.graphql, rc.GraphQL, path+".graphql", &r)
	d.checkGraphQLAuthz(&r, path)
	d.checkCostUnits(rc, path)
	r.CORS = d.buildCORS(def.cors, rc.CORS, def.apiPath+".cors", path+".cors")
	return r
}

// parseMatch splits "GET,POST /path" or "/path" and checks the template.
func (d *decoder) parseMatch(match, path string) ([]string, string) {
	var methods []string
	tmpl := match
	if i := strings.IndexAny(match, " \t"); i >= 0 {
		methods = d.methodList(strings.Split(match[:i], ","), path)
		tmpl = strings.TrimSpace(match[i:])
	}
	if _, err := route.ParseTemplate(tmpl); err != nil {
		msg := strings.TrimPrefix(err.Error(), route.ErrInvalidTemplate.Error()+": ")
		d.errorf(path, "invalid path template %q: %s", tmpl, msg)
	} else if seg, ok := colonParam(tmpl); ok {
		// Express/Kong style: taken literally it would match only the text ":id".
		d.errorf(path, "path parameters are written {%s}, not :%s (as written, the route matches only the literal text %q)", seg, seg, ":"+seg)
	}
	return methods, tmpl
}

// colonParam finds a segment written as an Express-style parameter (":id").
func colonParam(tmpl string) (string, bool) {
	for _, seg := range strings.Split(tmpl, "/") {
		if name, ok := strings.CutPrefix(seg, ":"); ok && name != "" && strings.IndexFunc(name, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) < 0 {
			return name, true
		}
	}
	return "", false
}

// methods validates a methods list given as its own field.
func (d *decoder) methods(in []string, path string) []string {
	if len(in) == 0 {
		d.errorf(path, "list at least one method, or remove methods to allow any")
	}
	out := make([]string, 0, len(in))
	for i, m := range in {
		if up, ok := method(m); ok {
			out = appendNew(out, up)
		} else {
			d.errorf(indexPath(path, i), "expected an HTTP method like GET, got %q", m)
		}
	}
	return out
}

// methodList validates the methods written in a match string.
func (d *decoder) methodList(in []string, path string) []string {
	out := make([]string, 0, len(in))
	for _, m := range in {
		if up, ok := method(m); ok {
			out = appendNew(out, up)
		} else {
			d.errorf(path, "expected an HTTP method like GET before the path, got %q", m)
		}
	}
	return out
}

// method upper-cases an HTTP method and checks it is a token of letters,
// digits, - and _ (every registered method is; exotic tokens are refused).
func method(m string) (string, bool) {
	m = strings.ToUpper(strings.TrimSpace(m))
	if m == "" {
		return m, false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return m, false
		}
	}
	return m, true
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// checkRouteHost requires a route's host to be one of its API's patterns.
func (d *decoder) checkRouteHost(host string, hosts []string, path string) {
	switch {
	case host == "":
	case !validHostPattern(host):
		d.errorf(path, "expected a host name like api.example.com, got %q", host)
	case len(hosts) > 0 && !slices.Contains(hosts, host):
		d.errorf(path, "host %q is not one of this API's hosts (%s)", host, strings.Join(hosts, ", "))
	}
}

// maxRoutes bounds the routes of one config, and so the pairwise conflict
// check.
const maxRoutes = 10000

// routeRef is one route's entry in the conflict check.
type routeRef struct {
	path  string // apis[0].routes[1]
	spec  route.Spec
	line  int
	order int // position in the file, to report at the later route
}

// checkConflicts reports every pair of routes that could match the same
// request equally well, at the later of the two. A route is compared once
// per host it is reachable on; route.Overlap decides, and only pairs that
// can possibly overlap (see shapeKey, after Overlap's contract of equal
// hosts and same-shape templates) are handed to it.
func (d *decoder) checkConflicts(apis []API) {
	buckets := make(map[string][]routeRef)
	var keys []string
	n := 0
	for i, api := range apis {
		for j, r := range api.Routes {
			n++
			if !d.templateOK(r.Path) {
				continue
			}
			ref := routeRef{path: fmtPath("apis[%d].routes[%d]", i, j), line: r.Line, order: n}
			for _, spec := range specsOf(api, r) {
				ref.spec = spec
				key := shapeKey(spec)
				if _, ok := buckets[key]; !ok {
					keys = append(keys, key)
				}
				buckets[key] = append(buckets[key], ref)
			}
		}
	}
	if n > maxRoutes {
		d.errorf("apis", "%d routes declared; the limit is %d", n, maxRoutes)
		return
	}
	reported := make(map[[2]int]bool)
	for _, k := range keys {
		d.conflictsIn(buckets[k], reported)
	}
}

// conflictsIn compares every pair in one bucket, reporting each pair of
// routes once.
func (d *decoder) conflictsIn(refs []routeRef, reported map[[2]int]bool) {
	for j := range refs {
		for i := range j {
			a, b := refs[i], refs[j]
			pair := [2]int{a.order, b.order}
			if a.order == b.order || reported[pair] || !route.Overlap(a.spec, b.spec) {
				continue
			}
			reported[pair] = true
			d.errorf(b.path+".match", "route conflicts with %s (%s:%d): a request could match both equally well",
				a.path, d.file, a.line)
		}
	}
}

// shapeKey buckets specs that could possibly overlap: same host pattern,
// same number of segments, and the same first segment when it is a literal.
// route.Overlap has the final word within a bucket.
func shapeKey(s route.Spec) string {
	body := strings.TrimSuffix(strings.TrimPrefix(s.Path, "/"), "/")
	if body == "" {
		return s.Host + " 0"
	}
	first, _, _ := strings.Cut(body, "/")
	if strings.HasPrefix(first, "{") || first == "**" {
		first = "*" // a parameter or glob: only its kind matters
	}
	return s.Host + " " + strconv.Itoa(strings.Count(body, "/")+1) + " " + first
}

func (d *decoder) templateOK(path string) bool {
	if path == "" {
		return false
	}
	_, err := route.ParseTemplate(path)
	return err == nil
}

// specsOf returns one Spec per host the route is reachable on.
func specsOf(api API, r Route) []route.Spec {
	hosts := api.Hosts
	if r.Host != "" {
		hosts = []string{r.Host}
	}
	if len(hosts) == 0 {
		hosts = []string{""}
	}
	specs := make([]route.Spec, len(hosts))
	for i, h := range hosts {
		specs[i] = route.Spec{Host: h, Methods: r.Methods, Path: r.Path}
	}
	return specs
}

// routeAuth sets the route's auth list (its own, else the API's), scopes and
// credential pass-through. A route without an auth list is an error: open
// access must be said explicitly with auth: [none].
func (d *decoder) routeAuth(r *Route, rc routeConfig, path string, def routeDefaults) {
	switch {
	case rc.Auth != nil:
		r.Auth = d.authList(rc.Auth, path+".auth", def.id)
	case def.auth != nil:
		r.Auth = slices.Clone(def.auth)
	default:
		d.errorf(path, "no auth list: set auth on the route or its API (auth: [none] for an open route)")
	}
	for i, s := range rc.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\"\\") {
			d.errorf(indexPath(path+".scopes", i), "a scope is a non-empty token without spaces or quotes, got %q", s)
			continue
		}
		r.Scopes = appendNew(r.Scopes, s)
	}
	if len(r.Scopes) > 0 && slices.Contains(r.Auth, AuthNone) {
		// An anonymous caller is never checked for scopes: with none in the
		// list, the scopes would bind only callers who chose to authenticate.
		d.errorf(path+".scopes", "scopes need an authenticated caller, but this route's auth lists none")
	}
	r.KeepCredential = orDefault(rc.KeepCredential, false)
	r.DataCategories = slices.Clone(rc.DataCategories) // checked in checkOAuthRoutes
}

// callerKey reports a limit key that names the authenticated caller.
func callerKey(by string) bool {
	return by == "consumer" || by == "subject" || by == "api_key" || strings.HasPrefix(by, "claim:")
}

// checkAnonymousKeys refuses a route's own limit or quota keyed by the
// caller where no caller is ever authenticated (auth: [none]): every request
// would be counted per client IP. Limits inherited from the API count a
// route's anonymous callers per client IP, as documented.
func (d *decoder) checkAnonymousKeys(r *Route, rc routeConfig, path string) {
	if !slices.Equal(r.Auth, []string{AuthNone}) {
		return
	}
	if rc.RateLimits != nil {
		for i, l := range r.RateLimits {
			for j, by := range l.By {
				if callerKey(by) {
					d.errorf(indexPath(indexPath(path+".rate_limits", i)+".by", j),
						"%q on a route whose auth is [none]: no caller is authenticated, so it would count per client IP; use ip", by)
				}
			}
		}
	}
	if rc.Quota != nil && r.Quota != nil && callerKey(r.Quota.By) {
		d.errorf(path+".quota.by", "%q on a route whose auth is [none]: no caller is authenticated, so it would count per client IP; use ip", r.Quota.By)
	}
}

// routeLimits sets the route's rate limits and quota (its own, else the API's)
// and its brute-force protection.
func (d *decoder) routeLimits(r *Route, rc routeConfig, path string, def routeDefaults) {
	id := def.api + "/" + r.Name
	switch {
	case rc.RateLimits != nil:
		r.RateLimits = d.rateLimits(rc.RateLimits, path+".rate_limits", id, def.cluster)
	default:
		r.RateLimits = slices.Clone(def.rateLimits)
	}
	switch {
	case rc.Quota != nil:
		r.Quota = d.buildQuota(rc.Quota, path+".quota", id)
	default:
		r.Quota = def.quota
	}
	d.checkAnonymousKeys(r, rc, path)
	r.BruteForce = d.buildBruteForce(rc.BruteForce, path+".brute_force")
	if r.BruteForce != nil && slices.Equal(r.Methods, []string{"GET"}) {
		d.warnf(path+".brute_force", "brute-force protection reads the username from the request body; a GET route has none")
	}
}
