package config

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bulwark-gw/bulwark/internal/graphql"
)

// graphqlContentType is admitted on a GraphQL route besides the route's own
// content types: it is how some clients POST a bare query.
const graphqlContentType = "application/graphql"

// graphqlDefaults is an API's graphql block: settings its GraphQL routes
// inherit. It makes no route GraphQL by itself; a route does with its own
// graphql block (graphql: {} inherits everything).
type graphqlDefaults struct {
	opts graphql.Options // schema fields included when the API names one
	path string          // where the API's block is written
}

// graphqlAPI decodes an API's graphql block; nil when there is none.
func (d *decoder) graphqlAPI(c *graphqlConfig, path string) *graphqlDefaults {
	if c == nil {
		return nil
	}
	def := &graphqlDefaults{path: path}
	if !d.graphqlSchema(c, path, "", &def.opts) {
		return def
	}
	d.graphqlSettings(c, path, &def.opts)
	return def
}

// buildGraphQL decodes a route's graphql block, over its API's when there is
// one, into the guard's options and builds the guard once, so that a schema
// that does not load, a field name the schema lacks or a manifest hash that
// does not match its text is a config error at the line that causes it. Nil
// when the route has no graphql block.
func (d *decoder) buildGraphQL(api *graphqlDefaults, c *graphqlConfig, path string, r *Route) *graphql.Options {
	if c == nil {
		return nil
	}
	o := &graphql.Options{}
	if !d.graphqlSchema(c, path, r.Path, o) {
		return nil
	}
	schemaPath := path
	if o.Schema == "" && !o.Introspect && api != nil && (api.opts.Schema != "" || api.opts.Introspect) {
		schemaPath = api.path
		o.Schema, o.SchemaName, o.Introspect = api.opts.Schema, api.opts.SchemaName, api.opts.Introspect
		if o.Introspect && strings.ContainsAny(r.Path, "{*") {
			d.errorf(path, "the API's graphql block introspects, which needs a route with a literal path (the upstream is asked there), got %q", r.Path)
			return nil
		}
	}
	if o.Schema == "" && !o.Introspect {
		d.errorf(path, "a GraphQL route needs its upstream's schema: set schema_file (SDL), schema or introspect: true (here or in the API's graphql block)")
		return nil
	}
	d.graphqlSettings(c, path, o)
	if api != nil {
		*o = mergeGraphQL(*o, api.opts)
	}
	if o.Persisted.Mode == graphql.PersistedAllow && len(o.Persisted.Hashes) == 0 && len(o.Persisted.Operations) == 0 && !o.Persisted.Store {
		d.errorf(path+".persisted", "allow mode needs registered operations: a manifest, hashes or store: true (the admin API registers them)")
	}
	if !o.Introspect {
		g, err := graphql.New(*o)
		if err != nil {
			at := path
			if schemaPath != path {
				at = schemaPath // the schema and what names its fields come from the API
			}
			d.errorf(at, "%v", err)
			return nil
		}
		routePath := strings.TrimSuffix(path, ".graphql")
		for i, rule := range r.Authz.Owner {
			if rule.Source == "graphql" {
				if err := g.CheckArgument(rule.Name, rule.Arg); err != nil {
					d.errorf(indexPath(routePath+".owner", i)+".graphql_field", "%v", err)
				}
			}
		}
	}
	if !slices.Contains(r.Limits.ContentTypes, graphqlContentType) {
		r.Limits.ContentTypes = append(slices.Clone(r.Limits.ContentTypes), graphqlContentType)
	}
	return o
}

// graphqlSchema reads where a block's schema comes from into o (nothing when
// the block names none). routePath is the route's path template, "" for an
// API's block. It reports false after an error.
func (d *decoder) graphqlSchema(c *graphqlConfig, path, routePath string, o *graphql.Options) bool {
	schemaPath := path
	introspect := orDefault(c.Introspect, false)
	switch {
	case c.Schema != nil && c.SchemaFile != nil:
		d.errorf(path+".schema_file", "set schema or schema_file, not both")
		return false
	case introspect && (c.Schema != nil || c.SchemaFile != nil):
		d.errorf(path+".introspect", "introspect fetches the schema from the upstream: remove schema and schema_file, or introspect")
		return false
	case introspect:
		if routePath != "" && strings.ContainsAny(routePath, "{*") {
			d.errorf(path+".introspect", "introspection needs a route with a literal path (the upstream is asked there), got %q", routePath)
			return false
		}
		o.Introspect = true
		return true
	case c.Schema != nil:
		schemaPath = path + ".schema"
		o.Schema, o.SchemaName = *c.Schema, "schema"
	case c.SchemaFile != nil:
		schemaPath = path + ".schema_file"
		file := d.res.abs(*c.SchemaFile)
		data, ok := d.readFile(schemaPath, file)
		if !ok {
			return false
		}
		o.Schema, o.SchemaName = string(data), filepath.Base(file)
	default:
		return true
	}
	if _, err := graphql.LoadSchema(o.Schema, o.SchemaName); err != nil {
		var se *graphql.SchemaError
		if errors.As(err, &se) && c.SchemaFile != nil && se.Line > 0 {
			d.errorf(schemaPath, "%s:%d: %s", o.SchemaName, se.Line, se.Message)
		} else if errors.As(err, &se) && se.Line > 0 {
			d.errorf(schemaPath, "schema line %d (file line %d): %s", se.Line, d.line(schemaPath)+se.Line, se.Message)
		} else {
			d.errorf(schemaPath, "%v", err)
		}
		return false
	}
	return true
}

// graphqlSettings reads a block's limits, cost, rules and modes into o,
// reporting each bad value where it is written.
func (d *decoder) graphqlSettings(c *graphqlConfig, path string, o *graphql.Options) {
	d.graphqlLimits(c.Limits, path+".limits", &o.Limits)
	if c.Cost != nil {
		p := path + ".cost"
		o.Cost.MaxCost = d.gqlLimit(c.Cost.MaxCost, p+".max_cost", true)
		o.Cost.DefaultListSize = d.gqlLimit(c.Cost.DefaultListSize, p+".default_list_size", false)
		if c.Cost.ListSizeArgs != nil {
			o.Cost.ListSizeArgs = slices.Clone(c.Cost.ListSizeArgs)
		}
		o.Cost.Weights = map[string]int{}
		for k, v := range c.Cost.Weights {
			if v < 0 {
				d.errorf(p+".weights."+k, "a weight is 0 or more, got %d", v)
			}
			o.Cost.Weights[k] = v
		}
	}
	o.IntrospectionRoles = slices.Clone(c.IntrospectionRoles)
	if c.Fields != nil {
		o.Fields = map[string]graphql.FieldRule{}
		for k, f := range c.Fields {
			if len(f.Roles) == 0 && len(f.Scopes) == 0 {
				d.errorf(path+".fields."+k, "a field rule needs roles or scopes")
			}
			o.Fields[k] = graphql.FieldRule{Roles: slices.Clone(f.Roles), Scopes: slices.Clone(f.Scopes)}
		}
	}
	if c.OnDeniedField != nil {
		o.OnDeniedField = *c.OnDeniedField
		d.oneOf(path+".on_denied_field", o.OnDeniedField, []string{"refuse", "null", "omit"})
	}
	if p := c.Persisted; p != nil {
		o.Persisted.Mode = orDefault(p.Mode, graphql.PersistedOff)
		d.oneOf(path+".persisted.mode", o.Persisted.Mode, []string{graphql.PersistedOff, graphql.PersistedAllow, graphql.PersistedLearn})
		o.Persisted.Hashes = slices.Clone(p.Hashes)
		o.Persisted.Store = orDefault(p.Store, false)
		if p.Manifest != nil {
			o.Persisted.Operations = d.persistedManifest(path+".persisted.manifest", d.res.abs(*p.Manifest))
		}
	}
	for name, cc := range c.Consumers {
		p := path + ".consumers." + name
		if strings.TrimSpace(name) == "" {
			d.errorf(p, "a consumer override needs the consumer's name (or subject)")
			continue
		}
		var ov graphql.Override
		d.graphqlLimits(cc.Limits, p+".limits", &ov.Limits)
		ov.MaxCost = d.gqlLimit(cc.MaxCost, p+".max_cost", true)
		if cc.Limits == nil && cc.MaxCost == nil {
			d.errorf(p, "a consumer override sets max_cost or limits")
		}
		if o.Consumers == nil {
			o.Consumers = map[string]graphql.Override{}
		}
		o.Consumers[name] = ov
	}
}

// mergeGraphQL lays a route's options over its API's: what the route sets
// wins (a limit, the maximum cost, a weight, a field rule, a consumer's
// override, the persisted block as a whole); what it leaves unset is the
// API's.
func mergeGraphQL(rt, api graphql.Options) graphql.Options {
	pick := func(r, a int) int {
		if r != 0 {
			return r
		}
		return a
	}
	l, al := &rt.Limits, api.Limits
	l.MaxDepth, l.MaxAliases = pick(l.MaxDepth, al.MaxDepth), pick(l.MaxAliases, al.MaxAliases)
	l.MaxRootFields, l.MaxTokens = pick(l.MaxRootFields, al.MaxRootFields), pick(l.MaxTokens, al.MaxTokens)
	l.MaxDirectives, l.MaxFragments = pick(l.MaxDirectives, al.MaxDirectives), pick(l.MaxFragments, al.MaxFragments)
	l.MaxBatch = pick(l.MaxBatch, al.MaxBatch)
	if l.MaxBytes == 0 {
		l.MaxBytes = al.MaxBytes
	}
	rt.Cost.MaxCost = pick(rt.Cost.MaxCost, api.Cost.MaxCost)
	rt.Cost.DefaultListSize = pick(rt.Cost.DefaultListSize, api.Cost.DefaultListSize)
	if rt.Cost.ListSizeArgs == nil {
		rt.Cost.ListSizeArgs = slices.Clone(api.Cost.ListSizeArgs)
	}
	rt.Cost.Weights = under(rt.Cost.Weights, api.Cost.Weights)
	if rt.IntrospectionRoles == nil {
		rt.IntrospectionRoles = slices.Clone(api.IntrospectionRoles)
	}
	rt.Fields = under(rt.Fields, api.Fields)
	if rt.OnDeniedField == "" {
		rt.OnDeniedField = api.OnDeniedField
	}
	if rt.Persisted.Mode == "" {
		rt.Persisted = api.Persisted
	}
	rt.Consumers = under(rt.Consumers, api.Consumers)
	return rt
}

// under returns top with base's entries it lacks; nil when both are empty.
func under[V any](top, base map[string]V) map[string]V {
	if len(base) == 0 {
		return top
	}
	out := make(map[string]V, len(top)+len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range top {
		out[k] = v
	}
	return out
}

// gqlLimit reads an optional limit: absent is 0 (the default), -1 is off when
// offOK, anything else must be at least 1.
func (d *decoder) gqlLimit(v *int, path string, offOK bool) int {
	switch {
	case v == nil:
		return 0
	case *v == -1 && offOK:
		return -1
	case *v < 1:
		if offOK {
			d.errorf(path, "must be at least 1 (or -1 for no limit), got %d", *v)
		} else {
			d.errorf(path, "must be at least 1, got %d", *v)
		}
	}
	return *v
}

func (d *decoder) graphqlLimits(c *graphqlLimitsConfig, path string, l *graphql.Limits) {
	if c == nil {
		return
	}
	l.MaxDepth = d.gqlLimit(c.MaxDepth, path+".max_depth", true)
	l.MaxAliases = d.gqlLimit(c.MaxAliases, path+".max_aliases", true)
	l.MaxRootFields = d.gqlLimit(c.MaxRootFields, path+".max_root_fields", true)
	l.MaxTokens = d.gqlLimit(c.MaxTokens, path+".max_tokens", true)
	l.MaxDirectives = d.gqlLimit(c.MaxDirectives, path+".max_directives", true)
	l.MaxFragments = d.gqlLimit(c.MaxFragments, path+".max_fragments", true)
	l.MaxBatch = d.gqlLimit(c.MaxBatch, path+".max_batch", false)
	if c.MaxBytes != nil {
		if *c.MaxBytes < 1 {
			d.errorf(path+".max_bytes", "must be at least 1 byte, got %d", *c.MaxBytes)
		}
		l.MaxBytes = int64(*c.MaxBytes)
	}
}

// persistedManifest reads registered operations: a JSON object of sha256 →
// text, or Apollo's manifest ({"operations":[{"id":…,"body":…}]}).
func (d *decoder) persistedManifest(path, file string) map[string]string {
	data, ok := d.readFile(path, file)
	if !ok {
		return nil
	}
	var apollo struct {
		Operations []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	if err := json.Unmarshal(data, &apollo); err == nil && apollo.Operations != nil {
		out := make(map[string]string, len(apollo.Operations))
		for _, op := range apollo.Operations {
			out[strings.ToLower(op.ID)] = op.Body
		}
		return out
	}
	var plain map[string]string
	if err := json.Unmarshal(data, &plain); err != nil {
		d.errorf(path, "%s: expected a JSON object of sha256 → operation text, or an Apollo persisted query manifest: %v",
			filepath.Base(file), err)
		return nil
	}
	out := make(map[string]string, len(plain))
	for h, text := range plain {
		out[strings.ToLower(h)] = text
	}
	return out
}

// checkCostUnits refuses a route's own limit or quota that spends the
// GraphQL cost on a route without a graphql block: there is no cost to
// spend. Limits inherited from the API spend 1 on such routes, as documented.
func (d *decoder) checkCostUnits(rc routeConfig, path string) {
	if rc.GraphQL != nil {
		return
	}
	for i, l := range rc.RateLimits {
		if l.Cost != nil && *l.Cost == CostGraphQL {
			d.errorf(indexPath(path+".rate_limits", i)+".cost", "cost: graphql needs a graphql block on the route (it spends the operation's computed cost)")
		}
	}
	if rc.Quota != nil && rc.Quota.Cost != nil && *rc.Quota.Cost == CostGraphQL {
		d.errorf(path+".quota.cost", "cost: graphql needs a graphql block on the route (it spends the operation's computed cost)")
	}
}

// checkGraphQLAuthz keeps a route's ownership settings to what can read its
// requests and answers: an owner rule on a GraphQL field argument needs a
// GraphQL route, and records_owner, which reads a path of the answer, is
// REST-only — on a GraphQL route a client's alias puts any value it can read
// at that path (data.placeOrder.id from "placeOrder: order(id: …)"), and
// would be recorded as its own.
func (d *decoder) checkGraphQLAuthz(r *Route, path string) {
	for i, rule := range r.Authz.Owner {
		if rule.Source == "graphql" && r.GraphQL == nil {
			d.errorf(indexPath(path+".owner", i)+".graphql_field", "graphql_field reads a GraphQL operation: the route needs a graphql block")
		}
	}
	if r.GraphQL != nil && r.Authz.RecordsOwner != nil {
		d.errorf(path+".records_owner", "records_owner is for REST routes: on a GraphQL route an alias puts any value at the answer's path; "+
			"record ownership on a REST route, or in the upstream")
	}
}
