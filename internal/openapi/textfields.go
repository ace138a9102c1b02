package openapi

import (
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// TextField is what the document says about the text of one request field,
// for the injection inspector's context-aware scoring.
type TextField struct {
	// Field is written as an inspect exclusion's field: "query.q",
	// "path.id", "header.x-note", "cookie.c", "body.items.*.note".
	Field string
	// Prose is true for free text (x-bulwark-text: prose) and false for a
	// strict value: a declared format, pattern or enum, at most 64
	// characters (maxLength), or a number or boolean.
	Prose bool
}

// strictMaxLength is the longest maxLength that makes a string strict.
const strictMaxLength = 64

// TextFields lists the parameters and JSON body members of an operation
// (method and document path, as Match returns them) whose schema says how
// to read their text; fields the schema says nothing about are left out.
// Body paths use "*" for array elements; names holding '.', '*' or a blank
// are left out (an exclusion path cannot name them).
func (d *Doc) TextFields(method, path string) []TextField {
	op := d.operation(method, path)
	if op == nil {
		return nil
	}
	var out []TextField
	add := func(field string, group []*openapi3.SchemaRef) {
		if prose, ok := textOf(group); ok {
			out = append(out, TextField{Field: field, Prose: prose})
		}
	}
	params := op.Parameters
	if item := d.t.Paths.Find(path); item != nil {
		params = append(slices.Clone(item.Parameters), params...)
	}
	for _, p := range params {
		if p == nil || p.Value == nil || p.Value.Schema == nil || !plainName(p.Value.Name) {
			continue
		}
		in := p.Value.In
		if in != "query" && in != "path" && in != "header" && in != "cookie" {
			continue
		}
		name := p.Value.Name
		if in == "header" {
			name = strings.ToLower(name)
		}
		add(in+"."+name, []*openapi3.SchemaRef{p.Value.Schema})
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		type node struct {
			group []*openapi3.SchemaRef
			path  string
			depth int
		}
		queue := []node{{group: jsonSchemas(op.RequestBody.Value.Content), path: "body"}}
		for work := 0; len(queue) > 0 && work < maxReadOnlyWork; work++ {
			n := queue[0]
			queue = queue[1:]
			if n.depth >= maxDepth || len(n.group) == 0 {
				continue
			}
			if n.depth > 0 {
				add(n.path, n.group)
			}
			parts := flatten(n.group)
			names, byName := members(parts)
			for _, name := range names {
				if plainName(name) {
					queue = append(queue, node{byName[name], n.path + "." + name, n.depth + 1})
				}
			}
			if items := elements(parts); len(items) > 0 {
				queue = append(queue, node{items, n.path + ".*", n.depth + 1})
			}
		}
	}
	return out
}

func plainName(name string) bool {
	return name != "" && !strings.ContainsAny(name, ".* \t\\")
}

// textOf reads a value's schemas: prose when any says x-bulwark-text: prose,
// strict when every part is a number or boolean or a string with a format,
// pattern, enum or short maxLength; ok false when they say nothing.
func textOf(group []*openapi3.SchemaRef) (prose, ok bool) {
	parts := flatten(group)
	if v, _ := extensions(group, parts)["x-bulwark-text"].(string); v == "prose" {
		return true, true
	}
	if len(parts) == 0 {
		return false, false
	}
	for _, s := range parts {
		switch {
		case s.Type.Is("integer") || s.Type.Is("number") || s.Type.Is("boolean"):
		case s.Type.Is("string") && (s.Format != "" || s.Pattern != "" || len(s.Enum) > 0 ||
			s.MaxLength != nil && *s.MaxLength <= strictMaxLength):
		default:
			return false, false
		}
	}
	return false, true
}
