package admin

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/config"
)

// routeView is one route as the admin API shows it: snake_case fields,
// durations and sizes as strings, and the guards it runs in pipeline order —
// the answer to "what protects this route?".
type routeView struct {
	API     string      `json:"api"`
	Name    string      `json:"name"`
	Host    string      `json:"host,omitempty"`
	Methods []string    `json:"methods,omitempty"`
	Path    string      `json:"path"`
	Line    int         `json:"line,omitempty"`
	Limits  limitsView  `json:"limits"`
	Guards  []guardView `json:"guards"`
}

type limitsView struct {
	MaxHeaderBytes  int      `json:"max_header_bytes"`
	MaxHeaderCount  int      `json:"max_header_count"`
	MaxBodyBytes    int64    `json:"max_body_bytes"`
	ReadBodyTimeout string   `json:"read_body_timeout"`
	JSONMaxDepth    int      `json:"json_max_depth"`
	JSONMaxBytes    int64    `json:"json_max_bytes"`
	ContentTypes    []string `json:"content_types,omitempty"`
}

// guardView is one stage of a route's pipeline: its name, its mode (block,
// monitor, off where the guard has modes; on otherwise) and what it checks.
type guardView struct {
	Guard  string `json:"guard"`
	Mode   string `json:"mode"`
	Detail string `json:"detail,omitempty"`
}

func newRouteView(api config.API, rt config.Route) routeView {
	l := rt.Limits
	return routeView{API: api.Name, Name: rt.Name, Host: rt.Host, Methods: rt.Methods, Path: rt.Path, Line: rt.Line,
		Limits: limitsView{MaxHeaderBytes: l.MaxHeaderBytes, MaxHeaderCount: l.MaxHeaderCount, MaxBodyBytes: l.MaxBodyBytes,
			ReadBodyTimeout: l.ReadBodyTimeout.String(), JSONMaxDepth: l.JSONMaxDepth, JSONMaxBytes: l.JSONMaxBytes,
			ContentTypes: l.ContentTypes},
		Guards: routeGuards(api, rt)}
}

// routeGuards lists the guards of rt in the order the gateway runs them
// (gateway.admit, then the response guards).
func routeGuards(api config.API, rt config.Route) []guardView {
	g := []guardView{{Guard: "hygiene", Mode: "block", Detail: "canonical path, header, body and JSON limits"}}
	add := func(guard, mode, detail string) { g = append(g, guardView{guard, mode, detail}) }
	if c := rt.CORS; c != nil {
		mode := "block"
		if c.PassRefused {
			mode = "monitor"
		}
		add("cors", mode, strings.Join(c.AllowOrigins, ", "))
	}
	auth := strings.Join(rt.Auth, ", ")
	if len(rt.Scopes) > 0 {
		auth += "; scopes " + strings.Join(rt.Scopes, ", ")
	}
	add("authentication", "block", auth)
	for _, l := range rt.RateLimits {
		add("rate_limit", "block", fmt.Sprintf("by %s, %d per %s, burst %d, %s on Redis failure", strings.Join(l.By, "+"), l.Rate.N, l.Rate.Per, l.Burst, l.OnRedisFailure))
	}
	if q := rt.Quota; q != nil {
		add("quota", "block", fmt.Sprintf("%d per %s by %s", q.Limit, q.Period, q.By))
	}
	if api.OpenAPI != "" && rt.Validation.Mode != "" {
		add("contract", rt.Validation.Mode, fmt.Sprintf("OpenAPI, strict %v", rt.Validation.Strict))
	}
	if rt.Inspect.Mode != "" {
		add("injection", rt.Inspect.Mode, strings.Join(rt.Inspect.Detectors, ", "))
	}
	if rt.WAF.Mode != "" && rt.WAF.Mode != "off" {
		add("waf", rt.WAF.Mode, fmt.Sprintf("OWASP CRS paranoia %d", rt.WAF.Paranoia))
	}
	a := rt.Authz
	switch {
	case a.Admin:
		add("function_level", "block", "admin roles only")
	case len(a.Roles) > 0:
		add("roles", "block", strings.Join(a.Roles, ", "))
	}
	for _, o := range a.Owner {
		target := o.Equals
		if o.Object != "" {
			target = "owner of " + o.Object
		}
		add("ownership", "block", fmt.Sprintf("%s %s must be %s", o.Source, o.Name, target))
	}
	if len(a.ReadonlyFields) > 0 {
		add("mass_assignment", a.OnReadonly, strings.Join(a.ReadonlyFields, ", "))
	}
	if a.Policy != "" {
		add("policy", "block", "CEL")
	}
	if a.Enumeration != nil {
		mode := "monitor"
		if a.Enumeration.BlockFor > 0 {
			mode = "block"
		}
		add("enumeration", mode, "")
	}
	if rt.BruteForce != nil {
		add("brute_force", "block", "")
	}
	r := rt.Response
	if r.Contract || len(r.Allow) > 0 || len(r.Deny) > 0 {
		add("response_filter", "block", "")
	}
	if len(r.Sensitive) > 0 {
		add("sensitive_values", "block", "")
	}
	if r.SanitizeErrors {
		add("error_sanitizer", "block", "")
	}
	return g
}

func (a *API) routes(w http.ResponseWriter, r *http.Request) {
	out := []routeView{}
	for _, api := range a.d.Gateway.Plan().APIs {
		for _, rt := range api.Routes {
			out = append(out, newRouteView(api, rt))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// GuardView is one guard of a route, as RouteGuards lists it.
type GuardView = guardView

// RouteGuards lists the guards of rt in the order the gateway runs them (the
// admin console's "what protects this route?" table shows the same list).
func RouteGuards(api config.API, rt config.Route) []GuardView { return routeGuards(api, rt) }
