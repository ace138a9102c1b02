package openapi

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxFieldNodes bounds the distinct nodes one ResponseFields call builds.
const maxFieldNodes = 20000

// Fields is the tree of properties a response schema declares, for response
// filtering. A node describes one JSON value:
//
//   - for an object, Props holds the declared members; Open means members not
//     in Props are allowed and undescribed (additionalProperties true or a
//     schema, patternProperties, or an object schema declaring no properties
//     and not additionalProperties: false);
//   - for an array, Items describes every element;
//   - a scalar is a node with neither.
//
// A node built past the depth or work cap is an empty, closed node, so a
// filter that trusts it drops what lies beyond rather than pass it undescribed.
// Nodes are shared between subtrees (a recursive schema yields a DAG): treat
// the tree as read-only.
type Fields struct {
	// Open is true when the object may carry members not listed in Props.
	Open bool
	// Props are the declared members by name; nil when none.
	Props map[string]*Fields
	// Items describes the elements of an array; nil when the schema declares
	// no array. An array with no items schema has Items{Open: true}.
	Items *Fields
	// Extensions holds the x- extensions on the property's schema, its $ref
	// siblings and its allOf/oneOf/anyOf members (the first one seen wins),
	// e.g. "x-bulwark-roles"; nil when none.
	Extensions map[string]any
}

// ResponseFields returns the declared fields of the JSON response schema of the
// operation at method and document path (Operation.Path) for status: the
// response for the exact code is used, else its range ("2XX"), else
// "default". Several JSON media types are read as one union. It goes through
// $ref, allOf/oneOf/anyOf (union of properties) and arrays. It returns nil
// when the operation, the response or a JSON schema for it is not declared.
func (d *Doc) ResponseFields(method, path string, status int) *Fields {
	op := d.operation(method, path)
	if op == nil || op.Responses == nil {
		return nil
	}
	resp := op.Responses.Status(status)
	if resp == nil {
		resp = op.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return nil
	}
	roots := jsonSchemas(resp.Value.Content)
	if len(roots) == 0 {
		return nil
	}
	b := &fieldsBuilder{memo: map[string]*Fields{}}
	return b.build(roots, 0)
}

type fieldsBuilder struct {
	memo  map[string]*Fields
	nodes int
}

// build returns the node for the value group describes. Nodes are memoized by
// schema set and depth, which keeps the work linear in the document times
// maxDepth even for recursion that branches.
func (b *fieldsBuilder) build(group []*openapi3.SchemaRef, depth int) *Fields {
	if depth >= maxDepth || b.nodes >= maxFieldNodes {
		return &Fields{}
	}
	parts := flatten(group)
	key := memoKey(group, parts, depth)
	if f, ok := b.memo[key]; ok {
		return f
	}
	b.nodes++
	f := &Fields{Extensions: extensions(group, parts)}
	b.memo[key] = f

	var hasProps, explicitOpen, closed, never bool
	objectish := true
	for _, s := range parts {
		switch {
		case s.Always != nil && *s.Always:
			explicitOpen = true
		case s.Always != nil:
			never = true // false: no value is valid
		}
		hasProps = hasProps || len(s.Properties) > 0
		explicitOpen = explicitOpen || s.AdditionalProperties.Schema != nil ||
			(s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has) || len(s.PatternProperties) > 0
		closed = closed || (s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has)
		if s.Type != nil && len(*s.Type) > 0 && !s.Type.Includes(openapi3.TypeObject) {
			objectish = false
		}
	}
	if never {
		return f
	}
	f.Open = explicitOpen || (objectish && !hasProps && !closed)

	names, byName := members(parts)
	if len(names) > 0 {
		f.Props = make(map[string]*Fields, len(names))
		for _, name := range names {
			f.Props[name] = b.build(byName[name], depth+1)
		}
	}
	if items := elements(parts); len(items) > 0 {
		f.Items = b.build(items, depth+1)
	} else if slices.ContainsFunc(parts, func(s *openapi3.Schema) bool {
		return s.Type != nil && s.Type.Includes(openapi3.TypeArray)
	}) {
		f.Items = &Fields{Open: true}
	}
	return f
}

// memoKey identifies the node of group: its schemas, the $ref siblings that
// add extensions, and the depth it is built at.
func memoKey(group []*openapi3.SchemaRef, parts []*openapi3.Schema, depth int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", depth)
	for _, r := range group {
		if len(r.Extensions) > 0 {
			fmt.Fprintf(&b, " r%p", r)
		}
	}
	for _, s := range parts {
		fmt.Fprintf(&b, " %p", s)
	}
	return b.String()
}

// extensions collects the x- extensions of group's $ref siblings and of parts,
// the first one seen winning; nil when there are none.
func extensions(group []*openapi3.SchemaRef, parts []*openapi3.Schema) map[string]any {
	var out map[string]any
	add := func(m map[string]any) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !strings.HasPrefix(k, "x-") {
				continue
			}
			if out == nil {
				out = map[string]any{}
			}
			if _, ok := out[k]; !ok {
				out[k] = m[k]
			}
		}
	}
	for _, r := range group {
		if r != nil {
			add(r.Extensions)
		}
	}
	for _, s := range parts {
		add(s.Extensions)
	}
	return out
}
