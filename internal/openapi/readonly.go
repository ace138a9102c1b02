package openapi

import (
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxReadOnlyWork bounds the values one ReadOnlyFields call looks at, and so
// its time, memory and result size: a schema whose recursion branches (a tree
// with "left" and "right" nodes) has exponentially many paths within maxDepth.
const maxReadOnlyWork = 50000

// ReadOnlyFields returns the paths of the properties marked readOnly: true in
// the JSON request body schema (application/json, +json, or a range covering
// JSON) of the operation at method and document path (Operation.Path), so the
// mass-assignment guard can refuse or strip fields a client must not set.
//
// Paths use jsonfields dotted syntax ("owner.id", "items.*.price"), with "*"
// for array elements and for members of additionalProperties and
// patternProperties; "." "*" and "\" inside names are escaped with "\". The
// walk goes through $ref, allOf/oneOf/anyOf (union of branches) and array
// items; a read-only property is reported once and not descended into.
// Recursive schemas are unrolled to 32 path segments; a property with an empty
// name cannot be written as a path and is skipped. The result is sorted and
// has no duplicates; it is empty (not nil) when the body declares no readOnly
// field, and nil when the operation has no JSON request body.
func (d *Doc) ReadOnlyFields(method, path string) []string {
	op := d.operation(method, path)
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	roots := jsonSchemas(op.RequestBody.Value.Content)
	if len(roots) == 0 {
		return nil
	}
	found := readOnlyPaths(roots)
	out := make([]string, 0, len(found))
	for p := range found {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// roNode is a value still to inspect: the schemas describing it and its path.
type roNode struct {
	group []*openapi3.SchemaRef
	path  string
	depth int
}

// readOnlyPaths walks the value roots describe breadth first, so that when the
// work budget runs out (a recursion that branches) every shallower path has
// been reported and only the deepest unrollings are cut.
func readOnlyPaths(roots []*openapi3.SchemaRef) map[string]bool {
	found := map[string]bool{}
	queue := []roNode{{group: roots}}
	for work := 0; len(queue) > 0; {
		n := queue[0]
		queue = queue[1:]
		if n.depth >= maxDepth {
			continue
		}
		parts := flatten(n.group)
		var children []roNode
		names, byName := members(parts)
		for _, name := range names {
			if name != "" {
				children = append(children, roNode{byName[name], join(n.path, escapeName(name)), n.depth + 1})
			}
		}
		if items := elements(parts); len(items) > 0 {
			children = append(children, roNode{items, join(n.path, "*"), n.depth + 1})
		}
		if extra := additional(parts); len(extra) > 0 {
			children = append(children, roNode{extra, join(n.path, "*"), n.depth + 1})
		}
		if work += len(children); work > maxReadOnlyWork {
			break
		}
		for _, c := range children {
			// A read-only value is reported whole and not descended into.
			if slices.ContainsFunc(flatten(c.group), func(s *openapi3.Schema) bool { return s.ReadOnly }) {
				found[c.path] = true
			} else {
				queue = append(queue, c)
			}
		}
	}
	return found
}

func join(prefix, seg string) string {
	if prefix == "" {
		return seg
	}
	return prefix + "." + seg
}

// escapeName escapes a property name for jsonfields dotted syntax.
func escapeName(name string) string {
	if !strings.ContainsAny(name, `.*\`) {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '.' || c == '*' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(name[i])
	}
	return b.String()
}

// RouteReadOnly lists the readOnly request properties (ReadOnlyFields) of a
// route's write methods, matching its path template to the document's
// operations: a client may not set what the contract says it only reads.
// GET, HEAD and DELETE carry no such body; a nil d has none.
func (d *Doc) RouteReadOnly(methods []string, path string) []string {
	if d == nil {
		return nil
	}
	var out []string
	for _, m := range methods {
		if m == "GET" || m == "HEAD" || m == "DELETE" {
			continue
		}
		if op, ok := d.Match(m, path); ok {
			out = append(out, d.ReadOnlyFields(op.Method, op.Path)...)
		}
	}
	return out
}
