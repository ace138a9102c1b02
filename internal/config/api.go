package config

import (
	"fmt"
	"strings"
)

// buildAPIs builds every API, checking names are present, well-formed and
// unique.
func (d *decoder) buildAPIs(in []apiConfig, base Limits, p *Plan) []API {
	if len(in) == 0 {
		d.errorf("apis", "at least one API is required under apis:")
	}
	out := make([]API, 0, len(in))
	seen := make(map[string]string, len(in))
	for i, a := range in {
		path := indexPath("apis", i)
		api := d.buildAPI(a, path, base, p)
		if api.Name != "" {
			if first, dup := seen[api.Name]; dup {
				d.errorf(path+".name", "duplicate API name %q (first at %s)", api.Name, first)
			} else {
				seen[api.Name] = fmt.Sprintf("%s.name, line %d", path, d.line(path+".name"))
			}
		}
		out = append(out, api)
	}
	return out
}

func (d *decoder) buildAPI(a apiConfig, path string, base Limits, p *Plan) API {
	id := &p.Identity
	api := API{Name: orDefault(a.Name, "")}
	switch {
	case a.Name == nil:
		d.errorf(path+".name", "name is required")
	case !validName(api.Name):
		d.errorf(path+".name", "name must be lower-case letters, digits, _ and -, got %q", api.Name)
	}
	api.Hosts = d.hosts(a.Hosts, path+".hosts")
	if a.Upstream == nil {
		d.errorf(path+".upstream", "upstream is required")
	} else {
		api.Upstream = d.buildUpstream(*a.Upstream, path+".upstream")
	}
	limits := d.mergeLimits(base, a.Limits, path+".limits")
	var auth []string
	if a.Auth != nil {
		auth = d.authList(a.Auth, path+".auth", id)
	}
	// The API's limits and quota are one bucket space for the API: routes that
	// inherit them share the API's counters.
	if a.OpenAPI != nil {
		api.OpenAPI = d.res.abs(*a.OpenAPI)
		d.checkOpenAPI(path+".openapi", api.OpenAPI)
	}
	def := routeDefaults{hosts: api.Hosts, limits: limits, auth: auth, id: id, cluster: p.Cluster, api: api.Name,
		quota: d.buildQuota(a.Quota, path+".quota", api.Name), response: a.Response, hasDoc: api.OpenAPI != "",
		inspect: a.Inspect, validation: a.Validation, waf: a.WAF, cors: a.CORS, apiPath: path,
		graphql: d.graphqlAPI(a.GraphQL, path+".graphql")}
	d.checkInspect(a.Inspect, path+".inspect")
	d.checkValidation(a.Validation, path+".validation", def.hasDoc)
	d.checkWAF(a.WAF, path+".waf")
	if a.RateLimits != nil {
		def.rateLimits = d.rateLimits(a.RateLimits, path+".rate_limits", api.Name, p.Cluster)
	}
	api.Routes = d.buildRoutes(a.Routes, path, def)
	return api
}

// validName reports whether s matches [a-z0-9_-]+.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// hosts validates and lower-cases host patterns.
func (d *decoder) hosts(in []string, path string) []string {
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for i, h := range in {
		p := indexPath(path, i)
		h = strings.ToLower(h)
		switch {
		case !validHostPattern(h):
			d.errorf(p, "expected a host name like api.example.com or *.example.com (no scheme, port or path), got %q", in[i])
		case seen[h]:
			d.errorf(p, "duplicate host %q", h)
		default:
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// validHostPattern accepts a DNS name, optionally starting with "*.".
func validHostPattern(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
