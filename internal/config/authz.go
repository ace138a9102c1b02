package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-gw/bulwark/internal/authz"
	"github.com/bulwark-gw/bulwark/internal/authz/policy"
	"github.com/bulwark-gw/bulwark/internal/route"
)

var defaultAdminRoles = []string{"admin"}

// routeAuthz builds a route's authorization settings.
func (d *decoder) routeAuthz(r *Route, rc routeConfig, path string) {
	a := authz.Options{Roles: slices.Clone(rc.Roles), RolesAll: orDefault(rc.RolesMatch, "any") == "all",
		ScopesAny: orDefault(rc.ScopesMatch, "all") == "any", Admin: orDefault(rc.Admin, false),
		OwnerExemptRoles: slices.Clone(rc.OwnerExemptRoles), ReadonlyFields: slices.Clone(rc.ReadonlyFields),
		OnReadonly: orDefault(rc.OnReadonly, "reject"), Policy: strings.TrimSpace(orDefault(rc.Policy, ""))}
	d.oneOf(path+".roles_match", orDefault(rc.RolesMatch, "any"), []string{"any", "all"})
	d.oneOf(path+".scopes_match", orDefault(rc.ScopesMatch, "all"), []string{"all", "any"})
	d.oneOf(path+".on_readonly", a.OnReadonly, []string{"reject", "strip"})
	d.callerRules(r, rc, path)
	params := templateParams(r.Path)
	for i, oc := range rc.Owner {
		a.Owner = append(a.Owner, d.ownerRule(oc, indexPath(path+".owner", i), i, params))
	}
	a.RecordsOwner = d.recordsOwner(rc.RecordsOwner, path+".records_owner")
	a.FilterList = d.filterList(rc.FilterList, path+".filter_list")
	a.Enumeration = d.enumeration(rc.Enumeration, path+".enumeration")
	if a.Policy != "" {
		d.checkPolicy(a.Policy, path+".policy")
	}
	for i, f := range a.ReadonlyFields {
		if strings.TrimSpace(f) == "" {
			d.errorf(indexPath(path+".readonly_fields", i), "a field name or path is required")
		}
	}
	r.Authz = a
}

// callerRules refuses rules that compare with the caller on a route that lets
// anonymous callers through (its auth is [none], or lists none next to other
// methods): an anonymous caller has no role and owns nothing, so such a rule
// could only ever refuse it, and the route's "none" would be a lie. The error
// is at the first such rule.
func (d *decoder) callerRules(r *Route, rc routeConfig, path string) {
	if !slices.Contains(r.Auth, AuthNone) {
		return
	}
	at := ""
	switch {
	case len(rc.Roles) > 0:
		at = path + ".roles"
	case rc.Admin != nil && *rc.Admin:
		at = path + ".admin"
	case len(rc.Owner) > 0:
		at = indexPath(path+".owner", 0)
	case rc.RecordsOwner != nil:
		at = path + ".records_owner"
	case rc.FilterList != nil:
		at = path + ".filter_list"
	default:
		return
	}
	if slices.Equal(r.Auth, []string{AuthNone}) {
		d.errorf(at, "roles, admin and ownership rules need an authenticated caller, but this route's auth is [none]")
		return
	}
	d.errorf(at, "roles, admin and ownership rules need an authenticated caller, but this route's auth lists none, "+
		"which lets anonymous callers through (an anonymous caller has no role and owns nothing): "+
		"remove none from the route's auth, or serve anonymous callers on a route without these rules")
}

func templateParams(path string) []string {
	t, err := route.ParseTemplate(path)
	if err != nil {
		return nil
	}
	return t.Params()
}

func (d *decoder) ownerRule(oc ownerRuleConfig, path string, i int, params []string) authz.OwnerRule {
	o := authz.OwnerRule{ID: orDefault(oc.ID, fmt.Sprintf("owner[%d]", i)), Equals: orDefault(oc.Equals, ""),
		Object: orDefault(oc.Object, ""), Hide: orDefault(oc.Hide, false)}
	sources := 0
	for _, s := range []struct {
		kind string
		v    *string
	}{{"param", oc.Param}, {"query", oc.Query}, {"body", oc.Body}, {"header", oc.Header}, {"graphql", oc.GraphQLField}} {
		if s.v != nil {
			sources++
			o.Source, o.Name = s.kind, *s.v
		}
	}
	switch {
	case sources != 1:
		d.errorf(path, "give exactly one of param, query, body, header or graphql_field: where the object id comes from")
	case o.Source == "param" && !slices.Contains(params, o.Name):
		d.errorf(path+".param", "the route's path has no parameter {%s} (it has: %s)", o.Name, strings.Join(params, ", "))
	case o.Name == "" && o.Source == "graphql":
		d.errorf(path+".graphql_field", "a field is required: Type.field, like Query.order")
	case o.Name == "":
		d.errorf(path+"."+o.Source, "a name is required")
	}
	switch {
	case o.Source == "graphql" && (oc.Argument == nil || *oc.Argument == ""):
		d.errorf(path, "graphql_field needs argument: the field's argument that carries the object id")
	case o.Source == "graphql":
		o.Arg = *oc.Argument
	case oc.Argument != nil:
		d.errorf(path+".argument", "argument goes with graphql_field")
	}
	switch {
	case (o.Equals == "") == (o.Object == ""):
		d.errorf(path, "give exactly one of equals (the id must be the caller's own: sub, consumer, claim:NAME) or object (an ownership record must name the caller)")
	case o.Equals != "":
		d.principalValue(path+".equals", o.Equals)
	case !validName(o.Object):
		d.errorf(path+".object", "an object type is lower-case letters, digits, _ and -, got %q", o.Object)
	}
	unknown := orDefault(oc.Unknown, "deny")
	d.oneOf(path+".unknown", unknown, []string{"deny", "allow"})
	o.AllowUnknown = unknown == "allow"
	if oc.Unknown != nil && o.Object == "" {
		d.errorf(path+".unknown", "unknown applies only to object rules")
	}
	return o
}

// principalValue checks sub, consumer or claim:NAME.
func (d *decoder) principalValue(path, v string) {
	if v != "sub" && v != "consumer" && !(strings.HasPrefix(v, "claim:") && len(v) > len("claim:")) {
		d.errorf(path, "expected sub, consumer or claim:NAME, got %q", v)
	}
}

func (d *decoder) recordsOwner(c *recordsOwnerConfig, path string) *authz.RecordsOwner {
	if c == nil {
		return nil
	}
	o := &authz.RecordsOwner{Object: orDefault(c.Object, ""), From: orDefault(c.From, "location"), Owner: orDefault(c.Owner, "sub")}
	if !validName(o.Object) {
		d.errorf(path+".object", "object is required: lower-case letters, digits, _ and -")
	}
	if o.From != "location" && !strings.HasPrefix(o.From, "response:") {
		d.errorf(path+".from", "expected location or response:<path> (like response:/id), got %q", o.From)
	}
	if o.Owner != "sub" {
		// Object rules compare a record with the caller's sub, so a record must name one.
		d.errorf(path+".owner", "ownership records name the caller's sub; owner must be sub, got %q", o.Owner)
	}
	return o
}

func (d *decoder) filterList(c *filterListConfig, path string) *authz.FilterList {
	if c == nil {
		return nil
	}
	f := &authz.FilterList{Array: orDefault(c.Array, ""), OwnerField: orDefault(c.OwnerField, ""), Equals: orDefault(c.Equals, "sub")}
	if f.OwnerField == "" {
		d.errorf(path+".owner_field", "owner_field is required: the field of each item that names its owner")
	}
	if f.Array != "" && !strings.HasPrefix(f.Array, "/") {
		d.errorf(path+".array", "array is a JSON pointer like /orders (or empty for a body that is the array)")
	}
	d.principalValue(path+".equals", f.Equals)
	return f
}

func (d *decoder) enumeration(c *enumerationConfig, path string) *authz.Enumeration {
	if c == nil {
		return nil
	}
	e := &authz.Enumeration{Window: durationOr(c.Window, time.Minute), MaxDistinct: orDefault(c.MaxDistinct, 30),
		MinRequests: orDefault(c.MinRequests, 10), MaxDeniedPercent: orDefault(c.MaxDeniedPercent, 50),
		Sequential: orDefault(c.Sequential, 10), BlockFor: durationOr(c.BlockFor, 0)}
	d.positive(path+".window", e.Window, "ids are counted within a window")
	d.atLeast(path+".max_distinct", e.MaxDistinct, 1)
	d.atLeast(path+".min_requests", e.MinRequests, 1)
	if e.MaxDeniedPercent < 1 || e.MaxDeniedPercent > 100 {
		d.errorf(path+".max_denied_percent", "must be between 1 and 100")
	}
	d.atLeast(path+".sequential", e.Sequential, 2)
	return e
}

// checkPolicy compiles a CEL policy so a bad expression is a config error at
// its own line, not a runtime surprise.
func (d *decoder) checkPolicy(expr, path string) {
	if _, err := policy.Compile(expr); err != nil {
		var ce *policy.CompileError
		if errors.As(err, &ce) {
			d.errorf(path, "invalid policy at expression line %d, column %d: %s", ce.Line, ce.Col, ce.Msg)
			return
		}
		d.errorf(path, "invalid policy: %v", err)
	}
}
