package openapi

import (
	"mime"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Bounds on every schema walk. A recursive schema (a tree node whose children
// are nodes) is unrolled to maxDepth path segments; maxParts and the walkers'
// own budgets stop documents built to make the walk combinatorial.
const (
	maxDepth = 32
	maxParts = 256
)

// jsonSchemas returns the schemas of content's JSON media types, in key order:
// application/json, any "+json" type (application/merge-patch+json), and the
// ranges that cover JSON ("*/*", "application/*"), since a client may send JSON
// wherever those are declared.
func jsonSchemas(content openapi3.Content) []*openapi3.SchemaRef {
	keys := make([]string, 0, len(content))
	for k := range content {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []*openapi3.SchemaRef
	for _, k := range keys {
		mt := content[k]
		if mt == nil || mt.Schema == nil || !isJSON(k) {
			continue
		}
		out = append(out, mt.Schema)
	}
	return out
}

// isJSON reports whether a content key (one or more comma-separated media
// ranges, maybe with parameters) covers JSON.
func isJSON(key string) bool {
	for r := range strings.SplitSeq(key, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(r))
		if err != nil {
			continue
		}
		typ, sub, _ := strings.Cut(mt, "/")
		switch {
		case sub == "json" || strings.HasSuffix(sub, "+json"):
			return true
		case sub == "*" && (typ == "*" || typ == "application"):
			return true
		}
	}
	return false
}

// flatten returns the schemas of group and, transitively, of their allOf,
// oneOf and anyOf members (through $ref), each once, in document order, at
// most maxParts. Properties of the result are read as a union: a field that
// any branch declares is declared.
func flatten(group []*openapi3.SchemaRef) []*openapi3.Schema {
	var out []*openapi3.Schema
	seen := map[*openapi3.Schema]bool{}
	var visit func(refs []*openapi3.SchemaRef)
	visit = func(refs []*openapi3.SchemaRef) {
		for _, r := range refs {
			if r == nil || r.Value == nil || seen[r.Value] || len(out) >= maxParts {
				continue
			}
			s := r.Value
			seen[s] = true
			out = append(out, s)
			visit(s.AllOf)
			visit(s.OneOf)
			visit(s.AnyOf)
		}
	}
	visit(group)
	return out
}

// members groups the property schemas of parts by name, names sorted.
func members(parts []*openapi3.Schema) (names []string, byName map[string][]*openapi3.SchemaRef) {
	byName = map[string][]*openapi3.SchemaRef{}
	for _, s := range parts {
		for name, p := range s.Properties {
			if p == nil {
				continue
			}
			if _, ok := byName[name]; !ok {
				names = append(names, name)
			}
			byName[name] = append(byName[name], p)
		}
	}
	// Each group is in parts order, whatever the map order was.
	slices.Sort(names)
	return names, byName
}

// elements returns the schemas of parts' array elements: items and, in 3.1,
// every prefixItems position (read as one union: positions are not tracked).
func elements(parts []*openapi3.Schema) []*openapi3.SchemaRef {
	var out []*openapi3.SchemaRef
	for _, s := range parts {
		if s.Items != nil {
			out = append(out, s.Items)
		}
		for _, p := range s.PrefixItems {
			if p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// additional returns the schemas of parts' undeclared members:
// additionalProperties and patternProperties.
func additional(parts []*openapi3.Schema) []*openapi3.SchemaRef {
	var out []*openapi3.SchemaRef
	for _, s := range parts {
		if s.AdditionalProperties.Schema != nil {
			out = append(out, s.AdditionalProperties.Schema)
		}
		keys := make([]string, 0, len(s.PatternProperties))
		for k := range s.PatternProperties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if p := s.PatternProperties[k]; p != nil {
				out = append(out, p)
			}
		}
	}
	return out
}
