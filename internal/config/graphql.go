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

// buildGraphQL decodes a route's graphql block into the guard's options and
// builds the guard once, so that a schema that does not load, a field name
// the schema lacks or a manifest hash that does not match its text is a config
// error at the line that causes it. Nil when the route has no graphql block.
func (d *decoder) buildGraphQL(c *graphqlConfig, path string, r *Route) *graphql.Options {
	if c == nil {
		return nil
	}
	o := &graphql.Options{}
	schemaPath := path
	introspect := orDefault(c.Introspect, false)
	switch {
	case c.Schema != nil && c.SchemaFile != nil:
		d.errorf(path+".schema_file", "set schema or schema_file, not both")
		return nil
	case introspect && (c.Schema != nil || c.SchemaFile != nil):
		d.errorf(path+".introspect", "introspect fetches the schema from the upstream: remove schema and schema_file, or introspect")
		return nil
	case introspect:
		if strings.ContainsAny(r.Path, "{*") {
			d.errorf(path+".introspect", "introspection needs a route with a literal path (the upstream is asked there), got %q", r.Path)
			return nil
		}
		o.Introspect = true
	case c.Schema != nil:
		schemaPath = path + ".schema"
		o.Schema, o.SchemaName = *c.Schema, "schema"
	case c.SchemaFile != nil:
		schemaPath = path + ".schema_file"
		file := d.res.abs(*c.SchemaFile)
		data, ok := d.readFile(schemaPath, file)
		if !ok {
			return nil
		}
		o.Schema, o.SchemaName = string(data), filepath.Base(file)
	default:
		d.errorf(path, "a GraphQL route needs its upstream's schema: set schema_file (SDL), schema or introspect: true")
		return nil
	}
	if introspect {
		// Nothing to load yet; the rest is checked against the schema at start.
	} else if _, err := graphql.LoadSchema(o.Schema, o.SchemaName); err != nil {
		var se *graphql.SchemaError
		if errors.As(err, &se) && c.SchemaFile != nil && se.Line > 0 {
			d.errorf(schemaPath, "%s:%d: %s", o.SchemaName, se.Line, se.Message)
		} else if errors.As(err, &se) && se.Line > 0 {
			d.errorf(schemaPath, "schema line %d (file line %d): %s", se.Line, d.line(schemaPath)+se.Line, se.Message)
		} else {
			d.errorf(schemaPath, "%v", err)
		}
		return nil
	}
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
		d.oneOf(path+".on_denied_field", o.OnDeniedField, []string{"refuse", "null"})
	}
	if p := c.Persisted; p != nil {
		o.Persisted.Mode = orDefault(p.Mode, graphql.PersistedOff)
		d.oneOf(path+".persisted.mode", o.Persisted.Mode, []string{graphql.PersistedOff, graphql.PersistedAllow, graphql.PersistedLearn})
		o.Persisted.Hashes = slices.Clone(p.Hashes)
		if p.Manifest != nil {
			o.Persisted.Operations = d.persistedManifest(path+".persisted.manifest", d.res.abs(*p.Manifest))
		}
		if o.Persisted.Mode == graphql.PersistedAllow && len(o.Persisted.Hashes) == 0 && len(o.Persisted.Operations) == 0 {
			d.errorf(path+".persisted", "allow mode needs registered operations: a manifest or hashes")
		}
	}
	if !introspect {
		if _, err := graphql.New(*o); err != nil {
			d.errorf(path, "%v", err)
			return nil
		}
	}
	if !slices.Contains(r.Limits.ContentTypes, graphqlContentType) {
		r.Limits.ContentTypes = append(slices.Clone(r.Limits.ContentTypes), graphqlContentType)
	}
	return o
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
